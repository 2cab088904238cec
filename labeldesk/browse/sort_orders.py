"""The browser's orders by a model value (label fit, confidence, outlier score), as the
catalog makes them and as a background job makes them ahead of the choice
(:meth:`~labeldesk.browse.catalog.ImageCatalog.sort_keys`): one function sorts both
ways, so the order is the same whichever made it. Qt-free."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# the sorts by a model value, each ascending by its key (SORT_CHOICES' others: "path")
MODEL_SORTS = ("issue", "confidence", "outlier")


def sort_order(key: np.ndarray) -> np.ndarray:
    """Every position in ascending order of ``key``, ties in position (path) order.
    NumPy sorts without Python's lock held: off the GUI thread it holds nothing up."""
    return np.argsort(key, kind="stable")


class SortKeys(NamedTuple):
    """What :meth:`ImageCatalog.sort_keys` hands out: the sort keys, and what they
    were made from (the orders are taken back only while that still holds)."""

    token: object
    keys: dict[str, np.ndarray]


def sort_orders(keys: SortKeys) -> dict[str, np.ndarray]:
    """The orders of ``keys`` (a background job's work: a million values take about
    0.1 s of CPU each)."""
    return {sort: sort_order(key) for sort, key in keys.keys.items()}
