"""What the project browser's grid shows and selects, mixed into
:class:`~labeldesk.gui.project_view.ProjectView`: the sidebar's filter applied (at a
million images once the order it sorts by is made, :class:`~labeldesk.gui.sort_ahead.
ChosenSort`), a class renamed while its filter waits, a set of paths shown in place of
the filters, the "Likely mislabeled" list as it is now, and the images an undo or redo
changed selected.

The view owns the widgets and the state; this keeps what the filters and selections do
to the grid in one place, apart from reading images, the model's insights, counting and
the browser's lifetime.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui import sort_ahead
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.sidebar import FilterSidebar
from labeldesk.gui.thumbnail_grid import ThumbnailGrid


class BrowserFilter:
    """What the project view's grid shows and selects (see the module's note)."""

    if TYPE_CHECKING:  # the view's, as ProjectView sets and defines them
        model: ImageListModel
        grid: ThumbnailGrid
        sidebar: FilterSidebar
        chosen_sort: sort_ahead.ChosenSort
        _closed: bool
        _selection: ImageFilter | None  # the sidebar's selection, to count it again
        _selection_total: int  # images in that selection (map, cell, …)
        _select_first: bool  # a selection shown before its images were read

        @property
        def catalog(self) -> ImageCatalog: ...
        def refresh_counts(self) -> None: ...
        def _count_selection(self) -> None: ...

    def _show_undone(self, image_ids: list[int], all_of_them: bool = False) -> None:
        """Select the images shown that an undo changed back (or a redo changed again),
        the first one current: the change is looked at where it was made, not searched
        for (the filter stays). ``all_of_them``: a label key's images come back selected,
        as they were when it was pressed (a second key acts on them again); a class
        change's undo selects only its first image (it chose no selection)."""
        # One lookup for all of them: a lookup per id took 10 s of the GUI thread after
        # the undo of a select-all label key at 200k images.
        rows = self.model.rows_of_ids(np.asarray(image_ids, dtype=np.int64))
        if not len(rows):
            return
        first = int(rows[0])  # ascending: the first shown
        self.grid.select_row(first)
        if all_of_them and len(rows) > 1:
            self.grid.restore_selection(np.sort(np.asarray(rows, dtype=np.int64)), first)

    def _search_done(self) -> None:
        """The keyboard leaves the search for the grid, its first image selected when
        none of those shown is."""
        if self.model.rowCount() and not len(self.grid.selected_rows()):
            self.grid.select_row(0)
        self.grid.setFocus()

    def apply_filter(
        self, wanted: ImageFilter, *, now: bool = False, keep_current: bool = False
    ) -> None:
        """Show ``wanted``: at a million images, when its order by a model value is being
        made, once the job made it (:class:`~labeldesk.gui.sort_ahead.ChosenSort`);
        ``now``: at once all the same (sorted here), for a caller that reads its rows.
        Its first image is selected; ``keep_current``: the image current when it is shown
        (then, or when the order is made), if it shows it."""
        shown = self.model.image_filter
        if now:
            self.chosen_sort.waiting = None
        elif self.model.catalog is not None and self.chosen_sort.wait(
            self.catalog, shown, wanted, keep_current
        ):
            return  # (the grid keeps its rows until the job made the order chosen)
        current = self.grid.currentIndex()
        keep = keep_current and current.isValid()
        on = self.model.rows_to_ids([current.row()] if keep else [])
        self.model.set_filter(wanted)
        self._selection = wanted if wanted.selection else None
        self._count_selection()
        self.refresh_counts()
        row = self.model.row_of_id(int(on[0])) if len(on) else -1
        self.grid.select_row(max(row, 0))
        # shown before its images were read (just added): the first is chosen once they
        # are (not a selection whose images the filters hide: nothing is chosen for them)
        self._select_first = bool(wanted.selection) and self._selection_total == 0

    def _picked_class_renamed(self, name: str) -> None:
        """The class picked in the sidebar is called ``name`` now: so is the filter
        waiting for its order (shown later under the old name, it showed no image), and
        the grid's when it picks that class."""
        waiting = self.chosen_sort.waiting
        if waiting is None or waiting.label is None:
            self.model.rename_filter_class(name)
            return
        if self.model.image_filter.label == waiting.label:
            self.model.rename_filter_class(name)
        self.chosen_sort.waiting = replace(waiting, label=name)

    def chosen_filter(self) -> ImageFilter:
        """What the sidebar chose: the grid's filter, or one waiting for its order."""
        return self.chosen_sort.waiting or self.model.image_filter

    def show_paths(
        self, paths: Iterable[str], description: str = "selected", *, select_all: bool = False
    ) -> None:
        """Show exactly ``paths``, in place of the sidebar's filters; the sidebar says so
        ("Showing 55 images selected on the map ✕") until its ✕ drops the selection.
        ``select_all``: they arrive selected, all of them (a cluster chosen on the map is
        labeled with one key, as after Ctrl+A), the first one current and in view;
        otherwise only the first is selected."""
        self.sidebar.set_selection(description, paths=frozenset(paths))
        count = self.model.rowCount()
        if select_all and count > 1:
            current = self.grid.currentIndex()
            row = current.row() if current.isValid() else 0
            self.grid.restore_selection(np.arange(count, dtype=np.int64), row)
            self.grid.scrollTo(self.model.index(row, 0))

    def show_new_matches(self) -> None:
        """The "Likely mislabeled" list as the scores have it now (the grid kept the one
        it had while they changed); the current image stays current if still flagged,
        also when the list waits for its order (it was shown on its first image then)."""
        if self._closed or not self.sidebar.new_matches.pending:
            return
        # counts again: the line hides (a sort chosen meanwhile still waits for its order)
        wanted = self.chosen_sort.waiting or self.model.image_filter
        self.apply_filter(wanted, keep_current=True)
        self.grid.setFocus()
