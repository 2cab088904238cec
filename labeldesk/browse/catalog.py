"""The images of an open project as NumPy arrays, filtered with array operations.

Qt-free on purpose: the grid model holds only the positions this returns, so filtering
and counting 100k images never loops in Python, and the logic is testable without Qt.
Built from the per-image frame (:func:`labeldesk.core.image_frame.image_frame`) and the
model's values joined onto it by id (:func:`labeldesk.ml.image_values.insight_values`).
Its filters and counts are in :mod:`~labeldesk.browse.catalog_queries`, the model's
values' swap in :mod:`~labeldesk.browse.insight_swap`, the model's sort orders in
:mod:`~labeldesk.browse.catalog_orders`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labeldesk.browse.catalog_orders import ModelOrders
from labeldesk.browse.catalog_queries import CatalogQueries
from labeldesk.browse.image_records import ImageInfo, Insight
from labeldesk.browse.insight_swap import InsightSwap
from labeldesk.browse.object_arrays import SLICE_ROWS, objects
from labeldesk.browse.state_columns import StateColumns, value_codes
from labeldesk.core.display import model_opinion
from labeldesk.core.image_frame import image_frame
from labeldesk.core.vocab import SPLITS, STATUSES, VERIFIED, class_codes

__all__ = ["ImageCatalog", "StateColumns"]  # (StateColumns: moved, kept here)

if TYPE_CHECKING:
    from labeldesk.core.project import Project


class ImageCatalog(CatalogQueries, InsightSwap, ModelOrders):
    """The images of one project in path order, skipped files included (the grid shows
    them only when asked to), with the model's insights once they are computed."""

    def __init__(
        self,
        frame: pd.DataFrame,
        classes: Sequence[str],
        colours: Mapping[str, int] | None = None,
    ):
        self.classes: list[str] = list(classes)
        # Class name -> its colour's palette slot, kept through merges and removals
        # (core.class_colours); a class missing here is coloured by its place.
        self.colours: dict[str, int] = dict(colours or {})
        self.ids = frame.index.to_numpy(dtype=np.int64)
        self.paths = objects(frame["path"], none=False)
        self.hashes = objects(frame["hash"])
        self.labels = objects(frame["label"])
        # The frame's categorical already holds the codes (-2: a label outside the classes).
        self.label_codes = class_codes(frame["label"], self.classes, unknown=-2)
        self.splits = objects(frame["split"])
        self.statuses = objects(frame["status"])
        # The same as small integers (the Categoricals' codes, -1 for none): comparing a
        # million objects after every key press cost ~100 ms; comparing codes costs ~1 ms.
        self.split_codes = value_codes(frame["split"], SPLITS)
        self.status_codes = value_codes(frame["status"], STATUSES)
        self.widths = frame["width"].fillna(0).to_numpy(dtype=np.int64)
        self.heights = frame["height"].fillna(0).to_numpy(dtype=np.int64)
        self.sizes = frame["size"].fillna(0).to_numpy(dtype=np.int64)
        self.formats = objects(frame["format"])
        self.skip_reasons = (
            objects(frame["skip_reason"])
            if "skip_reason" in frame
            else np.full(len(frame), None, dtype=object)
        )
        self.usable = pd.isna(self.skip_reasons).astype(bool)
        # Bumped by every change to the values a filter reads (labels, splits, statuses,
        # classes, the model's values): a count kept with it is current while it stays.
        self.generation = 0
        # The generation in which a person's edit (label, split, status) last reached
        # each image, 0 if none: what left a list by an edit, not by a rescoring.
        self.edited_at = np.zeros(len(self.ids), dtype=np.int64)
        self._no_insights()  # (the model's values: InsightSwap)
        self._lower_paths = frame["path"].str.lower().reset_index(drop=True)
        # the last search text and the paths holding it: a path search reads every path
        # (about 0.1 s at a million), and the browser filters again at each key press
        self._searched: tuple[str, np.ndarray] | None = None
        self.searched_rows = 0  # paths the last new search read
        self._index = pd.Index(self.ids)
        self._path_positions: dict[str, int] | None = None

    @classmethod
    def load(cls, project: Project, first: int | None = None) -> ImageCatalog:
        """Every image of ``project`` (or its ``first`` ones in path order)."""
        frame = image_frame(
            project,
            include_skipped=True,
            first=first,
            slice_rows=SLICE_ROWS if first is None else None,
        )
        return cls(frame, frame.attrs["classes"], frame.attrs.get("class_colours"))

    def __len__(self) -> int:
        return len(self.ids)

    def usable_count(self) -> int:
        return int(self.usable.sum())

    # -- the model's values (set, joined and swapped in: insight_swap) ----------
    def guess_codes(self) -> np.ndarray:
        """The class index of each image's :attr:`guess` (-1: none, or not a class now),
        kept until the guesses or the classes change: Statistics asks five times per
        redraw (~0.15 s each at 1M images, on the GUI thread). Read-only."""
        classes, cached = tuple(self.classes), self._guess_codes
        if cached is None or cached[0] is not self.guess or cached[1] != classes:
            codes = class_codes(self.guess, classes)
            codes.flags.writeable = False
            self._guess_codes = cached = (self.guess, classes, codes)
        return cached[2]

    def insight(self, position: int) -> Insight | None:
        """The model's view of one image, None when it has not been computed."""
        row = int(self._insight_row[position])
        if row < 0 or self.insights is None:
            return None
        ids = self.insights.neighbour_ids[row]
        keep = ids >= 0
        fit = float(self.issue_scores[position])
        if self._judged is not None and self.labels[position] != self._judged[1][position]:
            fit = float("nan")  # it scored another label: not said until scored again
        return Insight(
            predicted=self.predicted[position],
            confidence=float(self.confidence[position]),
            issue_score=fit,
            flagged=bool(self.flagged[position]),
            suggested=self.suggested[position],
            outlier_score=float(self.outlier_scores[position]),
            neighbour_ids=tuple(int(i) for i in ids[keep]),
            neighbour_sims=tuple(float(x) for x in self.insights.neighbour_sims[row][keep]),
            guess=self.guess[position],
            guess_confidence=float(self.guess_confidence[position]),
        )

    def opinion(self, position: int) -> str:
        """The one "Model: …" line for an image (see :func:`model_opinion`); "" before
        the insights are computed. Insights that name a class the project no longer has
        (a rename, a merge or an undo of one, while they are computed again), or that
        lack the image's class, are not shown as an opinion on today's label."""
        if self._insight_row[position] < 0:
            return ""
        guess = self.guess[position]
        if isinstance(guess, str) and guess not in self.classes:
            return f"Model: updating (the classes changed since it named {guess!r})"
        label, scored = self.labels[position], self.insights.classes if self.insights else None
        if isinstance(label, str) and scored is not None and label not in scored:
            # a class back (a merge or removal undone) or new since: a guess of the model
            # that had no such class ("almost surely ant — label bee is doubtful" after
            # a merge of bee into ant was undone) says nothing of the label
            return f"Model: updating (it has not learned the class {label!r} yet)"
        return model_opinion(
            self.guess[position],
            float(self.guess_confidence[position]),
            self.labels[position],
            flagged=bool(self.flagged[position]),
            verified=self.statuses[position] == VERIFIED,
        )

    # -- positions and one image's facts -------------------------------------------
    def class_index(self, position: int) -> int:
        """Index of the image's class in :attr:`classes`, -1 when unlabeled or unknown."""
        return max(int(self.label_codes[position]), -1)

    def colour_slot(self, position: int) -> int:
        """The palette slot of the image's class's colour, -1 when unlabeled or unknown."""
        code = int(self.label_codes[position])
        return -1 if code < 0 else self.colours.get(self.classes[code], code)

    def path_positions(self) -> dict[str, int]:
        """Position of each path (built on first use: ~20 ms at 100k, then free)."""
        if self._path_positions is None:
            self._path_positions = {str(p): i for i, p in enumerate(self.paths)}
        return self._path_positions

    def positions_of_paths(self, paths: Iterable[str]) -> np.ndarray:
        """Positions of ``paths`` that are in the catalog, ascending."""
        index = self.path_positions()
        found = [index[p] for p in paths if p in index]
        return np.array(sorted(found), dtype=np.int64)

    def positions_of(self, image_ids: Iterable[int]) -> np.ndarray:
        """Positions of ``image_ids`` (-1 for ids not in the catalog)."""
        if isinstance(image_ids, np.ndarray):  # (np.fromiter reads an array an element at
            wanted = image_ids.astype(np.int64, copy=False)  # a time: 0.4 s at 1M points)
        else:
            wanted = np.fromiter(image_ids, dtype=np.int64)
        return self._index.get_indexer(wanted)

    def info(self, position: int) -> ImageInfo:
        return ImageInfo(
            image_id=int(self.ids[position]),
            path=str(self.paths[position]),
            label=self.labels[position],
            split=self.splits[position],
            status=self.statuses[position],
            width=int(self.widths[position]),
            height=int(self.heights[position]),
            size=int(self.sizes[position]),
            format=str(self.formats[position] or "?"),
            skip_reason=self.skip_reasons[position],
        )

    # -- updates -----------------------------------------------------------------
    def apply_columns(self, states: StateColumns) -> np.ndarray:
        """Store re-read label/split/status values; return the positions that changed.
        The values come already in arrays (a background re-read builds them off the GUI
        thread). Array operations throughout: a select-all label key re-reads 100k images,
        and a loop over them cost ~1 s of the GUI thread."""
        positions = self._index.get_indexer(states.ids)
        found = positions >= 0
        positions = positions[found].astype(np.int64)
        labels, splits, statuses = (
            states.labels[found],
            states.splits[found],
            states.statuses[found],
        )
        self.generation += 1
        looked_at = (labels != self.labels[positions]) | (statuses != self.statuses[positions])
        self.edited_at[positions[looked_at | (splits != self.splits[positions])]] = self.generation
        if self._judged is None:
            self.flagged[positions[looked_at]] = False  # a person has looked at it
        else:
            flags, judged_labels, judged_statuses = self._judged
            as_judged = (labels == judged_labels[positions]) & (
                statuses == judged_statuses[positions]
            )
            self.flagged[positions] = flags[positions] & as_judged
        self._note_edit(positions)  # values begun before judged them as they were
        self.labels[positions] = labels
        self.splits[positions] = splits
        self.statuses[positions] = statuses
        codes = states.codes
        if codes is None:  # read on the GUI thread (a few rows): coded here
            self.split_codes[positions] = value_codes(pd.Series(splits, dtype=object), SPLITS)
            self.status_codes[positions] = value_codes(pd.Series(statuses, dtype=object), STATUSES)
        else:
            self.split_codes[positions] = codes.splits[found]
            self.status_codes[positions] = codes.statuses[found]
        if codes is not None and list(codes.classes) == self.classes:
            self.label_codes[positions] = codes.labels[found]
        else:  # no codes, or the classes changed since the read
            self._recode(positions)
        return positions

    def positions_in(self, older: ImageCatalog) -> np.ndarray:
        """Each image's position in ``older`` (-1: not there): a lookup by id, ~0.09 s
        at a million images (the re-read's job makes it, for :meth:`keep_judgement`)."""
        return older._index.get_indexer(self.ids)

    def edited_since(self, older: ImageCatalog, before: np.ndarray | None = None) -> np.ndarray:
        """Ids of images in both catalogs whose content (hash) differs: files a rescan
        found edited in place keep their id, so caches keyed by id must drop them
        (``before``: :meth:`positions_in` ``older``, when made already)."""
        before = self.positions_in(older) if before is None else before
        kept = np.flatnonzero(before >= 0)
        edited = np.zeros(len(kept), dtype=bool)
        for start in range(0, len(kept), SLICE_ROWS):  # (a million strings: 0.16 s held)
            part = kept[start : start + SLICE_ROWS]
            edited[start : start + len(part)] = older.hashes[before[part]] != self.hashes[part]
        return self.ids[kept[edited]]

    def set_classes(self, classes: Sequence[str], colours: Mapping[str, int] | None = None) -> None:
        self.generation += 1
        self._classes_changed()  # values being joined named the classes as before
        self.classes = list(classes)
        if colours is not None:
            self.colours = dict(colours)
        self._recode()

    def _recode(self, positions: np.ndarray | None = None) -> None:
        """Class codes of ``labels`` (all, or at ``positions``): the class's index, -1
        unlabeled, -2 a label outside the class list."""
        if positions is None:
            self.label_codes = class_codes(self.labels, self.classes, unknown=-2)
        else:
            self.label_codes[positions] = class_codes(
                self.labels[positions], self.classes, unknown=-2
            )
