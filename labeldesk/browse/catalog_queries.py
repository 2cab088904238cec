"""The catalog's queries: which images a filter selects (:meth:`CatalogQueries.filter`,
:meth:`CatalogQueries.matches`) and how many of each kind there are (the class counts,
the show choices', the model's expected errors), all array operations over the
catalog's columns. Mixed into :class:`~labeldesk.browse.catalog.ImageCatalog`; Qt-free."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labeldesk.browse.image_records import SHOW_CHOICES, ImageFilter
from labeldesk.core.vocab import EXCLUDED, SPLITS, STATUSES, VERIFIED

# a search typed on reads only the paths that held its start when they are at most this
# share of all (taking the few out of a million costs more than it saves past that)
NARROW_SHARE = 4


class CatalogQueries:
    """Filters and counts of an :class:`~labeldesk.browse.catalog.ImageCatalog`."""

    if TYPE_CHECKING:  # the catalog's, as ImageCatalog sets and defines them
        ids: np.ndarray
        classes: list[str]
        labels: np.ndarray
        label_codes: np.ndarray
        splits: np.ndarray
        split_codes: np.ndarray
        statuses: np.ndarray
        status_codes: np.ndarray
        usable: np.ndarray
        flagged: np.ndarray
        expected_errors: int | None
        expected_wrong: np.ndarray | None
        _lower_paths: pd.Series
        _searched: tuple[str, np.ndarray] | None
        searched_rows: int

        def positions_of(self, image_ids: Iterable[int]) -> np.ndarray: ...
        def positions_of_paths(self, paths: Iterable[str]) -> np.ndarray: ...
        def _sorted(self, mask: np.ndarray, sort: str) -> np.ndarray: ...

    def filter(self, wanted: ImageFilter) -> np.ndarray:
        """Positions (into these arrays) of the images ``wanted`` selects, in its order."""
        mask = self._mask(wanted)
        if wanted.ranking is not None:
            ranked = self.positions_of(wanted.ranking)
            ranked = ranked[ranked >= 0]
            return ranked[mask[ranked]]
        return self._sorted(mask, wanted.sort)

    def matches(self, wanted: ImageFilter) -> np.ndarray:
        """Which images ``wanted`` selects, as a mask over these arrays: :meth:`filter`
        without its order (no sort), for counting and comparing lists."""
        mask = self._mask(wanted)
        if wanted.ranking is not None:
            ranked = np.zeros(len(self.ids), dtype=bool)
            found = self.positions_of(wanted.ranking)
            ranked[found[found >= 0]] = True
            mask &= ranked
        return mask

    def _mask(self, wanted: ImageFilter) -> np.ndarray:
        """What ``wanted`` selects but its ranking (a fresh mask: callers narrow it)."""
        if wanted.show == "skipped":  # unreadable files have no label or split to filter
            mask = ~self.usable
        else:
            mask = self._split_mask(wanted.split) & self.usable & self._show_mask(wanted.show)
        if wanted.unlabeled:
            mask &= self.label_codes == -1
        elif wanted.label in self.classes:  # by class code: comparing a million
            mask &= self.label_codes == self.classes.index(wanted.label)  # names: ~10 ms
        elif wanted.label is not None:
            mask &= self.labels == wanted.label
        if wanted.paths is not None:  # a dict lookup per chosen path: np.isin on object
            chosen = np.zeros(len(self.ids), dtype=bool)  # arrays took 0.2 s for 55 of 100k
            chosen[self.positions_of_paths(wanted.paths)] = True
            mask &= chosen
        if wanted.search.strip():
            mask &= self._paths_holding(wanted.search.strip().lower())
        return mask

    def _paths_holding(self, needle: str) -> np.ndarray:
        """Which paths hold ``needle`` (lower case); the paths never change, so the last
        search's answer is kept. A search typed on (the last one's text inside this one)
        looks only at the paths that held the last text, when they are few: each key
        typed then reads fewer paths (``searched_rows``: how many the last one read)."""
        last = self._searched
        if last is not None and last[0] == needle:
            return last[1]
        if last is not None and last[0] and last[0] in needle:
            within = np.flatnonzero(last[1])
            if len(within) * NARROW_SHARE <= len(self.ids):
                found = np.zeros(len(self.ids), dtype=bool)
                held = self._lower_paths.iloc[within].str.contains(needle, regex=False)
                found[within[held.to_numpy(dtype=bool)]] = True
                self._searched, self.searched_rows = (needle, found), len(within)
                return found
        found = self._lower_paths.str.contains(needle, regex=False).to_numpy(dtype=bool)
        self._searched, self.searched_rows = (needle, found), len(self.ids)
        return found

    def _show_mask(self, show: str) -> np.ndarray:
        if show == "all":
            return np.ones(len(self.ids), dtype=bool)
        if show in ("labeled", "unlabeled"):
            labeled = self.label_codes != -1
            return labeled if show == "labeled" else ~labeled
        if show == "flagged":
            return self.flagged.copy()
        if show in (VERIFIED, EXCLUDED):  # these show choices are the statuses
            return self._status_mask(show)
        raise ValueError(f"unknown show choice {show!r}; use one of {SHOW_CHOICES}")

    def label_counts(self, split: str | None = None) -> dict[str | None, int]:
        """Images per class within ``split``: keys are class names, None for unlabeled.

        Counted from integer class codes (one bincount), so it is cheap enough to run
        after every key press on 100k images."""
        return self.label_tally(self._split_mask(split) & self.usable)

    def label_tally(self, where: np.ndarray) -> dict[str | None, int]:
        """Images per label at ``where`` (positions or a mask), keyed as
        :meth:`label_counts`: from the codes, not the names (a select-all of a million
        rows counted by name held the GUI thread 0.4 s after each big write)."""
        codes = self.label_codes[where]
        counts = np.bincount(codes + 2, minlength=len(self.classes) + 2)
        result: dict[str | None, int] = {
            name: int(n) for name, n in zip(self.classes, counts[2:], strict=False)
        }
        result[None] = int(counts[1])
        if counts[0]:  # labels outside the class list (should not happen): by name
            extra = pd.Series(self.labels[where][codes == -2])
            result.update({str(k): int(v) for k, v in extra.value_counts().items()})
        return result

    def show_counts(self, split: str | None = None) -> dict[str, int]:
        """How many images each SHOW_CHOICES entry selects within ``split`` (as
        :meth:`label_counts` counts; the class is ignored). Skipped files have no split:
        all of them are counted, as the "skipped" choice shows them all."""
        usable = self.usable & self._split_mask(split)
        labeled = usable & (self.label_codes != -1)
        return {
            "all": int(usable.sum()),
            "labeled": int(labeled.sum()),
            "unlabeled": int((usable & ~labeled).sum()),
            "flagged": int((usable & self.flagged).sum()),
            VERIFIED: int((usable & self._status_mask(VERIFIED)).sum()),
            EXCLUDED: int((usable & self._status_mask(EXCLUDED)).sum()),
            "skipped": int((~self.usable).sum()),
        }

    def expected_errors_in(self, split: str | None) -> int | None:
        """How many wrong labels the model expects within ``split`` (None: the whole
        project's estimate); None before scoring, or when it is known only for the whole
        project."""
        if split is None or self.expected_errors is None:
            return self.expected_errors
        if self.expected_wrong is None:
            return None
        return int((self.usable & self._split_mask(split) & self.expected_wrong).sum())

    def excluded_count(self) -> int:
        return int((self.usable & self._status_mask(EXCLUDED)).sum())

    def _split_mask(self, split: str | None) -> np.ndarray:
        if split is None:
            return np.ones(len(self.ids), dtype=bool)
        if split in SPLITS:
            return self.split_codes == SPLITS.index(split)
        return np.asarray(self.splits == split, dtype=bool)

    def _status_mask(self, status: str) -> np.ndarray:
        if status in STATUSES:
            return self.status_codes == STATUSES.index(status)
        return np.asarray(self.statuses == status, dtype=bool)
