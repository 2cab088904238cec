"""The labeled images a fine-tuning run reads, batch by batch, with augmentation.

A file deleted, moved or damaged since the scan must not end a run that may have trained
for minutes: it is left out of its batch and of every later one, and recorded with the
reason, as embedding does (:class:`labeldesk.ml.embed.EmbedReport`'s ``failed``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .backbones import Preprocess


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
        """(tensor, the rows it holds) for ``rows``; augmented when ``rng`` is given.
        The tensor is None when no row could be read."""
        from .preprocess import prepare, to_tensor

        arrays, kept = [], []
        for row in self.usable(rows):
            path = self.paths[row]
            try:
                arrays.append(_augment(path, pre, rng) if rng is not None else prepare(path, pre))
            except Exception as exc:  # missing, unreadable, not an image: PIL/OS errors
                self.failed[int(row)] = {
                    "path": self.names[row],
                    "reason": f"{type(exc).__name__}: {exc}",
                }
                continue
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
