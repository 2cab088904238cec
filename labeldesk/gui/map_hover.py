"""The embedding map's hover card: which point is under the mouse, what the card says
about it (thumbnail, path, label, the browser's "Model: …" line or its label fit) and
where the card goes. Split from :mod:`labeldesk.gui.map_view`."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QLabel

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.map_insights import CatalogLookup, hover_lines
from labeldesk.core.display import format_score
from labeldesk.core.project import Project
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.map_tree import PointFinder
from labeldesk.ml.map_data import MapPoints

HOVER_RADIUS_PX = 8


def nearest_row(
    viewbox: pg.ViewBox,
    finder: PointFinder,
    xy: np.ndarray,
    scene_pos: QPointF,
    rank: np.ndarray | None = None,
    dot_px: float = 0.0,
) -> int | None:
    """Row of the point drawn within a few pixels of ``scene_pos``, nearest first; but
    where dots (of radius ``dot_px``) cover it, the one drawn on top (the highest
    ``rank``, each row's place in the drawing order): the one whose colour shows."""
    pos = viewbox.mapSceneToView(scene_pos)
    px, py = (abs(v) or 1e-9 for v in viewbox.viewPixelSize())
    radius = HOVER_RADIUS_PX * max(px, py)
    rows = finder.within(pos.x(), pos.y(), radius)
    if not len(rows):
        return None
    d = (((xy[rows] - (pos.x(), pos.y())) / (px, py)) ** 2).sum(axis=1)
    covering = rows[d <= dot_px**2]
    if rank is not None and len(covering):
        return int(covering[np.argmax(rank[covering])])
    best = int(np.argmin(d))
    return int(rows[best]) if d[best] <= HOVER_RADIUS_PX**2 else None


def card_text(project: Project, data: MapPoints, row: int, model: str) -> str:
    """The card of a point: its thumbnail, path, label and ``model``'s lines."""
    label = int(data.labels[row])
    name = data.classes[label] if label >= 0 else NO_LABEL
    # (rich text: a path such as "a<b>.png" or a class "x & y" shown as written)
    text = f"{html.escape(str(data.paths[row]))}<br>{html.escape(name)}{model}"
    try:  # by id: the path may hold another image by now (a scan not read yet)
        thumbnail = project.thumbnail_of(int(data.ids[row]))
        text = f'<img src="{html.escape(str(thumbnail))}" height="128"><br>{text}'
    except Exception as exc:  # gone from the project, a broken file: say why
        text += f"<br>({html.escape(str(exc))})"
    return f"<div align='center'>{text}</div>"


def model_text(
    catalog: ImageCatalog | None,
    lookup: CatalogLookup,
    data: MapPoints,
    row: int,
    scores: np.ndarray | None,
) -> str:
    """The browser's "Model: …" line and the label fit of a point, for its card."""
    if catalog is not None:
        position = int(lookup.positions(catalog, data.ids)[row])
        return "".join(f"<br>{html.escape(line)}" for line in hover_lines(catalog, position))
    if scores is not None and not np.isnan(scores[row]):
        return f"<br>label fit {format_score(float(scores[row]))}"
    return ""


def place_card(card: QLabel, plot: pg.GraphicsView, scene_pos: QPointF) -> None:
    """Show ``card`` below right of the mouse, or flipped to fit in ``plot``."""
    at = plot.mapFromScene(scene_pos)
    w, h = card.width(), card.height()
    x = at.x() + (16 if at.x() + 16 + w <= plot.width() else -16 - w)
    y = at.y() + (16 if at.y() + 16 + h <= plot.height() else -16 - h)
    card.move(max(0, x), max(0, y))
    card.show()  # created after the viewport, so it is drawn on top
