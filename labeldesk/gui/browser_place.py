"""Where a person was in a project's browser: the current image and what the sidebar
showed (class, split, images, sort, search), kept per project in the settings
(:func:`labeldesk.gui.settings.save_project_place`) and restored when the project opens
again; reopening went back to the first image, in path order, every time.

A selection (map, confusion cell, "more like this") is not kept: it is a moment's
question. Values read back are checked; one that no longer fits (a class renamed, a
hand-edited file) is left out, and the browser falls back to its default for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labeldesk.browse.image_records import SHOW_CHOICES, SORT_CHOICES, ImageFilter
from labeldesk.core.vocab import SPLITS
from labeldesk.gui import settings
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.thumbnail_grid import ThumbnailGrid


@dataclass(frozen=True)
class BrowserPlace:
    image_id: int | None  # the current image; None: none was
    wanted: ImageFilter  # its label, unlabeled, split, show, sort and search only

    def values(self) -> dict[str, str]:
        wanted = self.wanted
        return {
            "image": "" if self.image_id is None else str(self.image_id),
            "class": wanted.label or "",
            "unlabeled": "true" if wanted.unlabeled else "false",
            "split": wanted.split or "",
            "show": wanted.show,
            "sort": wanted.sort,
            "search": wanted.search,
        }

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> BrowserPlace | None:
        """The place ``values`` describe (None when they are empty)."""
        if not values:
            return None
        image = values.get("image", "")
        split, show, sort = values.get("split"), values.get("show"), values.get("sort")
        wanted = ImageFilter(
            label=values.get("class") or None,
            unlabeled=values.get("unlabeled") == "true",
            split=split if split in SPLITS else None,
            show=show if show in SHOW_CHOICES else "all",
            sort=sort if sort in SORT_CHOICES else "path",
            search=values.get("search", ""),
        )
        return cls(int(image) if image.isdigit() else None, wanted)


def save_place(project: Path, place: BrowserPlace) -> None:
    settings.save_project_place(project, place.values())


def saved_place(project: Path) -> BrowserPlace | None:
    return BrowserPlace.from_values(settings.project_place(project))


class ImageRestore:
    """Brings a grid back to a kept image, and keeps at it while the browser may still
    move the selection by itself: a big project's rest is read in the background (its
    image may lie past the first rows), the first scores re-sort a kept sort by score
    (selecting the first image). A person who chose another image or filter meanwhile
    wins: each time, the selection must still be the one this left."""

    def __init__(self, grid: ThumbnailGrid, model: ImageListModel):
        self.grid = grid
        self.model = model
        self.image_id: int | None = None  # None: nothing (more) to restore
        self._left = np.empty(0, dtype=np.int64)  # the ids selected after the last try

    def _selected(self) -> np.ndarray:
        return self.model.rows_to_ids(self.grid.selected_rows())

    def start(self, image_id: int, *, settled: bool) -> None:
        """Select ``image_id`` if it is shown (else leave the first image selected);
        ``settled``: nothing more will move the selection by itself."""
        self.image_id, self._left = image_id, self._selected()
        self.resume(self._left, settled=settled)

    def resume(self, before: np.ndarray, *, settled: bool) -> None:
        """After the rows were read again or re-sorted: select the image again, unless
        ``before`` (the selection just before) is not what the last try left."""
        target = self.image_id
        if target is None:
            return
        if not np.array_equal(before, self._left):
            self.image_id = None  # the person went elsewhere
            return
        row = self.model.row_of_id(target)
        current = self.grid.currentIndex()
        if row >= 0 and not (current.isValid() and current.row() == row):
            self.grid.select_row(row)
            self.grid.reveal_current()
        self._left = self._selected()
        if settled:
            self.image_id = None

    def pending(self) -> int | None:
        """The image still to come back to, if the person has not chosen since (closed
        before a big project's rest was read: that image is kept, not the first)."""
        if self.image_id is None or not np.array_equal(self._selected(), self._left):
            return None
        return self.image_id
