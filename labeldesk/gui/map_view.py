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
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.map_insights import CatalogLookup
from labeldesk.core.project import Project
from labeldesk.gui.map_bar import COLOR_BY, MapBar
from labeldesk.gui.map_coloring import ColorsPoints
from labeldesk.gui.map_colors import fit_order
from labeldesk.gui.map_follow import FollowsProject
from labeldesk.gui.map_keys import MapKeys
from labeldesk.gui.map_note import EmptyMapNote
from labeldesk.gui.map_pointer import POINT_SIZE, PointsUnderPointer
from labeldesk.gui.map_raster import DrawOrder, MapRaster
from labeldesk.gui.map_reads import ShowsReads
from labeldesk.gui.map_scatter import DrawnPoints
from labeldesk.gui.map_selection import MapViewBox
from labeldesk.gui.map_tree import PointFinder
from labeldesk.gui.read_pacer import ReadPacer
from labeldesk.gui.workers import Job, JobRunner
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.map_data import MapPoints, map_change, map_points, point_values

COMPUTING = "computing the map…"
UPDATING = "updating the map…"


class MapView(FollowsProject, ColorsPoints, PointsUnderPointer, ShowsReads, QWidget):
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

    @Slot()
    def _cancelled(self) -> None:
        if self._current():
            key = self._job_key
            what = "Map" if key is None else f"Colouring by {COLOR_BY[key].lower()}"
            self._set_busy(False, f"{what} cancelled.", again=True)
            if self._job_key is None:
                self._read_from = None  # read again when shown

    # -- the mouse leaving, the theme, the screen ---------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The mouse left the map: its card goes (it stayed where the mouse had left the
        map over a point, over the map until the mouse came back); the keys' cursor's
        card comes back in its corner."""
        left = event.type() == QEvent.Type.Leave and watched is self.plot.viewport()
        if left and not self.keys.aside.show():  # (no cursor: no card)
            self.hovered = None
            self.hover_card.hide()
        return super().eventFilter(watched, event)

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

    def shutdown(self) -> None:
        """Stop the background job and go inert; call before the project is closed."""
        if not self._closed:
            self._closed = True
            self.raster.stop()  # (a view change from now on draws nothing)
            self.cancel()
            if self._owns_runner:
                self.runner.shutdown()
