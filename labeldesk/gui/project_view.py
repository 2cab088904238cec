"""The workspace for one open project: sidebar | thumbnail grid | detail panel.

It wires the pieces together and owns their lifetime; each piece stays ignorant of the
others. What it does with them is mixed in, a module each:
:class:`~labeldesk.gui.browser_read.BrowserRead` reads the images (the first screen's
at once, a big project's rest and a rescan's in the background);
:class:`~labeldesk.gui.browser_filter.BrowserFilter` shows and selects what the sidebar
chose (its filter, a set of paths, the flagged list as it is now);
:class:`~labeldesk.gui.browser_insights.BrowserInsights` folds in the model's insights
(predictions, scores, neighbours) as an :class:`InsightsFeed` delivers them in the
background, and shows them in the detail panel and the searches they drive;
:class:`~labeldesk.gui.browser_counts.BrowserCounts` counts and says it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QImage, QShowEvent
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.core.changes import Changes
from labeldesk.core.progress import CancelToken
from labeldesk.core.project import Project
from labeldesk.gui import settings, shortcuts, sort_ahead
from labeldesk.gui.browser_counts import BrowserCounts
from labeldesk.gui.browser_filter import BrowserFilter
from labeldesk.gui.browser_insights import BrowserInsights
from labeldesk.gui.browser_place import BrowserPlace, ImageRestore, save_place, saved_place
from labeldesk.gui.browser_read import BrowserRead
from labeldesk.gui.class_actions import ClassActions
from labeldesk.gui.deferred import Deferred
from labeldesk.gui.detail_panel import DetailPanel
from labeldesk.gui.grid_menu import GridMenu
from labeldesk.gui.image_model import ImageListModel, ImageRole
from labeldesk.gui.insights_feed import InsightsFeed
from labeldesk.gui.labeling import LabelingController
from labeldesk.gui.row_refresh import RowRefresh
from labeldesk.gui.session import ProjectSession
from labeldesk.gui.sidebar import FilterSidebar
from labeldesk.gui.thumb_ratio import TileSide
from labeldesk.gui.thumbnail_grid import ThumbnailGrid
from labeldesk.gui.thumbnails import ThumbnailLoader, project_image_loader
from labeldesk.gui.tile_delegate import TileMetrics
from labeldesk.gui.workers import Job, JobRunner, Tracker, write_failure

SPLITTER_KEY = "project_view/splitter"


class ProjectView(QWidget, BrowserRead, BrowserFilter, BrowserInsights, BrowserCounts):
    statusChanged = Signal(str)  # the permanent counts line (status_text)
    status_text = ""  # the project's counts, and what the browser shows and has selected
    totals_text = ""  # the project's counts alone
    message = Signal(str)  # transient status text
    error = Signal(object)  # an expected failure to show once (str, or a FailureText)

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        metrics: TileMetrics | None = None,
        runner: JobRunner | None = None,
        track: Tracker | None = None,
        session: ProjectSession | None = None,
    ):
        """``session``: the open project's session, whose ``changed`` signal this view
        follows (without one, the view makes its own over ``project``)."""
        super().__init__(parent)
        self.project = project
        self.runner = runner or JobRunner(self)
        self.track = track
        self._own_session = session is None
        self.session = session or ProjectSession(project, runner=self.runner, parent=self)
        self.metrics = metrics or TileMetrics()
        # tiles at the pixels of the screen the window is on, again when it moves
        self.tile_side = TileSide(self, self.metrics.image_side, self._ratio_changed)
        self.loader = ThumbnailLoader(
            project_image_loader(project, self.tile_side.side), parent=self
        )
        self.model = ImageListModel(self.loader, self)
        self.sidebar = FilterSidebar()
        self.grid = ThumbnailGrid(self.model, self.loader, self.metrics)
        self.grid.setAccessibleName("Images")
        self.detail = DetailPanel(project, loader=self.loader)
        self.labeling = LabelingController(
            project, self.model, self.grid, self, start=self.session.start
        )
        self.grid_menu = GridMenu(self.labeling)  # right click: label, unlabel, exclude
        self.rows = RowRefresh(project, self.model, self.session.start, self)
        self.class_actions = ClassActions(self.labeling, self, self.sidebar.selected_class)
        self.feed = InsightsFeed(project, self.runner, track, self)
        self.search_job: Job | None = None
        self.fill_job: Job | None = None
        self._fill_again = False  # asked while a re-read ran: it may have missed rows
        self._changed_in_fill: set[int] = set()  # edited while a re-read ran: re-read them
        self._totals: dict[str | None, int] = {}
        self._selection_total = 0  # images in the sidebar's selection (map, cell, …)
        self._selection: ImageFilter | None = None  # that selection, to count it again
        self._select_first = False  # a selection shown before its images were read
        self._detail_stale = False  # changed while hidden: sidebar and detail on next show
        self._insights_stale = False  # labels changed while hidden: rescore on next show
        self._renamed_only = False  # the rows re-read now only follow a class's new name
        # Whether a page on screen in the browser's place shows the model's numbers
        # (Statistics' "about N" likely wrong): then changes are scored again at once.
        self.scores_shown_elsewhere: Callable[[], bool] = lambda: False
        self._closed = False  # after shutdown(): late signals must not touch the project
        self.restoring = ImageRestore(self.grid, self.model)  # a reopened project's image
        self._insights_seen = False  # the first scores (or None) arrived
        self._sorting: Job | None = None  # the order they wait for, being made (a job)
        # a model sort chosen while its order is made: shown when made (not sorted here)
        self.chosen_sort = sort_ahead.ChosenSort(
            self,
            lambda wanted, keep: (
                None if self._closed else self.apply_filter(wanted, keep_current=keep)
            ),
        )
        self._awaiting_scores: set[str] = set()  # paths added with embeddings, not scored
        self.embedding = False  # Compute embeddings runs (set by the window's jobs)
        self.embedded_run = ""  # a run ended, its vectors being scored (embedding_ended)
        from labeldesk.ml.store import current_key

        # embedded when opened: its first scores are on their way (the sidebar keeps room)
        self._embedded = current_key(project) is not None
        self._counts_soon = Deferred(self)  # over 200k images: after the next image shows
        self._counts_soon.due.connect(self.refresh_counts)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("projectSplitter")
        for widget, stretch in ((self.sidebar, 0), (self.grid, 1), (self.detail, 0)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.indexOf(widget), stretch)
        self.splitter.setSizes([250, 820, 330])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        # Undo, Redo and "add class" work wherever focus is inside this view; the search
        # box keeps Ctrl+Z and Ctrl+Shift+Z for its own text (line edits claim their
        # standard keys first).
        view_actions = [
            self.labeling.undo_action,
            self.labeling.redo_action,
            self.labeling.add_class_action,
        ]
        for action in view_actions:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addActions(view_actions)
        self.new_matches_action = QAction("Show the flagged list as it is now", self)
        self.new_matches_action.setShortcuts(shortcuts.sequences(shortcuts.NEW_MATCHES_KEYS))
        self.new_matches_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_matches_action.setEnabled(False)  # while the sidebar's line shows
        self.new_matches_action.triggered.connect(self.show_new_matches)
        self.addAction(self.new_matches_action)

        self.sidebar.filterChanged.connect(self.apply_filter)
        self.sidebar.classRenamed.connect(self._picked_class_renamed)
        self.sidebar.addClassRequested.connect(self.labeling.prompt_add_class)
        self.sidebar.search.done.connect(self._search_done)
        self.sidebar.new_matches.applyRequested.connect(self.show_new_matches)
        self.labeling.undoneImages.connect(self._show_undone)
        self.labeling.redoneImages.connect(self._show_undone)
        self.grid.selectionChangedRows.connect(self._selection_changed)
        self.session.changed.connect(self.apply_changes)
        self.session.modelsChanged.connect(self._score_again)  # a terminal's embed, train
        self.rows.refreshed.connect(self._rows_refreshed)
        self.rows.failed.connect(self.error)
        self.labeling.classesChanged.connect(lambda _: self.refresh_counts())
        self.labeling.message.connect(self.message)
        self.labeling.error.connect(self.error)
        self.feed.updated.connect(self._insights_updated)
        self.feed.busyChanged.connect(lambda *_: self._update_expected_note())
        self.feed.busyChanged.connect(self._scoring_changed)
        self.feed.progressed.connect(self._scoring_progressed)  # its step, the time it runs
        self.feed.failed.connect(self.error)
        self.detail.neighbourClicked.connect(self.jump_to)
        self.grid.openRequested.connect(self._open_large)
        self.detail.moreLikeRequested.connect(self.more_like_selection)
        self.detail.findDifferentRequested.connect(self.find_different)
        self.feed.refresh()  # first: the image shown meanwhile says it is being scored
        self.reload()

    # -- data ----------------------------------------------------------------------
    @property
    def catalog(self) -> ImageCatalog:
        catalog = self.model.catalog
        assert catalog is not None
        return catalog

    def expect_scores(self, paths: Iterable[str]) -> None:
        """``paths`` were just added with their embeddings stored (the drift page's): until
        the model's scores reach them, their detail says they are being scored, not that
        they need Compute embeddings (an edited or new file without one still does)."""
        self._awaiting_scores.update(paths)

    def write(self, change: Callable[[], object], paths: list[str], done: str) -> bool:
        """Run one project write for ``paths`` made outside the grid (a duplicate-group
        action) the way a label key does: an expected failure is shown once, the rows
        follow (through :meth:`apply_changes`) and Undo takes it back."""
        if self._closed:
            return False
        try:
            change()
        except Exception as exc:  # refused, or locked, read-only, disk full: said
            self.error.emit(write_failure(exc))
            return False
        self.message.emit(done)
        return True

    def image_size(self, image_id: int) -> tuple[int, int]:
        """(width, height) of an image as indexed; (0, 0) when unknown."""
        position = int(self.catalog.positions_of([image_id])[0])
        if position < 0:
            return 0, 0
        return int(self.catalog.widths[position]), int(self.catalog.heights[position])

    # -- reactions -----------------------------------------------------------------
    def apply_changes(self, changes: Changes) -> None:
        """A write to the project, from anywhere (a key here, a review key, a class edit,
        an undo, a scan): re-read the rows it changed; the rest stays where it is.

        Many rows (a select-all key) are re-read in the background (:class:`RowRefresh`);
        :meth:`_rows_refreshed` follows once they are stored."""
        if self._closed or self.model.catalog is None:
            return
        if changes.all_images:  # a scan: re-read in the background, keeping the place
            self.detail.recheck()  # an image it removed is said gone now, not after that
            self.fill_in()
            self._score_again()  # (another process's labels too: they reach us as this)
            return
        if changes.renamed or changes.merged:
            self._follow_class_names(changes)
        if changes.classes_changed:
            self.labeling.sync_classes()
        if self.fill_job is not None and self.fill_job.running:  # it may have read before
            self._changed_in_fill.update(int(i) for i in changes.image_ids)
        if changes.image_ids:
            self.rows.refresh(changes.image_ids)
        else:
            self._rows_refreshed()

    def _follow_class_names(self, changes: Changes) -> None:
        """A class renamed or merged: the model's values call it by its new name before
        its images are re-read. A rename changes no label's meaning, so its flags and
        counts stay as they were and nothing is scored again for it (the status bar said
        214 likely mislabeled instead of 239 until a rescoring put the flags back)."""
        names = dict([*changes.renamed, *changes.merged])
        self.catalog.follow_class_names(changes.renamed, changes.merged)
        if self.feed.latest is not None:
            self.feed.latest = self.feed.latest.with_names(names)
        self._renamed_only = not changes.merged

    def _score_again(self) -> None:
        """The model's scores follow changed labels (and another process's new vectors or
        model): after a pause when shown (or when a page shown instead says the model's
        numbers, Statistics), else when the browser or such a page is shown again."""
        if self.isVisible() or self.scores_shown_elsewhere():
            self._insights_stale = False
            self.feed.labels_changed()
        else:
            self._insights_stale = True

    def score_if_stale(self) -> None:
        """Labels changed while nothing on screen showed the model's numbers: score them
        again now (the browser, or Statistics, is being shown)."""
        if self._insights_stale and not self._closed:
            self._insights_stale = False
            self.feed.labels_changed(earlier=True)  # (what was kept for them stays)

    def scores_keeper(self) -> CancelToken | None:
        """:meth:`InsightsFeed.keeper`, the scores due too when labels changed while the
        browser was hidden (it scores them when shown): for a page that is left for it."""
        return self.feed.keeper(due=self._insights_stale)

    def _rows_refreshed(self) -> None:
        """Shown: counts, detail panel and (after a pause) the model's scores follow at
        once. Hidden behind another page: only the status line now (~2 ms at 100k); the
        sidebar, the detail panel and the scores when the browser is shown again."""
        if self._closed or self.model.catalog is None:
            return
        renamed_only, self._renamed_only = self._renamed_only, False  # (nothing to score)
        if self.isVisible():
            self._counts_soon(now=len(self.catalog) <= 200_000)
            self._update_detail()
            if not renamed_only:
                self.feed.labels_changed()
            return
        self._totals = self.catalog.label_counts(None)
        self._emit_status()
        self._detail_stale = True
        if not renamed_only:
            self._score_again()  # now if Statistics is on screen, else when shown

    def _ratio_changed(self) -> None:
        """Moved to a screen of another scale: the tiles load again at its pixels (those
        loaded at the old side would be drawn stretched, or larger than needed)."""
        self.loader.invalidate()
        self.grid.viewport().update()
        self.detail.update()
        self.detail.follow_ratio()  # its neighbours' tiles come from the same loader

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.tile_side.follow()  # (first shown on a screen other than the first)
        if self._detail_stale and not self._closed and self.model.catalog is not None:
            self.refresh_counts()
            self._update_detail()  # clears _detail_stale
        self.score_if_stale()

    def _open_large(self, row: int) -> None:
        index = self.model.index(row, 0)
        tile = self.model.tile(row).pixmap
        self.detail.show_large(
            index.data(ImageRole.Path),
            index.data(ImageRole.Label),
            index.data(ImageRole.ImageId),
            tile.toImage() if tile is not None else QImage(),
        )

    def _selection_changed(self) -> None:
        if self._closed or self.model.catalog is None:  # closed, or the first reset
            return
        self._update_detail()
        self._emit_status()

    # -- the place in the browser, kept per project -----------------------------------
    def place(self) -> BrowserPlace:
        """The current image and what the sidebar shows (see :mod:`browser_place`)."""
        current = self.grid.currentIndex()
        rows = [current.row()] if current.isValid() else self.grid.selected_rows()[:1]
        ids = [int(i) for i in self.model.rows_to_ids(rows)]
        pending = self.restoring.pending()
        wanted = self.sidebar.current_filter()
        return BrowserPlace(
            pending if pending is not None else ids[0] if ids else None,
            replace(wanted, paths=None, ranking=None, selection="", selection_name=""),
        )

    def restore_place(self) -> None:
        """Back to where the person was when the project was last closed: the sidebar's
        choices, then the image (silently the first one shown when it is gone or
        filtered out)."""
        place = saved_place(self.project.path)
        if place is None:
            return
        if place.wanted != self.sidebar.current_filter():
            self.sidebar.show_filter(place.wanted)
        if place.image_id is not None:
            self.restoring.start(place.image_id, settled=self._settled())

    def _settled(self) -> bool:
        """Whether the browser is done moving the selection by itself: the whole list
        is read and the first scores have arrived (and the order they wait for made)."""
        reading = self.fill_job is not None and self.fill_job.running
        return not reading and self._insights_seen and self._sorting is None

    # -- lifetime ------------------------------------------------------------------
    def save_state(self) -> None:
        settings.save_bytes(SPLITTER_KEY, self.splitter.saveState())
        if self.model.catalog is not None:
            save_place(self.project.path, self.place())

    def restore_state(self) -> None:
        state = settings.load_bytes(SPLITTER_KEY)
        if state is not None:
            self.splitter.restoreState(state)
        self.restore_place()

    def shutdown(self) -> None:
        """Stop background work and go inert; call before the project is closed."""
        if self._closed:
            return
        self._closed = True
        self.labeling.closed = True  # a big write still running reaches no widget
        self._counts_soon.cancel()
        self.rows.close()
        self.setEnabled(False)  # no more key presses reach the labeling actions
        self.save_state()
        self.feed.shutdown()
        if self._own_session:
            self.session.detach()
        if self.search_job is not None:
            self.search_job.cancel()
        self.loader.shutdown()
        self.detail.shutdown()
