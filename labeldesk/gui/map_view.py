"""The embedding map: every embedded image as a 2-D point (UMAP, cached per embedding
version), coloured by label, what the model thinks, or label fit, computed in background
jobs. Hover shows the image, its label and the same "Model: …" line as the browser; a box
or a free-form lasso selection emits its paths. A pixel-mode scatter draws the points,
from 100k on one image (:mod:`labeldesk.gui.map_raster`): a million stay interactive.

With ``catalog_source`` (the browser's catalog) "what the model thinks" is read from the
catalog, so the map's colours name the class the detail panel and tooltips name.

A map on screen follows the project: after a scan, labels or new embeddings it is read
again in the background, paced, and only while it can be seen (:mod:`.map_follow`). The
points are drawn in a fixed pseudo-random order (:class:`~labeldesk.gui.map_raster.DrawOrder`),
so that no class covers the others where they overlap. The colouring (what the points are
drawn in, the legend and descriptions) is :mod:`.map_coloring`'s; a big map's first
picture is worked out by a job (:mod:`.map_raster`)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.map_insights import CatalogLookup
from labeldesk.core.display import capitalised
from labeldesk.core.project import Project
from labeldesk.gui.map_bar import COLOR_BY, MapBar
from labeldesk.gui.map_coloring import ColorsPoints
from labeldesk.gui.map_colors import carried, fit_order
from labeldesk.gui.map_follow import WAIT_SHOWN_S, FollowsProject
from labeldesk.gui.map_hover import card_text, model_text, nearest_row, place_card
from labeldesk.gui.map_keys import MapKeys
from labeldesk.gui.map_note import EmptyMapNote
from labeldesk.gui.map_raster import DrawOrder, MapRaster
from labeldesk.gui.map_scatter import DrawnPoints
from labeldesk.gui.map_selection import MapViewBox, points_in_polygon
from labeldesk.gui.map_tree import PointFinder
from labeldesk.gui.read_pacer import ReadPacer
from labeldesk.gui.workers import Job, JobRunner
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.projection import MapPoints, map_change, map_points, point_values

COMPUTING = "computing the map…"
UPDATING = "updating the map…"
POINT_SIZE = 5


class MapView(FollowsProject, ColorsPoints, QWidget):
    """A map of the project's embeddings; call :meth:`refresh` after embedding changes."""

    selectionChanged = Signal(list)  # list[str]: image paths inside the box or lasso
    mapReady = Signal()
    recolored = Signal()
    error = Signal(object)  # str, or a FailureText: with the disk it found full

    def __init__(
        self,
        project: Project,
        runner: JobRunner | None = None,
        method: str = "umap",
        catalog_source: Callable[[], ImageCatalog | None] | None = None,
    ):
        super().__init__()
        self.project = project
        self.catalog_source = catalog_source
        self._lookup = CatalogLookup()
        self.method = method
        self._owns_runner = runner is None
        self.runner = runner or JobRunner(self, max_threads=1)
        self.data: MapPoints | None = None
        self.job: Job | None = None
        self._job_key: str | None = None  # None: the job computes the map itself
        self._pacer = ReadPacer(self)  # when to read again after changes (not back to back)
        self._pacer.due.connect(self._follow_up)
        self._own: set[int] = set()  # labeled here while a read ran: its result may predate
        self._unshown: set[int] = set()  # labeled here while hidden: restyled when shown
        # what the map was last read from (the method, the embeddings and how far they
        # go), as the read started; None: no read yet, or the last one failed or stopped
        self._read_from: tuple[object, ...] | None = None
        self._order: DrawOrder | None = None  # data's drawing order
        self._id_order: tuple[np.ndarray, np.ndarray] | None = None  # data.ids, its argsort
        # label fit scores and the drawing order with their worst on top, made with them
        self._fit_order: tuple[np.ndarray, DrawOrder] | None = None
        self.selected_rows = np.empty(0, dtype=np.int64)  # of self.selected, in data
        self.selected: list[str] = []
        self._tree: PointFinder | None = None
        self._extra: dict[str, np.ndarray] = {}  # colour key -> per-point values
        # values of the map read before, for the images still on it: drawn while the
        # new ones are computed (new images grey), never another map's points
        self._carried: dict[str, np.ndarray] = {}
        self._drawn = DrawnPoints()  # what the scatter holds
        self._described: tuple[str, np.ndarray, bool] | None = None  # colouring, its values
        self._below: tuple[np.ndarray, int] | None = None  # label fit scores, how many < 50%
        self._closed = False
        self.viewbox = MapViewBox()
        self.viewbox.boxSelected.connect(self.select_rect)
        self.viewbox.lassoSelected.connect(self.select_polygon)

        self.bar = bar = MapBar(self.viewbox)  # the colouring, Select, the status line
        self.color_by, self.select_tool = bar.color_by, bar.select_tool
        self.select_button, self.status = bar.select_button, bar.status
        self.progress, self.cancel_button = bar.progress, bar.cancel_button
        self.color_by.currentIndexChanged.connect(lambda _: self.recolor())
        self.cancel_button.clicked.connect(self.cancel)
        self.again_button = bar.again_button
        self.again_button.clicked.connect(self._start_again)
        self.pca_button = bar.pca_button
        self.pca_button.clicked.connect(self._pca_instead)
        self._pca_fallback = False  # UMAP failed and PCA was chosen instead (the line says)
        self.legend = QLabel()
        self.legend.setWordWrap(True)

        self.plot = pg.GraphicsView()  # a bare view box: no axes, no context menu
        self.plot.setAccessibleName("Embedding map")
        self.plot.setCentralItem(self.viewbox)
        self.viewbox.setMenuEnabled(False)
        self.scatter = pg.ScatterPlotItem(pxMode=True, useCache=True, pen=None, size=POINT_SIZE)
        self.highlight = pg.ScatterPlotItem(pxMode=True, size=POINT_SIZE + 4, brush=None)
        # many points: one picture, a new map's worked out by a job on the runner
        self.raster = MapRaster(self.viewbox, self.scatter, self.highlight, self.runner)
        self._apply_palette()
        self.viewbox.addItem(self.scatter)
        self.viewbox.addItem(self.highlight)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.hover_card = QLabel(self.plot)
        self.hover_card.setStyleSheet(
            "background: palette(tooltip-base); color: palette(tooltip-text);"
            "border: 1px solid palette(mid); padding: 4px;"
        )
        self.hover_card.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hover_card.hide()
        self.hovered: str | None = None
        self.empty_note = EmptyMapNote(self.plot)  # what comes, while no map is drawn
        self.keys = MapKeys(self)  # arrows, Space, ], Enter…: the map from the keyboard
        self.plot.viewport().installEventFilter(self)  # the mouse leaving: the card goes
        self.mapReady.connect(self.keys.say_keys)  # (focused while the map was read)
        self._wanted_image: int | None = None  # the cursor goes there once the map is read
        self.mapReady.connect(self._show_wanted)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        self._set_busy(False)

    # -- computing -------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute (or read the cached) map in the background, then redraw."""
        if not self._closed:
            self._start(None)

    def _start(self, key: str | None, following: bool = False) -> None:
        """Run the map (``key`` None) or one colouring's values as the background job."""
        if self.job is not None:
            self.job.cancel()  # only the newest job counts
        project, method, paths = self.project, self.method, self.data.paths if self.data else []
        before = self.data
        # by label fit the worst fits are drawn on top: that order is made here too
        base = self._draw_order() if key == "issue" and self.data is not None else None

        def compute(*, progress: Any, cancel: Any) -> Any:
            if key is not None:
                values = point_values(project, paths, key, cancel)
                return values if base is None else (values, fit_order(base, values))
            points = map_points(project, method, progress=progress, cancel=cancel)
            # compared here, not on the GUI thread; the drawing order too (0.1 s at 1M)
            return points, map_change(before, points), DrawOrder.of(points.ids)

        job = Job(compute, "Map")
        job.finished.connect(self._computed)
        job.failed.connect(self._job_failed)  # (a lambda hid the sender: failures were lost)
        job.cancelled.connect(self._cancelled)
        job.ended.connect(self._ended)
        self.job, self._job_key = job, key
        if key is None:  # (a first read may fit the map: its time sets no pause)
            self._pacer.read_started(timed=following)
            self._own.clear()  # this read sees them
            self._unshown.clear()
            self._read_from = self._source()
        self._pacer.busy()
        busy = UPDATING if following and self.data is not None else COMPUTING
        busy = busy if key is None else f"computing {COLOR_BY[key].lower()}…"
        self._set_busy(True, self.bar.follow(job, busy))  # then the steps, how far
        self.runner.start(job)

    def cancel(self) -> None:
        """Stop the job under way (Cancel, or closing). A read of the map is not made
        again for the changes it was to show; a colouring stops alone: changes seen
        meanwhile are still read after it."""
        if self.job is None or self._job_key is None:
            self._pacer.drop()
        if self.job is not None:
            self.job.cancel()  # a UMAP fit's child process is stopped at once

    def _set_busy(
        self, busy: bool, message: str = "", again: bool = False, pca: bool = False
    ) -> None:
        """The bar while a job runs (``busy``) or not; ``again``: offer Start again;
        ``pca``: a PCA map instead."""
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.again_button.setVisible(again and not busy)
        self.pca_button.setVisible(pca and not busy)
        self.status.setText(message)

    def _pca_instead(self) -> None:
        """A PCA map instead of the UMAP one that failed (UMAP would not load, say: the
        page stayed blank, and Start again failed the same way)."""
        self.method, self._pca_fallback = "pca", True
        self.refresh()

    def _start_again(self) -> None:
        """Start again: the map, or the colouring, whose computation was cancelled or
        failed (a cancelled map stayed blank until the page was opened anew, and a
        colouring until another one was chosen and then it again)."""
        if self._job_key is None or self.data is None:
            self.refresh()
        else:
            self._extra.pop(self._job_key, None)  # (a failed one's grey values)
            self.recolor()

    def _current(self) -> bool:
        """Whether the signal comes from the newest job (older ones are ignored)."""
        current = not self._closed and self.sender() is self.job
        self.job = None if current else self.job
        return current

    @Slot(object)
    def _computed(self, result: Any) -> None:
        if not self._current():
            return
        change, was_map = "values", self._job_key is None
        if was_map:
            points, change, order = result
            if change != "same":  # "same": read again after a change that is not its
                if self._own:  # labeled here meanwhile: the read may predate them
                    labels = self._labels_now(points, sorted(self._own))
                    if labels is None:
                        self._pacer.want()
                    elif labels is not points.labels:
                        points = dataclasses.replace(points, labels=labels)
                self._order = order
                self._set_points(points, keep_view=change == "kept")
            self._own.clear()
        elif self._job_key == "issue":
            self._extra["issue"], order = result
            self._fit_order = (result[0], order)
        elif self._job_key is not None:
            self._extra[self._job_key] = result
        assert self.data is not None
        self._set_busy(False, self.count_text())
        key = self.color_by.currentData()
        if change != "same" or (key != "label" and key not in self._extra):
            self.recolor()  # (a colouring job the read cancelled starts again)
        if was_map:  # (the recolouring may have started a colouring job)
            self.mapReady.emit()

    def count_text(self) -> str:
        assert self.data is not None
        n = f"{len(self.data.paths):,}"
        text = f"{len(self.selected):,} of {n} images selected" if self.selected else f"{n} images"
        text += " (a PCA map: UMAP failed)" if self._pca_fallback else ""
        return text + self._fit_note()

    def _show_count(self, text: str | None = None) -> None:
        """The status line with no job: ``text`` (by default how many images, selected),
        and how long until a read waiting for its pause (:meth:`_follow_up`) where that
        is a while (said as the wait started, it went stale: a restyle, a selection)."""
        wait = self._pacer.wait_s() if self._pacer.waiting and self._pacer.wanted else 0
        note = f" (updating again in {math.ceil(wait)} s)" if wait >= WAIT_SHOWN_S else ""
        self.status.setText((self.count_text() if text is None else text) + note)

    def _set_points(self, points: MapPoints, keep_view: bool) -> None:
        """Show ``points``. ``keep_view``: the images on both maps are where they were
        (read again after a scan or a label): the zoom stays, and the selection keeps
        the images still on the map; else the view fits the new map."""
        before, self.data = self.data, points
        self.empty_note.set_empty(False)
        self._carried = carried(self._extra, before, points)
        self._extra = {}
        if before is None or self._tree is None or not np.array_equal(before.xy, points.xy):
            self._tree = PointFinder(points.xy) if len(points.paths) else None  # (a thread)
        self.hovered = None
        self.hover_card.hide()
        kept = np.empty(0, dtype=np.int64)
        if keep_view and before is not None and len(self.selected_rows):
            kept = np.flatnonzero(np.isin(points.ids, before.ids[self.selected_rows]))
        self.selected_rows = kept
        self.selected = [points.paths[i] for i in kept]
        self.raster.highlight(points.xy, kept)
        self.keys.points_changed()
        if not keep_view and len(points.paths):
            # from the points themselves: the scatter still holds the old map (or none)
            # until the recolouring that follows draws this one
            x, y = points.xy[:, 0], points.xy[:, 1]  # a column at a time: min(axis=0) of
            self.viewbox.setRange(  # a million rows took 0.05 s of CPU, 0.5 s when busy
                xRange=(float(x.min()), float(x.max())),
                yRange=(float(y.min()), float(y.max())),
                padding=0.03,
            )

    @Slot()
    def _ended(self) -> None:
        """A job ended (and none followed): the pause before the next read runs from now;
        a change seen meanwhile is read after it."""
        if self.job is None and not self._closed:
            self._pacer.idle()
            self._follow_up()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)  # (also when the window is restored: a spontaneous one)
        self._catch_up()

    @Slot(object)
    def _job_failed(self, exc: BaseException) -> None:
        job = self.sender()
        if self._current():
            again = not isinstance(exc, NoEmbeddings)  # (the map comes once they are made)
            self._failed(job.describe(exc) if isinstance(job, Job) else str(exc), again)

    def _failed(self, message: str, again: bool = True) -> None:
        pca = again and self._job_key is None and self.method == "umap"
        self._set_busy(False, capitalised(message), again, pca)
        if self._job_key is None:
            self._read_from = None  # read again when shown
        if self._job_key is not None and self.data is not None:  # colour grey, say why
            fill = -1 if self._job_key == "prediction" else np.nan
            self._extra[self._job_key] = np.full(len(self.data.paths), fill)
            self.recolor()
        self.error.emit(message)

    @Slot()
    def _cancelled(self) -> None:
        if self._current():
            key = self._job_key
            what = "Map" if key is None else f"Colouring by {COLOR_BY[key].lower()}"
            self._set_busy(False, f"{what} cancelled.", again=True)
            if self._job_key is None:
                self._read_from = None  # read again when shown

    # -- selection and hover ---------------------------------------------------------
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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The mouse left the map: its card goes (it stayed where the mouse had left the
        map over a point, over the map until the mouse came back); the keys' cursor's
        card comes back in its corner."""
        left = event.type() == QEvent.Type.Leave and watched is self.plot.viewport()
        if left and not self.keys.aside.show():  # (no cursor: no card)
            self.hovered = None
            self.hover_card.hide()
        return super().eventFilter(watched, event)

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

    def _apply_palette(self) -> None:
        """Colours that follow the theme: background, selection ring, lasso."""
        palette = self.palette()
        self.plot.setBackground(palette.base().color())
        self.highlight.setPen(pg.mkPen(palette.text().color(), width=1.5))
        self.viewbox.set_lasso_color(palette.highlight().color())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "highlight"):
            self._apply_palette()  # the theme was switched
        super().changeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.DevicePixelRatioChange and hasattr(self, "raster"):
            self.raster.schedule()  # another screen: the big map's picture made for it
        return super().event(event)

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

    def shutdown(self) -> None:
        """Stop the background job and go inert; call before the project is closed."""
        if not self._closed:
            self._closed = True
            self.raster.stop()  # (a view change from now on draws nothing)
            self.cancel()
            if self._owns_runner:
                self.runner.shutdown()
