"""How the embedding map colours its points: :class:`ColorsPoints`, the part of
:class:`~labeldesk.gui.map_view.MapView` that draws the points in the colouring chosen
(label, what the model thinks, label fit), describes it (the legend, the accessible
description, the count below 50 % label fit) and keeps the drawing order. Split from
:mod:`labeldesk.gui.map_view`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.map_insights import CatalogLookup, guesses
from labeldesk.gui.map_colors import below_half, class_slots, described, legend, point_codes
from labeldesk.gui.map_raster import DrawOrder
from labeldesk.gui.map_scatter import DrawnPoints, restyle

if TYPE_CHECKING:
    import pyqtgraph as pg
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QComboBox, QLabel

    from labeldesk.core.project import Project
    from labeldesk.gui.map_keys import MapKeys
    from labeldesk.gui.map_raster import MapRaster
    from labeldesk.gui.workers import Job
    from labeldesk.ml.map_data import MapPoints


class ColorsPoints:
    """The map view's colouring (a mixin of :class:`~.map_view.MapView`, whose state it
    keeps: the values per colouring, what the scatter or picture holds, the orders)."""

    if TYPE_CHECKING:  # what it uses of the view
        project: Project
        data: MapPoints | None
        catalog_source: Callable[[], ImageCatalog | None] | None
        _lookup: CatalogLookup
        job: Job | None
        _job_key: str | None
        _order: DrawOrder | None
        _fit_order: tuple[np.ndarray, DrawOrder] | None
        _extra: dict[str, np.ndarray]
        _carried: dict[str, np.ndarray]
        _drawn: DrawnPoints
        _described: tuple[str, np.ndarray, bool] | None
        _below: tuple[np.ndarray, int] | None
        selected_rows: np.ndarray
        color_by: QComboBox
        status: QLabel
        legend: QLabel
        plot: pg.GraphicsView
        scatter: pg.ScatterPlotItem
        raster: MapRaster
        keys: MapKeys
        recolored: SignalInstance

        def count_text(self) -> str: ...
        def _start(self, key: str | None, following: bool = False) -> None: ...

    def _fit_note(self) -> str:
        """Coloured by label fit (its scores at hand): how many are below 50 %."""
        if self._described is None or self._described[0] != "issue" or self._described[2]:
            return ""
        scores = self._described[1]
        if self._below is None or self._below[0] is not scores:
            self._below = (scores, below_half(scores))
        return f"; {self._below[1]:,} below 50% label fit"

    def _now_described(self, key: str, values: np.ndarray, pending: bool) -> None:
        """The colouring drawn: its description, and the count on the status line (by
        label fit, how many are below 50 %) where the line shows the count."""
        before = self.count_text()
        self._described = (key, values, pending)
        self.describe()
        text, now = self.status.text(), self.count_text()
        if now != before and text.startswith(before):  # (else a job's or a message)
            self.status.setText(now + text[len(before) :])

    def insights_changed(self) -> None:
        """The browser's model insights were recomputed: recolour from them."""
        self._extra.pop("prediction", None)
        if self.color_by.currentData() == "prediction":
            self.recolor()

    def _catalog(self) -> ImageCatalog | None:
        catalog = self.catalog_source() if self.catalog_source is not None else None
        return catalog if catalog is not None and catalog.insights is not None else None

    def recolor(self) -> None:
        """Redraw with the chosen colouring; predictions and scores are computed first
        (meanwhile the map's points are drawn with the values carried over)."""
        key = self.color_by.currentData()
        catalog = self._catalog()
        if key == "prediction" and key not in self._extra and catalog and self.data is not None:
            positions = self._lookup.positions(catalog, self.data.ids)
            self._extra[key] = guesses(catalog, positions, self.data.classes)  # no job needed
        if self.data is None:
            return
        if key != "label" and key not in self._extra:
            self._draw(key, self._carried.get(key))
            if self.job is None or self._job_key is not None:
                self._start(key)
            return
        self._draw(key, self.data.labels if key == "label" else self._extra[key])
        self.recolored.emit()

    def _draw(self, key: str, values: np.ndarray | None) -> None:
        """Draw the map's points coloured by ``values`` (None: values still to come; the
        points already drawn stay as they are, others are drawn grey). When the scatter
        holds these points in this colouring already (a label changed elsewhere: every
        1.5 s while a colleague labels), only the points whose colour changed are drawn
        again: all of them took 5 s of the GUI thread at 1M points."""
        data, drawn = self.data, self._drawn
        assert data is not None
        pending = values is None
        if values is None:
            values = np.full(len(data.paths), -1 if key == "prediction" else np.nan)
            if drawn.points is data:  # drawn as they are until the values come
                self._now_described(key, values, pending)
                return
        slots = class_slots(data.classes, self.project.class_colours())
        codes, palette = point_codes(key, values, data.classes, slots)
        style = (key, tuple(data.classes), tuple(slots))
        order = self._draw_order()
        if key == "issue" and not pending:  # the likely wrong ones over the others
            made = self._fit_order  # (by the colouring's job: else made here)
            if made is not None and made[0] is values and made[1].holds(data.ids):
                order = made[1]
            else:
                order = order.worst_on_top(codes, len(palette) - 1)
                self._fit_order = (values, order)
        # (a restyle keeps the order drawn: by label fit, a new one draws them all)
        held = self.raster.order
        same_order = held is order or (held is not None and np.array_equal(held.rows, order.rows))
        if (
            same_order
            and drawn.holds(data, style)
            and restyle(self.scatter, codes, drawn, order.rank)
        ):
            drawn.points = data
        else:
            self.raster.draw(data.xy, codes, palette, order)  # the scatter, or an image
            self._drawn = DrawnPoints(data, style, codes, palette)
        self.legend.setText(legend(key, data.classes, slots, None if pending else values))
        self._now_described(key, values, pending)

    def describe(self) -> None:
        """The map's accessible description: its points, colours and counts (a point the
        keyboard is on says its own instead, until Esc)."""
        if self.data is None or self._described is None or self.keys.cursor_id is not None:
            return
        key, values, pending = self._described
        selected = len(self.selected_rows)
        text = described(key, values, self.data.classes, selected, pending)
        self.plot.setAccessibleDescription(text)

    def _draw_order(self) -> DrawOrder:
        """The map's drawing order (made with the map by its read; here for points set
        otherwise)."""
        assert self.data is not None
        if self._order is None or not self._order.holds(self.data.ids):
            self._order = DrawOrder.of(self.data.ids)
        return self._order
