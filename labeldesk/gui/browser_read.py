"""Reading the images into the project browser, mixed into
:class:`~labeldesk.gui.project_view.ProjectView`: the first screen's images read at
once, the whole list re-read in the background (after a scan, or a big project's
rest), the follow-up job that joins the model's scores that came meanwhile, and the
catalog read swapped in with the selection, the scroll position and the edits made
meanwhile kept.

The view owns the widgets and the state; this keeps the reading in one place, apart
from the model's insights, counting and the browser's lifetime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.core.project import Project
from labeldesk.gui import sort_ahead
from labeldesk.gui.browser_place import ImageRestore
from labeldesk.gui.detail_panel import DetailPanel
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.insights_feed import InsightsFeed
from labeldesk.gui.labeling import LabelingController
from labeldesk.gui.row_refresh import RowRefresh
from labeldesk.gui.sidebar import FilterSidebar
from labeldesk.gui.thumbnail_grid import ThumbnailGrid
from labeldesk.gui.thumbnails import ThumbnailLoader
from labeldesk.gui.workers import Job, JobRunner

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from labeldesk.ml.insights import ImageInsights

# Images read before the first paint; a bigger project's others follow in the background.
FIRST_ROWS = 3_000  # ~30 screens of tiles; reading 20,000 took ~1 s of a 1M first paint
# a re-read's catalog, the ids of files found edited since the catalog it followed, and
# that catalog with each image's position in it
Read = tuple[ImageCatalog, np.ndarray, tuple[ImageCatalog, np.ndarray] | None]


class BrowserRead:
    """How the project view reads its images (see the module's note)."""

    if TYPE_CHECKING:  # the view's, as ProjectView sets and defines them
        project: Project
        runner: JobRunner
        loader: ThumbnailLoader
        model: ImageListModel
        grid: ThumbnailGrid
        sidebar: FilterSidebar
        detail: DetailPanel
        labeling: LabelingController
        rows: RowRefresh
        feed: InsightsFeed
        restoring: ImageRestore
        chosen_sort: sort_ahead.ChosenSort
        fill_job: Job | None
        error: SignalInstance
        _closed: bool
        _fill_again: bool  # asked while a re-read ran: it may have missed rows
        _changed_in_fill: set[int]  # edited while a re-read ran: re-read them
        _select_first: bool  # a selection shown before its images were read
        _insights_seen: bool

        def refresh_counts(self) -> None: ...
        def _count_selection(self) -> None: ...

    def reload(self) -> None:
        """Re-read every image from the project (after opening or a rescan).

        A big project shows its first ``FIRST_ROWS`` images at once and reads the rest in
        the background (:meth:`fill_in`): reading 1M rows takes seconds of CPU, and the
        window must paint its first screen well before that."""
        self.loader.invalidate()
        catalog = ImageCatalog.load(self.project, first=FIRST_ROWS)
        catalog.set_insights(self.feed.latest)  # kept until the feed recomputes
        self.model.set_catalog(catalog, self.sidebar.current_filter())
        self.labeling.refresh_classes()
        self.refresh_counts()
        self.grid.select_row(0)
        if len(catalog) >= FIRST_ROWS:  # there may be more: the whole list follows
            self.fill_in()

    def fill_in(self) -> Job | None:
        """Re-read the images in the background while a scan adds them; the selection and
        scroll position stay. A call while one re-read runs starts another once it ends
        (the running one may have read before the newest rows were committed)."""
        if self._closed:
            return None
        if self.fill_job is not None and self.fill_job.running:
            self._fill_again = True
            return None
        self._fill_again = False
        project, older, latest = self.project, self.model.catalog, self.feed.latest

        def load(*, progress: object, cancel: object) -> Read:
            catalog = ImageCatalog.load(project)
            if older is None:
                result: Read = (catalog, np.zeros(0, int), None)
            else:
                before = catalog.positions_in(older)  # (0.09 s at 1M: here too)
                result = (catalog, catalog.edited_since(older, before), (older, before))
            ready(result, latest)
            return result

        job = Job(load, "Loading images")
        job.finished.connect(self._filled_in)
        view = self
        assert isinstance(view, QObject)  # (the project view)
        # (tied to the view: a read ending after it was deleted calls nothing on it)
        job.connect_while(view, job.failed, lambda exc: self.error.emit(job.describe(exc)))
        job.connect_while(view, job.ended, lambda: self.fill_in() if self._fill_again else None)
        self.fill_job = self.runner.start(job)
        return job

    def _filled_in(self, result: Read, *, here: bool = False) -> None:
        if self._closed:
            return
        catalog, edited, read_from = result
        if not here and self._join_read(result):
            return  # (shown when its job has joined the scores that came meanwhile)
        self.loader.forget(edited)  # files a rescan found edited keep their ids
        self.loader.retry_failed()
        self.detail.previews.clear()  # keyed by path: any may show another picture now
        selected = self.model.rows_to_ids(self.grid.selected_rows())
        current = self.grid.currentIndex()
        current_id = self.model.rows_to_ids([current.row()] if current.isValid() else [])
        anchor = self.grid.anchor_row()
        anchor_id = self.model.rows_to_ids([anchor] if anchor >= 0 else [])
        older = self.model.catalog
        # a new project's first images: nothing shown before, and nothing usable yet
        first_fill = older is None or (self.model.rowCount() == 0 and older.usable_count() == 0)
        scroll = self.grid.verticalScrollBar().value()
        if catalog.insights is not self.feed.latest:  # new scores, or renamed, meanwhile
            catalog.set_insights(self.feed.latest)
        if older is not None:  # what it knew of those scores: a relabel keeps its flag off
            before = read_from[1] if read_from is not None and read_from[0] is older else None
            catalog.keep_judgement(older, before)
        if len(edited):  # the model judged their old pictures: computed again
            catalog.forget_insights(edited)
            self.feed.refresh(quiet=True)
        self.model.set_catalog(catalog)
        # the model's sorts, made before chosen
        view = self
        assert isinstance(view, QObject)  # (the project view)
        self.chosen_sort.made_by(sort_ahead.order_ahead(view, self.runner, catalog))
        self.labeling.sync_classes()  # a class edit made while it read stays too
        changed, self._changed_in_fill = sorted(self._changed_in_fill), set()
        self.rows.refresh(changed)  # edits made while it read stay
        self.labeling.refresh_classes()
        self._count_selection()  # images added just now (drift) were counted before read
        self.refresh_counts()
        # The selection stays as it was, all of it (and where a Shift-click extends
        # from): a key pressed next labels what the person chose. An image that left the
        # view (labeled elsewhere, under a filter) is not replaced by one they did not
        # choose, nor is an empty selection; only a view that had no images yet (a new
        # project filling in) selects its first.
        rows = self.model.rows_of_ids(selected)
        row = self.model.row_of_id(int(current_id[0])) if len(current_id) else -1
        start = self.model.row_of_id(int(anchor_id[0])) if len(anchor_id) else -1
        if (first_fill or self._select_first) and not len(selected) and self.model.rowCount():
            rows, row = np.array([0]), 0
        self._select_first = False
        current_row = row if row >= 0 else (int(rows[0]) if len(rows) else -1)
        self.grid.restore_selection(rows, current_row, start)
        self.grid.verticalScrollBar().setValue(scroll)
        self.restoring.resume(selected, settled=self._insights_seen)  # all is read now

    def _join_read(self, result: Read) -> bool:
        """Newer scores came (or were renamed) while the images were read: at a million
        images a follow-up job joins them onto the catalog read and makes its orders
        (joined here, they held the GUI thread ~0.4 s, and a sort by score shown was
        sorted here too); the catalog is shown when it ends (:meth:`_filled_in` again:
        newer ones may have come meanwhile). It counts as the re-read (edits made
        meanwhile are re-read into it); should it fail, they are joined here. Whether
        one was started."""
        catalog, latest = result[0], self.feed.latest
        if catalog.insights is latest or latest is None:
            return False
        if len(catalog) < sort_ahead.AHEAD_MIN_IMAGES:
            return False

        def join(*, progress: object, cancel: object) -> Read:
            ready(result, latest)  # (no other thread sees the catalog read yet)
            return result

        job = Job(join, "Taking the model's scores")
        view = self
        assert isinstance(view, QObject)  # (the project view)
        job.connect_while(view, job.finished, self._filled_in)
        job.connect_while(view, job.failed, lambda _: self._filled_in(result, here=True))
        job.connect_while(view, job.ended, lambda: self.fill_in() if self._fill_again else None)
        self.fill_job = self.runner.start(job)
        return True


def ready(read: Read, latest: ImageInsights | None) -> None:
    """Make the catalog ``read`` ready to show, in the job that read it (before any other
    thread sees it): the model's values ``latest`` joined (0.4 s at 1M), those of files
    found edited since the catalog it followed forgotten, and those that catalog had
    forgotten (edited at an earlier rescan, not scored since), then the model's orders
    made. Forgotten on the GUI thread, they dropped the orders, and a sort by score
    shown was made there (0.1-0.3 s at 1M). Its lookup by id is made here too: the
    first one, which builds it, was the GUI thread's (the selection found again)."""
    catalog, edited, read_from = read
    catalog.set_insights(latest)
    if len(edited):
        catalog.forget_insights(edited)
    if read_from is not None:
        catalog.forget_as_in(*read_from)
    sort_ahead.make_orders(catalog)  # (a sort by score shown: not sorted there)
    catalog.positions_of(catalog.ids[:1])  # (builds the lookup: no-op once built)
