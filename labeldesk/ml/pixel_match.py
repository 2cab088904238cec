"""The near-duplicate finder's pixel check: do two thumbnails differ much anywhere?

Small plain images (28 px garments, digits) have low-entropy perceptual hashes, so two
different pullovers can share a hash; compared pixel by pixel they still differ
somewhere (a collar), where a re-encoded, resized or brightened copy does not
(benchmarks/bench_near_duplicates.py). :func:`pixel_difference` measures that, and
:class:`Thumbnails` reads the thumbnails of candidate pairs for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageFilter

if TYPE_CHECKING:
    from labeldesk.core.project import Project

# Most two thumbnails may differ for a near duplicate (see pixel_difference); chosen by the
# worst case over several sets (benchmarks/bench_near_duplicates.py).
DEFAULT_PIXEL_DIFFERENCE = 0.12
PIXEL_SIDE = 32
# A resized copy was resampled by another filter than ours: blur more to forgive that.
BLUR_RESIZED = 1.5


def pixel_difference(a: Image.Image, b: Image.Image) -> float:
    """How much two images differ where they differ most: gray levels at the smaller one's
    size (at most 32 px), blurred by a pixel (1.5 when their sizes differ), one fitted to
    the other by gain and offset; the 99th percentile of the leftover, as a share of the
    gray range. Both ways round, the larger.

    A re-encoded, resized or brightened copy differs a little everywhere (compression,
    resampling, a gain): a few percent. A different item of the same kind differs a lot
    somewhere (a collar, a stroke of a digit), however alike the rest: at least ~14 % on
    Fashion-MNIST and digits, where two plain pullovers correlate at 0.98.
    """
    side = max(4, min(PIXEL_SIDE, *a.size, *b.size))
    blur = 1.0 if a.size == b.size else BLUR_RESIZED
    x, y = _smoothed(a, side, blur), _smoothed(b, side, blur)
    return max(_leftover(x, y), _leftover(y, x))


def _smoothed(img: Image.Image, side: int, blur: float) -> np.ndarray:
    gray = img.convert("L").resize((side, side), Image.Resampling.BOX)
    return np.asarray(gray.filter(ImageFilter.GaussianBlur(blur)), dtype=np.float64).ravel()


def _leftover(x: np.ndarray, y: np.ndarray) -> float:
    """99th percentile of |y - (gain * x + offset)| (least squares), over y's range."""
    spread = float(y.max() - y.min())
    if spread == 0:
        return 0.0
    dx = x - x.mean()
    var = float(dx @ dx)
    gain = float(dx @ (y - y.mean())) / var if var > 0 else 0.0
    leftover = y - y.mean() - gain * dx
    return float(np.quantile(np.abs(leftover), 0.99)) / spread


class Thumbnails:
    """Thumbnails of candidate pairs (only candidates are ever read), the most recent few
    thousand kept decoded: a pair's images are usually each other's neighbours' too."""

    KEEP = 2048

    def __init__(self, project: Project):
        self.project = project
        self.cache: dict[str, Image.Image | None] = {}

    def get(self, path: str) -> Image.Image | None:
        if path not in self.cache:
            from labeldesk.core.errors import LabelDeskError

            if len(self.cache) >= self.KEEP:
                del self.cache[next(iter(self.cache))]  # the oldest
            try:
                with Image.open(self.project.thumbnail(path)) as img:
                    self.cache[path] = img.convert("L")  # full size: one resampling only
            except (LabelDeskError, OSError, ValueError):
                self.cache[path] = None  # unreadable now: no pixel evidence, no pair
        return self.cache[path]

    def match(self, a: str, b: str, most: float) -> bool:
        ia, ib = self.get(a), self.get(b)
        return ia is not None and ib is not None and pixel_difference(ia, ib) <= most
