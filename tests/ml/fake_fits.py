"""Module-level projection methods for tests of fits in a child process (a spawned child
imports them by name, so they cannot be local functions or lambdas)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

STARTED_ENV = "LABELDESK_TEST_FIT_STARTED"  # a file the slow fit creates once it runs


def first_two_columns(vectors: np.ndarray, seed: int) -> np.ndarray:
    return vectors[:, :2] * 2.0


def slow(vectors: np.ndarray, seed: int) -> np.ndarray:
    """Announces itself, then takes far longer than any test waits."""
    marker = os.environ.get(STARTED_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(120)
    return vectors[:, :2]


def broken(vectors: np.ndarray, seed: int) -> np.ndarray:
    raise ValueError("these vectors make no sense")


def crash(vectors: np.ndarray, seed: int) -> np.ndarray:
    os._exit(3)  # dies without a word, like a process killed for memory


def wait_started(marker: Path, timeout_s: float = 60.0) -> int:
    """The slow fit's process id, once it has started (the spawn takes a moment)."""
    deadline = time.monotonic() + timeout_s
    while not marker.exists() or not marker.read_text():
        if time.monotonic() > deadline:
            raise TimeoutError("the fit never started in the child process")
        time.sleep(0.02)
    return int(marker.read_text())


def stepping(vectors: np.ndarray, seed: int) -> np.ndarray:
    """Reports umap's steps (a count for the last) the way the real fit does."""
    from labeldesk.ml import projection

    loading, neighbours, placing = projection.FIT_STEPS["umap"]
    projection._step(loading, 0, 0)
    projection._step(neighbours, 0, 0)
    for n in range(0, 201, 50):
        projection._step(placing, n, 200)
    return vectors[:, :2]


def stuck_loading(vectors: np.ndarray, seed: int) -> np.ndarray:
    """Reports umap's first step (loading it), then takes far longer than any test waits,
    as loading UMAP does on a computer's first map."""
    from labeldesk.ml import projection

    projection._step(projection.FIT_STEPS["umap"][0], 0, 0)
    time.sleep(120)
    return vectors[:, :2]
