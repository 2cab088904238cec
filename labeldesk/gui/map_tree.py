"""Which of the embedding map's points lie near a place (the hover card's point): a k-d
tree of the points built on a worker thread, and until it is built the same answer
from every point's distance. Built on the GUI thread, the tree held it up 0.42-0.47 s
at a million points each time a map was read (``benchmarks/bench_map_draw.py``, "set
points (hover tree)"); a look without it takes ~10-20 ms there, for a hover in the
half second before the tree is built. Split from :mod:`labeldesk.gui.map_view`."""

from __future__ import annotations

import threading

import numpy as np
from scipy.spatial import cKDTree


class PointFinder:
    """The points ``xy`` (N, 2), found by place: :meth:`within`. Its tree is built from
    the start on a thread of its own (scipy builds it without the GIL, so the GUI thread
    runs on meanwhile)."""

    def __init__(self, xy: np.ndarray):
        self.xy = xy
        self._tree: cKDTree | None = None
        self._thread = threading.Thread(target=self._build, name="map hover tree", daemon=True)
        self._thread.start()

    def _build(self) -> None:
        self._tree = cKDTree(self.xy)

    @property
    def built(self) -> bool:
        """Whether the tree is built (else :meth:`within` looks at every point)."""
        return self._tree is not None

    def within(self, x: float, y: float, radius: float) -> np.ndarray:
        """Rows of the points within ``radius`` of (x, y), in row order; the same with
        the tree or without it (in float64 both: zoomed far in, a float32 distance
        could miss the point under the mouse)."""
        tree = self._tree
        if tree is not None:
            rows = tree.query_ball_point([x, y], radius, return_sorted=True)
            return np.asarray(rows, dtype=np.int64)
        dx = self.xy[:, 0] - np.float64(x)
        dy = self.xy[:, 1] - np.float64(y)
        return np.flatnonzero(dx * dx + dy * dy <= radius * radius).astype(np.int64)

    def nearest(self, x: float, y: float, k: int) -> np.ndarray:
        """Rows of the ``k`` points nearest (x, y), nearest first (the map's keys: ]
        selects the cursor's nearest images)."""
        k = min(k, len(self.xy))
        tree = self._tree
        if tree is not None:
            _, rows = tree.query([x, y], k=k)
            return np.atleast_1d(np.asarray(rows, dtype=np.int64))
        d = (self.xy[:, 0] - np.float64(x)) ** 2 + (self.xy[:, 1] - np.float64(y)) ** 2
        rows = np.argpartition(d, k - 1)[:k] if k < len(d) else np.arange(len(d))
        return rows[np.argsort(d[rows], kind="stable")].astype(np.int64)
