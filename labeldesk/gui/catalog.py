"""The images of an open project as NumPy arrays, filtered with array operations.

Qt-free on purpose: the grid model holds only the positions this returns, so filtering
and counting 100k images never loops in Python, and the logic is testable without Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labeldesk.core.project import ImageState

if TYPE_CHECKING:
    from labeldesk.core.project import Project

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class ImageFilter:
    """What the sidebar selects. ``label=None`` means every class."""

    label: str | None = None
    unlabeled: bool = False  # only images without a label (``label`` is then ignored)
    split: str | None = None  # None: every split
    search: str = ""  # case-insensitive substring of the relative path
    paths: frozenset[str] | None = None  # only these images (a map selection, a confusion)


@dataclass(frozen=True)
class ImageInfo:
    """Everything the detail panel shows about one image."""

    image_id: int
    path: str
    label: str | None
    split: str | None
    status: str | None
    width: int
    height: int
    size: int
    format: str


def _objects(series: pd.Series) -> np.ndarray:
    """An object array with None (not NaN) for missing values."""
    values = series.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


class ImageCatalog:
    """Usable images (skipped files excluded) of one project, in path order."""

    def __init__(self, frame: pd.DataFrame, classes: Sequence[str]):
        self.classes: list[str] = []
        self._class_positions: dict[object, int] = {}
        self.set_classes(classes)
        self.ids = frame.index.to_numpy(dtype=np.int64)
        self.paths = frame["path"].to_numpy(dtype=object)
        self.hashes = _objects(frame["hash"])
        self.labels = _objects(frame["label"])
        self.splits = _objects(frame["split"])
        self.statuses = _objects(frame["status"])
        self.widths = frame["width"].fillna(0).to_numpy(dtype=np.int64)
        self.heights = frame["height"].fillna(0).to_numpy(dtype=np.int64)
        self.sizes = frame["size"].fillna(0).to_numpy(dtype=np.int64)
        self.formats = _objects(frame["format"])
        self._lower_paths = frame["path"].str.lower().reset_index(drop=True)
        self._index = pd.Index(self.ids)

    @classmethod
    def load(cls, project: Project) -> ImageCatalog:
        return cls(project.images(include_skipped=False), project.classes())

    def __len__(self) -> int:
        return len(self.ids)

    # -- queries -----------------------------------------------------------------
    def filter(self, wanted: ImageFilter) -> np.ndarray:
        """Positions (into these arrays) of the images ``wanted`` selects, in path order."""
        mask = self._split_mask(wanted.split)
        if wanted.unlabeled:
            mask &= pd.isna(self.labels)
        elif wanted.label is not None:
            mask &= self.labels == wanted.label
        if wanted.paths is not None:
            mask &= np.isin(self.paths, np.array(sorted(wanted.paths), dtype=object))
        if wanted.search.strip():
            needle = wanted.search.strip().lower()
            mask &= self._lower_paths.str.contains(needle, regex=False).to_numpy(dtype=bool)
        return np.flatnonzero(mask)

    def label_counts(self, split: str | None = None) -> dict[str | None, int]:
        """Images per class within ``split``: keys are class names, None for unlabeled."""
        mask = self._split_mask(split)
        counts = pd.Series(self.labels[mask]).value_counts(dropna=False)
        result: dict[str | None, int] = dict.fromkeys(self.classes, 0)
        result[None] = 0
        for key, count in counts.items():
            result[None if pd.isna(key) else str(key)] = int(count)
        return result

    def class_index(self, position: int) -> int:
        """Index of the image's class in :attr:`classes`, -1 when unlabeled or unknown."""
        return self._class_positions.get(self.labels[position], -1)

    def positions_of(self, image_ids: Iterable[int]) -> np.ndarray:
        """Positions of ``image_ids`` (-1 for ids not in the catalog)."""
        return self._index.get_indexer(np.fromiter(image_ids, dtype=np.int64))

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
        )

    def excluded_count(self) -> int:
        return int((self.statuses == "excluded").sum())

    # -- updates -----------------------------------------------------------------
    def apply_states(self, states: Iterable[ImageState]) -> np.ndarray:
        """Store re-read label/split/status values; return the positions that changed."""
        states = list(states)
        positions = self.positions_of(s.image_id for s in states)
        changed = []
        for position, state in zip(positions, states, strict=True):
            if position < 0:
                continue
            self.labels[position] = state.label
            self.splits[position] = state.split
            self.statuses[position] = state.status
            changed.append(position)
        return np.asarray(changed, dtype=np.int64)

    def set_classes(self, classes: Sequence[str]) -> None:
        self.classes = list(classes)
        self._class_positions = {name: i for i, name in enumerate(self.classes)}

    def _split_mask(self, split: str | None) -> np.ndarray:
        if split is None:
            return np.ones(len(self.ids), dtype=bool)
        return np.asarray(self.splits == split, dtype=bool)
