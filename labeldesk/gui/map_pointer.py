"""The map's points under the mouse and in a selection: :class:`PointsUnderPointer`, the
part of :class:`~labeldesk.gui.map_view.MapView` that selects the points in a box, a
lasso or given rows (and emits their paths), finds the point under the mouse and shows
its card (thumbnail, path, label, the model's line); and puts the keys' cursor on an
image the browser asks for (:meth:`PointsUnderPointer.show_image`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Slot

from labeldesk.gui.map_hover import card_text, model_text, nearest_row, place_card
from labeldesk.gui.map_selection import points_in_polygon

if TYPE_CHECKING:
    import pyqtgraph as pg
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QLabel

    from labeldesk.browse.catalog import ImageCatalog
    from labeldesk.browse.map_insights import CatalogLookup
    from labeldesk.core.project import Project
    from labeldesk.gui.map_keys import MapKeys
    from labeldesk.gui.map_raster import MapRaster
    from labeldesk.gui.map_selection import MapViewBox
    from labeldesk.gui.map_tree import PointFinder
    from labeldesk.gui.workers import Job
    from labeldesk.ml.map_data import MapPoints

POINT_SIZE = 5


class PointsUnderPointer:
    """The map view's selection and hover (a mixin of :class:`~.map_view.MapView`, whose
    state it uses: the points, their finder, the selection, the card)."""

    if TYPE_CHECKING:  # what it uses of the view
        project: Project
        data: MapPoints | None
        _lookup: CatalogLookup
        _tree: PointFinder | None
        _extra: dict[str, np.ndarray]
        job: Job | None
        selected_rows: np.ndarray
        selected: list[str]
        hovered: str | None
        hover_card: QLabel
        status: QLabel
        plot: pg.GraphicsView
        viewbox: MapViewBox
        raster: MapRaster
        keys: MapKeys
        selectionChanged: SignalInstance
        _wanted_image: int | None

        def count_text(self) -> str: ...
        def _show_count(self, text: str | None = None) -> None: ...
        def describe(self) -> None: ...
        def _catalog(self) -> ImageCatalog | None: ...

    @Slot(QRectF)
    def select_rect(self, rect: QRectF) -> None:
        """Select the points inside ``rect`` (data coordinates) and emit their paths."""
        if self.data is None:
            return
        x, y = self.data.xy.T
        inside = np.flatnonzero((x >= rect.left()) & (x <= rect.right()))
        self.select_rows(inside[(y[inside] >= rect.top()) & (y[inside] <= rect.bottom())])

    @Slot(object)
    def select_polygon(self, polygon: np.ndarray) -> None:
        """Select the points inside ``polygon`` ((K, 2) data coordinates), emit their paths."""
        if self.data is not None:
            self.select_rows(points_in_polygon(self.data.xy, polygon))

    def finder(self) -> PointFinder | None:
        return self._tree

    def select_rows(self, rows: np.ndarray, send: bool = True, note: str = "") -> None:
        """Select the points ``rows`` (ringed; the count, then ``note``, on the status
        line); ``send``: emit their paths (the browser shows them)."""
        assert self.data is not None
        self.selected_rows = np.asarray(rows, dtype=np.int64)
        self.selected = [self.data.paths[i] for i in self.selected_rows]
        self.raster.highlight(self.data.xy, self.selected_rows)
        text = self.count_text() + (note if len(self.selected_rows) else "")
        if self.job is None:
            self._show_count(text)
        else:  # (the job's line comes back when it ends)
            self.status.setText(text)
        self.describe()
        if send:
            self.selectionChanged.emit(self.selected)

    def point_at(self, scene_pos: QPointF) -> int | None:
        """Row of the point drawn within a few pixels of ``scene_pos``, nearest first (of
        dots over it: the one drawn on top, whose colour shows)."""
        if self._tree is None or self.data is None:
            return None
        order = self.raster.order
        rank = order.rank if order is not None and order.holds(self.data.ids) else None
        xy, dot = self.data.xy, POINT_SIZE / 2
        return nearest_row(self.viewbox, self._tree, xy, scene_pos, rank, dot)

    def _hover(self, scene_pos: QPointF) -> None:
        """Show the thumbnail, path and label of the point under the mouse; off the
        points, the keys' cursor's card in its corner, clear of the pointer."""
        row = self.point_at(scene_pos)
        if row is None or self.data is None:
            if not self.keys.aside.show(pointer=scene_pos):
                self.hovered = None
                self.hover_card.hide()
            return
        self.keys.aside.release()  # (the card goes beside the pointer)
        self.show_card(row, scene_pos)

    def show_card(self, row: int, scene_pos: QPointF) -> None:
        """The card of the point ``row`` (under the mouse, or the keys' cursor)."""
        data = self.data
        assert data is not None
        if data.paths[row] != self.hovered:
            self.hovered = data.paths[row]
            scores = self._extra.get("issue")
            model = model_text(self._catalog(), self._lookup, data, row, scores)
            self.hover_card.setText(card_text(self.project, data, row, model))
            self.hover_card.adjustSize()
        place_card(self.hover_card, self.plot, scene_pos)

    def show_image(self, image_id: int | None) -> None:
        """Put the keys' cursor on this image (the browser's current one, as the map is
        opened from there): ringed, its card shown, the view moved to it if it was out
        of it; once the map is read where it is being computed. Opened from a flagged
        image, the map showed the whole map and nothing of where that image lies."""
        self._wanted_image = image_id
        self._show_wanted()

    def _show_wanted(self) -> None:
        if self._wanted_image is not None and self.data is not None:  # (a read: it stays)
            image_id, self._wanted_image = self._wanted_image, None
            self.keys.put_on(image_id)
