"""The labeled images a fine-tuning run reads, batch by batch, with augmentation.

A file deleted, moved or damaged since the scan must not end a run that may have trained
for minutes: it is left out of its batch and of every later one, and recorded with the
reason, as embedding does (:class:`labeldesk.ml.embed.EmbedReport`'s ``failed``).

On a GPU the images of a batch are decoded by several threads
(:mod:`labeldesk.ml.decode_threads`); on the CPU in the training thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .backbones import Preprocess
from .decode_threads import decode_threads, in_order


class TrainingImages:
    """Rows of a fine-tuning run's frame -> model input; ``failed`` holds the rows that
    could not be read (row -> {"path", "reason"}), each tried once."""

    def __init__(self, paths: list[Path], names: list[str]) -> None:
        self.paths = paths
        self.names = names  # as the project shows them (relative to the image folder)
        self.failed: dict[int, dict[str, str]] = {}

    def usable(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` without those that already failed."""
        return np.array([r for r in rows if r not in self.failed], dtype=np.int64)

    def batch(
        self,
        rows: np.ndarray,
        pre: Preprocess,
        device: str,
        rng: np.random.Generator | None = None,
    ) -> tuple[Any, np.ndarray]:
        """(tensor, the rows it holds) for ``rows``; augmented when ``rng`` is given
        (each row from its own generator, drawn from ``rng`` in row order, so the batch
        is the same however many threads decode it). The tensor is None when no row
        could be read."""
        from .preprocess import prepare, to_tensor

        usable = self.usable(rows)
        seeds = rng.integers(0, 2**63 - 1, size=len(usable)) if rng is not None else None

        def read(k: int) -> np.ndarray | Exception:
            path = self.paths[usable[k]]
            try:
                if seeds is None:
                    return prepare(path, pre)
                return _augment(path, pre, np.random.default_rng(int(seeds[k])))
            except Exception as exc:  # missing, unreadable, not an image: PIL/OS errors
                return exc

        arrays, kept = [], []
        got_all = in_order(read, len(usable), decode_threads(device))
        for row, got in zip(usable, got_all, strict=True):
            if isinstance(got, Exception):
                self.failed[int(row)] = {
                    "path": self.names[row],
                    "reason": f"{type(got).__name__}: {got}",
                }
                continue
            arrays.append(got)
            kept.append(row)
        if not arrays:
            return None, np.zeros(0, dtype=np.int64)
        return to_tensor(np.stack(arrays), pre, device), np.array(kept, dtype=np.int64)

    def report(self) -> list[dict[str, str]]:
        """The failures, in path order."""
        return sorted(self.failed.values(), key=lambda f: f["path"])


def _augment(path: Path, pre: Preprocess, rng: np.random.Generator) -> np.ndarray:
    """Random resized crop (50-100 % of the area, aspect 3/4-4/3) and horizontal flip."""
    from PIL import Image

    from labeldesk.core.imageio import load_rgb

    img = load_rgb(path, draft=(pre.size * 2, pre.size * 2))
    w, h = img.size
    area = w * h * rng.uniform(0.5, 1.0)
    aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    cw, ch = min(w, round(np.sqrt(area * aspect))), min(h, round(np.sqrt(area / aspect)))
    left, top = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
    img = img.resize(
        (pre.size, pre.size), Image.Resampling.BILINEAR, box=(left, top, left + cw, top + ch)
    )
    if rng.random() < 0.5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return np.array(img, dtype=np.uint8)
