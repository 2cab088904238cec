"""The card of the map's keyboard cursor (the current image: the browser's, as the map
is opened from there, or where the arrows went), kept in a corner of the map clear of
that image and of the mouse pointer.

Placed once in the corner away from the image, the card stayed there: a zoom, a pan,
Ctrl+0, a resized window or the map read again could bring the image under it, and
then the card hid the image and its neighbours, the points a person looks at next. And
any move of the mouse over the map away from a point hid the card for good. Now the
card moves to another corner when the image (with the room around it) or the pointer
comes under it (the one over the fewest images: at first it hid the edge of a cluster
where an empty corner was free), and comes back in its corner when the mouse leaves a
point or the map.
Split from :mod:`labeldesk.gui.map_keys`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QSize
from PySide6.QtWidgets import QLabel

from labeldesk.ml.map_data import MapPoints

CARD_MARGIN = 8  # px between the card and the map's edge
NEIGHBOURHOOD_PX = 48  # px around the cursor's image the card keeps clear of
POINTER_PX = 16  # px around the mouse pointer the card keeps clear of
Corner = tuple[bool, bool]  # (right, bottom)
CORNERS: tuple[Corner, ...] = ((False, False), (True, False), (False, True), (True, True))


class CardedMap(Protocol):
    """What the card needs of the map view."""

    data: MapPoints | None
    hover_card: QLabel

    @property
    def plot(self) -> pg.GraphicsView: ...

    @property
    def viewbox(self) -> pg.ViewBox: ...

    def show_card(self, row: int, scene_pos: QPointF) -> None: ...


def corner_rect(corner: Corner, area: QSize, card: QSize) -> QRect:
    """Where the card goes in ``corner`` of a map of size ``area``."""
    right, bottom = corner
    x = area.width() - card.width() - CARD_MARGIN if right else CARD_MARGIN
    y = area.height() - card.height() - CARD_MARGIN if bottom else CARD_MARGIN
    return QRect(QPoint(max(0, x), max(0, y)), card)


def distance(rect: QRect, point: QPointF) -> float:
    """Pixels from ``point`` to the nearest of ``rect`` (0 inside it)."""
    dx = max(rect.left() - point.x(), 0.0, point.x() - rect.right())
    dy = max(rect.top() - point.y(), 0.0, point.y() - rect.bottom())
    return math.hypot(dx, dy)


def choose_corner(
    area: QSize,
    card: QSize,
    avoid: Sequence[tuple[QPointF, float]],
    now: Corner | None,
    covered: Callable[[QRect], int] = lambda _: 0,
) -> Corner:
    """The corner for the card: ``now`` while it keeps clear of each point of ``avoid``
    by its room (the card does not jump about as the cursor moves), else of the clear
    corners the one over the fewest images (``covered``: how many a place hides), the
    farthest from ``avoid`` of those; where none is clear (a small map), the farthest."""

    def clear(corner: Corner) -> bool:
        rect = corner_rect(corner, area, card)
        return all(distance(rect, point) > room for point, room in avoid)

    def far(corner: Corner) -> float:
        rect = corner_rect(corner, area, card)
        return min((distance(rect, point) for point, _ in avoid), default=0.0)

    if now is not None and clear(now):
        return now
    choices = [c for c in CORNERS if clear(c)]
    if not choices:
        return max(CORNERS, key=far)
    return min(choices, key=lambda c: (covered(corner_rect(c, area, card)), -far(c)))


class CardAside(QObject):
    """The cursor's card in a corner of ``view``'s map; ``row`` gives the cursor's row
    (None: no cursor). :attr:`corner` is None while the card is not the cursor's (the
    mouse's, or hidden)."""

    def __init__(self, view: CardedMap, row: Callable[[], int | None]):
        super().__init__(view.plot)
        self.view, self._row = view, row
        self.corner: Corner | None = None
        view.viewbox.sigRangeChanged.connect(lambda *_: self.keep_clear())
        view.plot.installEventFilter(self)  # resized: the corner's place, and clear again

    def show(self, pointer: QPointF | None = None) -> bool:
        """Show the cursor's card in its corner, clear of it and of the mouse
        ``pointer`` (scene coordinates); False where there is no cursor."""
        row, data = self._row(), self.view.data
        if row is None or data is None:
            self.corner = None
            return False
        self.view.show_card(row, self._scene_pos(row))
        self._place(pointer)
        return True

    def hide(self) -> None:
        self.corner = None
        self.view.hover_card.hide()

    def release(self) -> None:
        """The mouse's card shows instead (it goes beside the pointer)."""
        self.corner = None

    def keep_clear(self) -> None:
        """The view moved or the map changed: the card moves where it now covers the
        cursor's image."""
        if self.corner is not None and self.view.hover_card.isVisible():
            if self._row() is None:
                self.hide()
            else:
                self._place(None)

    def _scene_pos(self, row: int) -> QPointF:
        data = self.view.data
        assert data is not None
        x, y = float(data.xy[row, 0]), float(data.xy[row, 1])
        return self.view.viewbox.mapViewToScene(QPointF(x, y))

    def _place(self, pointer: QPointF | None) -> None:
        row = self._row()
        assert row is not None
        plot, card = self.view.plot, self.view.hover_card
        avoid = [(QPointF(plot.mapFromScene(self._scene_pos(row))), float(NEIGHBOURHOOD_PX))]
        if pointer is not None:
            avoid.append((QPointF(plot.mapFromScene(pointer)), float(POINTER_PX)))
        self.corner = choose_corner(plot.size(), card.size(), avoid, self.corner, self._covered)
        card.move(corner_rect(self.corner, plot.size(), card.size()).topLeft())

    def _covered(self, rect: QRect) -> int:
        """How many of the map's images ``rect`` (the plot's pixels) lies over (at a
        million, a few ms; counted only when the card must move)."""
        data, box, plot = self.view.data, self.view.viewbox, self.view.plot
        if data is None:
            return 0
        a = box.mapSceneToView(plot.mapToScene(rect.topLeft()))
        b = box.mapSceneToView(plot.mapToScene(rect.bottomRight()))
        x, y = data.xy[:, 0], data.xy[:, 1]
        (x0, x1), (y0, y1) = sorted((a.x(), b.x())), sorted((a.y(), b.y()))
        inside = (x >= x0) & (x <= x1)
        return int(((y[inside] >= y0) & (y[inside] <= y1)).sum())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.view.plot:
            self.keep_clear()
        return False
