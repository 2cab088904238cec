"""The model's insights in the project browser, mixed into
:class:`~labeldesk.gui.project_view.ProjectView`: the detail panel's insight and
neighbours for the selected image, the scores folded in as the :class:`InsightsFeed`
delivers them, and the searches they make possible (More like this, Find different, a
neighbour clicked).

The view owns the widgets and the state; this keeps what the model's answers do to
them in one place, apart from reading images, counting and the browser's lifetime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter, Insight
from labeldesk.browse.insight_columns import InsightColumns
from labeldesk.core.gone_files import files_gone
from labeldesk.core.project import Project
from labeldesk.gui import sort_ahead
from labeldesk.gui.browser_place import ImageRestore
from labeldesk.gui.detail_neighbours import Neighbour
from labeldesk.gui.detail_panel import DetailPanel
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.insights_feed import InsightsFeed
from labeldesk.gui.more_like import (
    more_like_description,
    more_like_job,
    more_like_name,
    more_like_ranking,
)
from labeldesk.gui.sidebar import NEEDS_MODEL, FilterSidebar
from labeldesk.gui.sort_ahead import order_ahead
from labeldesk.gui.thumbnail_grid import ThumbnailGrid
from labeldesk.gui.workers import Job, JobRunner

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from labeldesk.ml.insights import ImageInsights

NEIGHBOURS_SHOWN = 8


class BrowserInsights:
    """What the project view does with the model's insights (see the module's note)."""

    if TYPE_CHECKING:  # the view's, as ProjectView sets and defines them
        project: Project
        runner: JobRunner
        model: ImageListModel
        grid: ThumbnailGrid
        sidebar: FilterSidebar
        detail: DetailPanel
        feed: InsightsFeed
        restoring: ImageRestore
        search_job: Job | None
        message: SignalInstance
        error: SignalInstance
        _closed: bool
        _detail_stale: bool
        _insights_seen: bool
        _sorting: Job | None  # the first scores' order being made (sort_ahead.sort_when_made)
        chosen_sort: sort_ahead.ChosenSort
        _awaiting_scores: set[str]
        embedding: bool  # Compute embeddings runs (see set_embedding)
        embedded_run: str  # its vectors are being scored: "whole", "stopped", "" (none)

        @property
        def catalog(self) -> ImageCatalog: ...
        def apply_filter(self, wanted: ImageFilter, *, now: bool = False) -> None: ...
        def refresh_counts(self) -> None: ...
        def _settled(self) -> bool: ...

    def set_embedding(self, running: bool) -> None:
        """Compute embeddings started or ended: the Model line of an image with no
        scores says it is being embedded, not to run what runs."""
        self.embedding = running
        if not self._closed:
            self._update_detail()

    def embedding_ended(self, *, stopped: bool) -> None:
        """A Compute embeddings run ended and its vectors are being scored (the feed
        refreshes): until the scores come, an image without any is being scored, not
        sent to Compute embeddings, which has just run (``stopped``: it stopped part-way,
        so an image may not have been embedded: the line says so)."""
        self.embedded_run = "stopped" if stopped else "whole"
        self.set_embedding(False)

    def _update_detail(self) -> None:
        self._detail_stale = False
        rows = self.grid.selected_rows()
        if not len(rows):
            self.detail.show_none()
        elif len(rows) == 1:
            position = self.model.position(int(rows[0]))
            info = self.catalog.info(position)
            self.detail.show_image(info)
            insight = self.catalog.insight(position)
            self.detail.show_insight(
                insight,
                info.label,
                self.catalog.opinion(position),
                bool(info.skip_reason),
                # the first scores since the project opened are on their way (embedded
                # long ago, it is not "not computed yet"), or those of an image just added;
                # computed, or being joined onto the images (at a million, in a job)
                scoring=(self.feed.busy or self.catalog.insights_pending)
                and (
                    not self._insights_seen
                    or info.path in self._awaiting_scores
                    or bool(self.embedded_run)
                ),
                embedding=self.embedding,
                stopped=self.embedded_run == "stopped",
            )
            self.detail.show_neighbours(self._neighbours(insight))
        else:
            self.detail.show_many(self.catalog.label_tally(self.model.positions(rows)))

    def _neighbours(self, insight: Insight | None) -> list[Neighbour]:
        if insight is None:
            return []
        catalog = self.catalog
        ids = insight.neighbour_ids[:NEIGHBOURS_SHOWN]
        out = []
        for image_id, position, sim in zip(
            ids, catalog.positions_of(ids), insight.neighbour_sims, strict=False
        ):
            if position >= 0:
                info = catalog.info(int(position))
                out.append(Neighbour(image_id, info.path, info.label, sim, info.width, info.height))
        # a stat each (a few tiles): a file gone since the last scan gets its badge
        gone = files_gone(self.project, [n.path for n in out])
        return [replace(n, file_missing=True) if g else n for n, g in zip(out, gone, strict=True)]

    def _insights_updated(self, insights: ImageInsights | None) -> None:
        """New scores from the feed: taken at once in a small project; at a million
        images the arrays are made by a job (0.4-0.5 s of the GUI thread at every
        rescoring when made here) and only swapped in when it ends."""
        if self._closed or self.model.catalog is None:
            return
        catalog = self.catalog
        if insights is None or len(catalog) < sort_ahead.AHEAD_MIN_IMAGES:
            self._take_insights(catalog, insights)
            return
        self._join(catalog, catalog.begin_insights(insights))

    def _join(
        self, catalog: ImageCatalog, make: Callable[[], InsightColumns], *, retry: bool = True
    ) -> None:
        """Run ``make`` (the catalog's work of joining new scores, begun last) in a job;
        ``retry``: should it fail, run it once more in another."""
        mark = catalog.pending_mark
        job = Job(lambda *, progress, cancel: make(), "Taking the model's scores")
        view = self
        assert isinstance(view, QObject)  # (the project view)
        # (tied to the view: a job ending after it was deleted calls nothing on it)
        job.connect_while(view, job.finished, lambda made: self._insights_made(catalog, made))
        job.connect_while(
            view, job.failed, lambda exc: self._join_failed(catalog, mark, exc, retry)
        )
        self.runner.start(job)

    def _insights_made(self, catalog: ImageCatalog, made: InsightColumns) -> None:
        """The job's arrays: swapped in, unless the catalog was replaced (a new one took
        the feed's latest scores when made) or newer scores are on their way. When the
        classes changed meanwhile (a rename, a class added) the scores are joined again,
        the edits made since kept (relabeled images stay unflagged); when other values
        were taken meanwhile, the feed's latest scores are taken here, as before."""
        if self._closed or self.model.catalog is not catalog:
            return
        before = self.model.rows_to_ids(self.grid.selected_rows())
        first = catalog.insights is None
        if catalog.take_insights(made):
            self._insights_taken(catalog, made.insights, before, first)
            return
        again = catalog.begin_again(made)
        if again is not None:
            self._join(catalog, again)
        elif not catalog.insights_pending:  # (else a later job's come)
            self._take_insights(catalog, self.feed.latest)

    def _join_failed(
        self, catalog: ImageCatalog, mark: object, exc: BaseException, retry: bool
    ) -> None:
        """The job joining the scores failed: they are joined by another job, the edits
        made meanwhile kept (the feed's latest scores taken on the spot gave an image
        relabeled meanwhile its flag back; the join made here after them held the window
        seconds at a million images), and swapped in as a job's are, the selection kept.
        Nothing when later scores are on their way or were taken since, or the catalog
        was replaced. Should that job fail too, the error is said and the scores shown
        stay as they were (none awaited: the detail panel no longer says they are on
        their way)."""
        if self._closed or self.model.catalog is not catalog:
            return
        again = catalog.retry_join(mark) if retry else None
        if again is not None:
            self._join(catalog, again, retry=False)
        elif catalog.give_up_join(mark):
            said = str(exc) or ("not enough memory" if isinstance(exc, MemoryError) else "")
            self.error.emit(f"Taking the model's scores failed: {said or type(exc).__name__}")
            self._update_detail()

    def _take_insights(self, catalog: ImageCatalog, insights: ImageInsights | None) -> None:
        before = self.model.rows_to_ids(self.grid.selected_rows())
        first = catalog.insights is None
        catalog.set_insights(insights)
        self._insights_taken(catalog, insights, before, first)

    def _insights_taken(
        self, catalog: ImageCatalog, insights: ImageInsights | None, before: np.ndarray, first: bool
    ) -> None:
        """What the view does once ``catalog`` has new values (``before``: the ids
        selected before; ``first``: whether it had none before)."""
        if not self.feed.busy:  # scored now (a run started before they came is followed
            self._awaiting_scores.clear()  # by another, which scores them)
            self.embedded_run = ""
        self.sidebar.set_model_available(insights is not None)
        self.detail.set_model_available(insights is not None)
        wanted = self.model.image_filter
        view = self
        assert isinstance(view, QObject)  # (the project view)
        sorting: Job | None = None  # a job started here to make the order first
        if insights is None and (wanted.sort in NEEDS_MODEL or wanted.show in NEEDS_MODEL):
            # a choice kept from an earlier session, which had scores: back to the default
            show = "all" if wanted.show in NEEDS_MODEL else wanted.show
            self.sidebar.show_filter(replace(wanted, sort="path", show=show))
        elif first and (wanted.sort != "path" or wanted.show == "flagged"):
            # the order or selection waited for these scores; at a million images its
            # order is made by a job first (sorted here it held the window 0.1-0.3 s),
            # the rows shown as they are until then
            sorting = sort_ahead.sort_when_made(
                view, self.runner, catalog, wanted.sort, lambda: self._sorted(catalog, wanted)
            )
            self._sorting = sorting
            self.chosen_sort.made_by(sorting)  # (a sort chosen meanwhile waits for it too)
            if sorting is None:
                self.apply_filter(wanted)
            else:
                self._show_scores()
        else:  # keep rows where they are under the person's eyes
            self._show_scores()
        self._insights_seen = True
        self.restoring.resume(before, settled=self._settled())
        if sorting is None:  # (else that job makes them)
            # the model's sorts, made before chosen
            self.chosen_sort.made_by(order_ahead(view, self.runner, catalog))

    def _show_scores(self) -> None:
        """The rows as they are with new values: the badges, counts and detail."""
        self.grid.viewport().update()  # tiles read the catalog as they paint
        self.refresh_counts()
        self._update_detail()

    def _sorted(self, catalog: ImageCatalog, wanted: ImageFilter) -> None:
        """The order the first scores' filter waited for was made (or its job ended):
        the grid shows it, unless the person chose another filter meanwhile (a sort chosen
        meanwhile is shown by :class:`~labeldesk.gui.sort_ahead.ChosenSort`)."""
        self._sorting = None
        if self._closed or self.model.catalog is not catalog or self.model.image_filter != wanted:
            return
        if self.chosen_sort.waiting is not None:
            return
        before = self.model.rows_to_ids(self.grid.selected_rows())
        self.apply_filter(wanted)  # (sorted here only if newer values came meanwhile)
        self.restoring.resume(before, settled=self._settled())

    def jump_to(self, image_id: int) -> None:
        """Select ``image_id`` in the grid, widening the filter to every image if needed."""
        row = self.model.row_of_id(image_id)
        if row < 0:
            self.sidebar.reset()
            if self.chosen_sort.waiting is not None:  # (its order being made: sorted here)
                self.apply_filter(self.chosen_sort.waiting, now=True)
            row = self.model.row_of_id(image_id)
        if row >= 0:
            self.grid.select_row(row)
            self.grid.setFocus()

    def more_like_selection(self) -> Job | None:
        """Show the selected images first, still selected, then those most like them."""
        rows = self.grid.selected_rows()
        ids = [int(i) for i in self.model.rows_to_ids(rows)]
        if not ids:  # the button did nothing visible (no image selected, an empty grid)
            self.message.emit(
                "Select one or more images first: More like this finds images like them"
            )
            return None
        if self.search_job is not None and self.search_job.running:
            return None
        self.grid.setFocus()  # pressed from the keyboard: the keys go on in the results
        current = self.grid.currentIndex()  # (stays current: the detail panel stays)
        keep = int(self.model.rows_to_ids([current.row()])[0]) if current.isValid() else ids[0]
        # the example the header of a review of the results names: the one in the panel
        name = more_like_name(len(ids), self.model.path(current.row() if keep in ids else rows[0]))
        job = more_like_job(self.project, ids)
        # (tied to the view: a search ending after it was deleted calls nothing on it)
        view = self
        assert isinstance(view, QObject)  # (the project view)
        job.connect_while(
            view, job.finished, lambda found: self._show_ranking(ids, found, keep, name)
        )
        job.connect_while(view, job.failed, lambda exc: self.error.emit(job.describe(exc)))
        self.search_job = self.runner.start(job)
        return job

    def _show_ranking(
        self, ids: list[int], found: list[tuple[int, float]], keep: int, name: str
    ) -> None:
        if self._closed:
            return
        ranking = more_like_ranking(ids, found)
        words = more_like_description(len(ids), len(ranking) - len(ids))
        self.sidebar.set_selection(words, ranking=ranking, name=name)
        rows = self.model.rows_of_ids(np.asarray(ids, dtype=np.int64))
        self.grid.restore_selection(rows, self.model.row_of_id(keep if keep in ids else ids[0]))
        self.grid.scrollTo(self.model.index(0, 0))

    def find_different(self) -> None:
        """Sort the current filter's images by outlier score, most unusual first."""
        self.sidebar.sort_by("outlier")  # (More like this's order gives way)
        self.grid.setFocus()  # pressed from the keyboard: the keys go on in the results
        self.message.emit("Sorted by outlier score: the most unusual images come first")
