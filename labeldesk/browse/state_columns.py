"""Image states re-read from the project (a person's label, split and status edits) as
the catalog stores them: one array per field, and their codes, made where they were
read (a background job at a million images). Qt-free."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from labeldesk.core.project import ImageState
from labeldesk.core.vocab import SPLITS, STATUSES, class_codes


def value_codes(series: pd.Series, known: Sequence[str]) -> np.ndarray:
    """Position of each value in ``known`` (-1: none or another value), as int8."""
    return pd.Index(list(known), dtype=object).get_indexer(series.astype(object)).astype(np.int8)


class StateCodes(NamedTuple):
    """The codes of re-read states, made where they were read (a background job): at a
    million rows looking the labels up cost 0.9 s of the GUI thread (select-all + a key)."""

    classes: tuple[str, ...]  # the class list ``labels`` were coded against
    labels: np.ndarray  # int64: the class's index, -1 unlabeled, -2 not a class
    splits: np.ndarray  # int8: the place in SPLITS, -1 none or another
    statuses: np.ndarray  # int8: the place in STATUSES, -1 none or another


class StateColumns(NamedTuple):
    """Re-read image states as one array per field (ids int64, the others objects), and
    their codes when :meth:`of` was given the class list."""

    ids: np.ndarray
    labels: np.ndarray
    splits: np.ndarray
    statuses: np.ndarray
    codes: StateCodes | None = None

    @classmethod
    def of(cls, states: Sequence[ImageState], classes: Sequence[str] | None = None) -> StateColumns:
        # One list per field: zip(*states) over 100k tuples took several times longer.
        labels = np.array([s.label for s in states], dtype=object)
        splits = np.array([s.split for s in states], dtype=object)
        statuses = np.array([s.status for s in states], dtype=object)
        codes = None
        if classes is not None:
            codes = StateCodes(
                tuple(classes),
                class_codes(labels, classes, unknown=-2),
                value_codes(pd.Series(splits, dtype=object), SPLITS),
                value_codes(pd.Series(statuses, dtype=object), STATUSES),
            )
        ids = np.array([s.image_id for s in states], dtype=np.int64)
        return cls(ids, labels, splits, statuses, codes)
