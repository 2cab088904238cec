"""The confusion matrix Statistics shows: labels against what the model thinks, counted
from the browser's own catalog.

Counted from the same arrays the grid filters, a cell's count is by construction the
number of images the browser shows when the cell is clicked. (It used to be a trained
model's matrix for one split, frozen at training time, while a click listed every split
under the current predictions: a cell saying 1 opened 5 images.) "What the model thinks"
is :attr:`ImageCatalog.guess`, the class the detail panel and the tooltips name. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.core.vocab import EXCLUDED, SPLITS

# Split choices, in the order offered; None counts every split.
SCOPES: dict[str | None, str] = {
    "val": "validation",
    "test": "test",
    "train": "train (out-of-fold)",
    None: "all splits",
}


@dataclass(frozen=True)
class Confusion:
    """Counts of labeled images by (label, what the model thinks) within one split."""

    classes: list[str]
    matrix: np.ndarray  # (K, K) int: rows the label, columns what the model thinks
    split: str | None  # None: every split

    @property
    def total(self) -> int:
        return int(self.matrix.sum())

    @property
    def agreement(self) -> float:
        """Share of the counted labels the model agrees with (NaN when none)."""
        return float(np.trace(self.matrix) / self.total) if self.total else float("nan")


def _guess_codes(catalog: ImageCatalog) -> np.ndarray:
    return catalog.guess_codes()


def _counted(catalog: ImageCatalog, split: str | None) -> np.ndarray:
    """Images a matrix counts: usable, labeled with a listed class, not excluded, with a
    model opinion, in ``split``."""
    mask = catalog.usable & (catalog.label_codes >= 0) & (catalog.statuses != EXCLUDED)
    mask &= _guess_codes(catalog) >= 0
    if split is not None:
        mask &= np.asarray(catalog.splits == split, dtype=bool)
    return np.asarray(mask, dtype=bool)


def confusion(catalog: ImageCatalog, split: str | None) -> Confusion:
    """The matrix for ``split`` (None: all splits)."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {SPLITS} or None")
    k = len(catalog.classes)
    mask = _counted(catalog, split)
    rows, cols = catalog.label_codes[mask], _guess_codes(catalog)[mask]
    matrix = np.bincount(rows * k + cols, minlength=k * k).reshape(k, k) if k else np.zeros((0, 0))
    return Confusion(list(catalog.classes), matrix.astype(np.int64), split)


def cell_paths(catalog: ImageCatalog, split: str | None, label: str, guess: str) -> list[str]:
    """The images one cell counts, in path order."""
    if label not in catalog.classes or guess not in catalog.classes:
        return []
    mask = _counted(catalog, split)
    mask &= catalog.label_codes == catalog.classes.index(label)
    mask &= _guess_codes(catalog) == catalog.classes.index(guess)
    return [str(p) for p in catalog.paths[mask]]


WHEN_OPENED = "when the cell was opened"  # the banner's cell: as it was then


def cell_description(split: str | None, label: str, guess: str, count: int) -> str:
    """What a cell's ``count`` images were when it was opened, for the browser's selection
    banner, which puts the count in front ("1 image labeled coat that the model thought
    was pullover when the cell was opened"). Said in the past: the banner stays while
    they are relabeled (all at once, as a cell arrives selected) and scored again, and
    "labeled coat that the model thinks are shirt" over images now labeled shirt was
    no longer true."""
    where = f" (in {split})" if split else ""
    verb = "was" if count == 1 else "were"
    also = "also " if label == guess else ""
    return f"labeled {label} that the model {also}thought {verb} {guess}{where} {WHEN_OPENED}"


def available_scopes(catalog: ImageCatalog) -> list[str | None]:
    """The split choices with at least one counted image (every split always)."""
    scopes: list[str | None] = [s for s in SCOPES if s is not None and _counted(catalog, s).any()]
    return [*scopes, None]
