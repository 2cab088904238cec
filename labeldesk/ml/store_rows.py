"""A project's rows of its vector store, read only when indexed.

The queue's strategies look at a few thousand of a project's vectors (the candidates
they weigh, a sample the objective is summed over; the cold start's TypiClust clusters a
seeded sample of at most 50,000). Gathering them all first copies every vector: 0.5 GB
of float32 at 100k images.
:class:`StoreRows` reads a row from the store's file only when it is asked for (read,
not memory-mapped: a memory map faults in the pages around each row read, and a 5 %
sample of the rows then maps most of the file into the process's resident memory).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .vectors import VectorStore


class StoreRows:
    """Rows ``rows`` of ``store`` as a read-only (len(rows), dim) array whose rows are
    read when indexed: ``x[i]``, ``x[a:b]``, ``x[mask]``, ``x[positions]`` give numpy
    arrays of those rows as stored (float16; their float32 conversion is exact).
    ``np.asarray(x)`` reads them all."""

    ndim = 2
    dtype = np.dtype(np.float16)

    def __init__(self, store: VectorStore, rows: np.ndarray):
        self._store = store
        self._rows = np.asarray(rows, dtype=np.int64)
        self.shape = (len(self._rows), int(store.dim))

    @property
    def store(self) -> VectorStore:
        return self._store

    @property
    def rows(self) -> np.ndarray:
        """The store row of each of these rows."""
        return self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, key: Any) -> np.ndarray:
        picked = self._rows[key]
        if np.ndim(picked) == 0:
            return self._store.read(np.asarray([picked]))[0]
        if (np.diff(picked) >= 0).all():  # in the file's order (a sample): read, no copy
            return self._store.read(picked)
        order = np.argsort(picked, kind="stable")  # the file read in order
        out = np.empty((len(picked), self.shape[1]), dtype=self.dtype)
        out[order] = self._store.read(picked[order])
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)
