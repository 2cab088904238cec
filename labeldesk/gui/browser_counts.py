"""What the project browser counts and says, mixed into
:class:`~labeldesk.gui.project_view.ProjectView`: the sidebar's class and Images counts
(within the chosen split), its note of the model's estimate of wrong labels, how many
images a selection holds, and the status line ("1,234 images · 1,000 labeled · …").

The view owns the widgets and the state; this keeps the counting and its words in one
place, apart from reading images, the model's insights and the browser's lifetime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.core.project import Project
from labeldesk.gui.empty_grid import empty_grid_text
from labeldesk.gui.estimate_words import expected_errors_in, unflagged_in
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.insights_feed import InsightsFeed
from labeldesk.gui.sidebar import FilterSidebar
from labeldesk.gui.thumbnail_grid import ThumbnailGrid

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtGui import QAction

RESCORING_STATUS = "likely mislabeled: scoring again…"


class BrowserCounts:
    """What the project view counts and says (see the module's note)."""

    if TYPE_CHECKING:  # the view's, as ProjectView sets and defines them
        project: Project
        model: ImageListModel
        grid: ThumbnailGrid
        sidebar: FilterSidebar
        feed: InsightsFeed
        new_matches_action: QAction
        statusChanged: SignalInstance
        status_text: str
        totals_text: str
        _closed: bool
        _embedded: bool
        _totals: dict[str | None, int]
        _selection: ImageFilter | None
        _selection_total: int

        @property
        def catalog(self) -> ImageCatalog: ...

    def _count_selection(self) -> None:
        """How many images the selection holds before the filters narrow it."""
        wanted = self._selection
        if wanted is not None:
            whole = ImageFilter(paths=wanted.paths, ranking=wanted.ranking)
            self._selection_total = len(self.catalog.filter(whole))

    def refresh_counts(self) -> None:
        """Sidebar counts (within the chosen split) and the status line."""
        catalog = self.catalog
        split = self.sidebar.current_filter().split
        self.sidebar.set_counts(catalog.classes, catalog.label_counts(split), catalog.colours)
        shown = catalog.show_counts(split)  # once: a few ms a key press at 1M images
        self.sidebar.set_show_counts(shown)
        self._update_expected_note(shown["flagged"])
        self.sidebar.set_selection_counts(self.model.rowCount(), self._selection_total)
        flagged_list = self.model.image_filter.show == "flagged"
        # (its room is kept by the sidebar once the model scores the labels)
        self.sidebar.new_matches.say(*(self.model.list_changes() if flagged_list else (0, 0)))
        self.new_matches_action.setEnabled(self.sidebar.new_matches.pending)
        self._totals = catalog.label_counts(None)
        self._emit_status()

    def _update_expected_note(self, flagged_in_split: int | None = None) -> None:
        """The sidebar's "about N wrong; M flagged" (the split's), or that it rescores
        (``flagged_in_split``: the Images list's count, when the caller has it)."""
        if self._closed or self.model.catalog is None:
            return
        catalog, split = self.catalog, self.sidebar.current_filter().split
        expected, flagged, where = expected_errors_in(catalog, split, flagged_in_split)
        scoring = self.feed.busy  # (a rescoring: its numbers are the last ones)
        if scoring and not self._embedded:  # embedded since it opened (a new project's
            from labeldesk.ml.store import current_key  # first embedding): scores come

            self._embedded = current_key(self.project) is not None
        first = self._embedded and catalog.expected_errors is None  # the first scores come
        # why fewer are flagged, counted (not said while scoring: the note rescores)
        unflagged = None if scoring else unflagged_in(catalog, split, expected, flagged)
        self.sidebar.set_expected_errors(
            expected, flagged, catalog.pixel_share, where, scoring, first=first, unflagged=unflagged
        )

    def _scoring_progressed(self) -> None:
        """The note's line of how far the scoring is, as the feed reports and each second
        (only the note's text: nothing is counted again)."""
        if not self._closed:
            self.sidebar.set_scoring_step(self.feed.step_text())

    def _scoring_changed(self) -> None:
        """The status bar's "likely mislabeled" follows the sidebar's while rescoring."""
        if not self._closed and self.model.catalog is not None:
            self._emit_status()

    def _emit_status(self) -> None:
        catalog = self.catalog
        unlabeled = self._totals.get(None, 0)
        usable = catalog.usable_count()
        parts = [
            f"{usable:,} images",
            f"{usable - unlabeled:,} labeled",
            f"{unlabeled:,} unlabeled",
        ]
        excluded = catalog.excluded_count()
        if excluded:
            parts.append(f"{excluded:,} excluded")
        flagged = int(catalog.flagged.sum())
        if self.feed.busy and (flagged or catalog.expected_errors is not None):
            # as the sidebar's "Likely mislabeled (…)": the count is the last scores' less
            # the labels changed since, not yet what the model says of them
            parts.append(RESCORING_STATUS)
        elif flagged:
            parts.append(f"{flagged:,} likely mislabeled")
        self.totals_text = " · ".join(parts)  # (the line while another page shows)
        parts.append(f"showing {self.model.rowCount():,}")
        self.grid.set_empty_text(empty_grid_text(self.model.image_filter, usable))
        selected = self.grid.selected_count()
        if selected:
            parts.append(f"{selected:,} selected")
        self.status_text = " · ".join(parts)
        self.statusChanged.emit(self.status_text)
