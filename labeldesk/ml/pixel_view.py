"""A second view of every image for the predictions: its coarse pixels.

The probe and the kNN vote see an image only through the backbone's ImageNet features.
On small, centred images (clothes, digits, glyphs, icons) those features miss what the
pixels show plainly, and a model on the pixels errs on other images than the one on the
features, so the mean of the two is right more often than either (an ensemble of diverse
models, as Kuan & Mueller found for label-quality scores, "Model-agnostic label quality
scoring to detect real-world label errors", ICML DataPerf workshop 2022).

The view: the image's thumbnail at 32 x 32, its luma's 12 x 12 and each colour
difference's 4 x 4 lowest spatial frequencies (a 2-D DCT, JPEG's own basis), beside
histograms of its luma's gradient orientations (12 directions in each of 4 x 4 cells: a
histogram of oriented gradients, Dalal & Triggs, CVPR 2005, without block normalisation),
368 numbers that do not depend on the data, so each image's are computed once and cached
by content. Each part is centred and scaled to unit length over the project, so the two
count alike.
The predictions (:func:`labeldesk.ml.predictions.out_of_sample_probs`) fit the same probe
on them, out of fold, and mix its probabilities with the features' at the weight that
predicts the given labels best, out of fold (stacking; Wolpert 1992): on photographs the
pixels predict little and the weight comes out near 0, on digits near its cap.

Measured by ``benchmarks/bench_label_suite.py`` (method ``pixels``, README): worst group on
Fashion-MNIST AUROC 0.951 -> 0.958, scikit-learn digits 0.965 -> 0.998; the photo crops,
held out of every choice, unchanged (weight ~0).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from labeldesk.core.imageio import THUMB_LONG_MAX, THUMB_SHORT_SIDE
from labeldesk.core.indexed_files import thumbnail_path

from .cachefiles import read_arrays, replace_versions, rows_of
from .store import ProjectVectors, embeddings_dir

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)

SIDE = 32  # thumbnail pixels per side the frequencies are taken from
LUMA = 12  # lowest luma frequencies kept per axis
CHROMA = 4  # lowest frequencies of each colour difference kept per axis
CELL = 8  # pixels per side of a gradient histogram's cell
ORIENTATIONS = 12  # directions (0-180 degrees) per histogram
FREQUENCIES = LUMA * LUMA + 2 * CHROMA * CHROMA
DIMS = FREQUENCIES + (SIDE // CELL) ** 2 * ORIENTATIONS
PROBE_DIMS = 128  # principal components the pixels' probe learns from (256: no better)
# The pixels' probe's C (None: the embeddings' probe's, probe.C_REG). 5 or 10 lost AUROC
# on Fashion-MNIST and digits in benchmarks/bench_label_suite.py --candidates.
PROBE_C: float | None = None
# made from thumbnails of this size: a change of theirs makes other numbers
THUMBS = f"{THUMB_SHORT_SIDE}x{THUMB_LONG_MAX}"
VERSION = f"dct{SIDE}-{LUMA}-{CHROMA}+hog{CELL}x{ORIENTATIONS}-t{THUMBS}-v1"
# Above this many images the view is not built: from thumbnails it costs about 0.3 ms an
# image once (5 minutes at 1M on one core), where the predictions take ~2 minutes.
MAX_ROWS = 200_000
MIN_SHARE = 0.9  # of the images that need a descriptor, or the view is not used
CHUNK = 1024  # thumbnails read and described at once
THREADS = 4  # at most, and never more than the machine's cores
# what Pillow raises for a missing or damaged file (imageio.probe_file catches the same)
UNREADABLE = (OSError, ValueError, SyntaxError, EOFError, IndexError, Image.DecompressionBombError)
WEIGHTS = np.round(np.arange(0.0, 0.81, 0.05), 2)  # the pixels' share tried by stacking


def share_note(share: float) -> str:
    """How the predictions were made, in words, when the pixel view took part; "" when
    it did not (the CLI's note on stderr, the app's tooltips on its estimate)."""
    if share <= 0:
        return ""
    # "and, at 20%, from the pixels" read as if it were 20% of the images: name both parts
    pixels = round(share * 100)
    return (
        f"Predicted {100 - pixels}% from the embeddings and {pixels}% from the images' own "
        "coarse pixels."
    )


def descriptors(pixels: np.ndarray) -> np.ndarray:
    """(n, DIMS) float32 from (n, SIDE, SIDE, 3) RGB values in 0..1: the FREQUENCIES
    lowest DCT frequencies, then the gradient histograms."""
    from scipy.fft import dctn

    rgb = np.asarray(pixels, dtype=np.float32)
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    parts = [dctn(luma, axes=(1, 2), norm="ortho")[:, :LUMA, :LUMA]]
    for channel in (rgb[..., 2] - luma, rgb[..., 0] - luma):  # blue and red differences
        parts.append(dctn(channel, axes=(1, 2), norm="ortho")[:, :CHROMA, :CHROMA])
    parts.append(gradient_histograms(luma))
    return np.hstack([p.reshape(len(rgb), -1) for p in parts]).astype(np.float32)


def gradient_histograms(luma: np.ndarray) -> np.ndarray:
    """(n, cells * ORIENTATIONS): per CELL x CELL cell, the gradient magnitude summed by
    direction (unsigned), square-rooted so a few strong edges do not swamp the rest."""
    n, side = luma.shape[0], luma.shape[1]
    gy, gx = np.gradient(luma, axis=(1, 2))
    direction = np.mod(np.arctan2(gy, gx), np.pi)
    bins = np.minimum((direction * (ORIENTATIONS / np.pi)).astype(np.int64), ORIENTATIONS - 1)
    per_side = side // CELL
    cell_of = np.minimum(np.arange(side) // CELL, per_side - 1)
    cell = cell_of[:, None] * per_side + cell_of[None, :]
    slot = (np.arange(n)[:, None, None] * per_side**2 + cell[None]) * ORIENTATIONS + bins
    size = n * per_side**2 * ORIENTATIONS
    sums = np.bincount(slot.ravel(), weights=np.hypot(gx, gy).ravel(), minlength=size)
    return np.sqrt(sums.reshape(n, -1))


def read_pixels(path: Path) -> np.ndarray:
    """A thumbnail's pixels at SIDE x SIDE (the whole image squeezed into the square, as
    the backbone sees it), RGB in 0..1. Raises OSError (or Pillow's error) when unreadable."""
    with Image.open(path) as img:
        if img.format == "JPEG":
            img.draft("RGB", (SIDE, SIDE))  # a reduced DCT decode: thumbnails are JPEGs
        small = img.convert("RGB").resize((SIDE, SIDE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


def pixel_view(project: Project, vectors: ProjectVectors) -> np.ndarray | None:
    """(N, DIMS) descriptors aligned with ``vectors``, each part centred, the whole at unit
    length; None when the view is not used (too many images, or too few thumbnails could
    be read)."""
    n = len(vectors.paths)
    if n == 0 or n > MAX_ROWS or not project.thumbs_dir.is_dir():
        return None
    keys = np.array([int(h[:16], 16) for h in vectors.hashes], dtype=np.uint64)
    known = _read_cache(project)
    values = np.zeros((n, DIMS), dtype=np.float32)
    have = np.zeros(n, dtype=bool)
    if known is not None:
        order = np.argsort(known[0])
        at = np.searchsorted(known[0], keys, sorter=order).clip(0, max(len(order) - 1, 0))
        if len(order):
            hit = known[0][order[at]] == keys
            values[hit] = known[1][order[at[hit]]]
            have |= hit
    todo = np.flatnonzero(~have)
    made = _make(project, vectors, todo)
    for row, desc in made.items():
        values[row], have[row] = desc, True
    if made:
        _write_cache(project, keys[have], values[have])
    if have.mean() < MIN_SHARE:
        log.info("pixel view not used: %d of %d thumbnails readable", have.sum(), n)
        return None
    for part in (values[:, :FREQUENCIES], values[:, FREQUENCIES:]):  # views: set in place
        part[have] -= part[have].mean(axis=0)
        part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12) * np.sqrt(2)
    return values  # rows without a thumbnail stay all zeros: the probe's prior


def thumbnails_stamp(project: Project) -> int:
    """The newest modification time among the thumbnail folder and its subfolders (a
    thumbnail made or removed moves its folder's; some 257 stats); 0 when there is none."""
    try:
        with os.scandir(project.thumbs_dir) as entries:
            folders = [e.stat().st_mtime_ns for e in entries if e.is_dir(follow_symlinks=False)]
        return max([project.thumbs_dir.stat().st_mtime_ns, *folders])
    except OSError:
        return 0


def _make(project: Project, vectors: ProjectVectors, rows: np.ndarray) -> dict[int, np.ndarray]:
    """Descriptors of ``rows`` whose thumbnails can be read, CHUNK at a time on a few
    threads (Pillow's decoding and numpy's sums let go of the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    def chunk(part: np.ndarray) -> list[tuple[int, np.ndarray]]:
        read: list[tuple[int, np.ndarray]] = []
        for row in part:
            try:
                read.append((int(row), read_pixels(thumbnail_path(thumbs, hashes[row]))))
            except UNREADABLE:
                continue  # no thumbnail, or a damaged one: the row goes without
        if not read:
            return []
        made = descriptors(np.stack([pixels for _, pixels in read]))
        return [(row, desc) for (row, _), desc in zip(read, made, strict=True)]

    thumbs, hashes = project.thumbs_dir, vectors.hashes
    parts = [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]
    if len(parts) <= 1:
        return dict(item for part in parts for item in chunk(part))
    with ThreadPoolExecutor(min(THREADS, os.cpu_count() or 1)) as pool:
        return dict(item for found in pool.map(chunk, parts) for item in found)


def _cache_path(project: Project) -> Path:
    return embeddings_dir(project) / f"pixels-{VERSION}.npz"


def _read_cache(project: Project) -> tuple[np.ndarray, np.ndarray] | None:
    arrays = read_arrays(
        _cache_path(project),
        ("keys", "values"),
        lambda a: (
            rows_of(a["keys"], len(a["keys"]), None, "i")
            or rows_of(a["values"], len(a["keys"]), DIMS, "f")
        ),
    )
    if arrays is None:
        return None
    return arrays["keys"].astype(np.uint64), arrays["values"]  # float16 as stored


def _write_cache(project: Project, keys: np.ndarray, values: np.ndarray) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, keys=keys, values=values.astype(np.float16))

    try:
        replace_versions(_cache_path(project), "pixels-*.npz", write)
    except OSError as exc:  # a cache: the view is used anyway, and made again next time
        log.warning("could not save the pixel view's cache: %s", exc)


def blend_weight(
    main: np.ndarray, other: np.ndarray, labels: np.ndarray, rows: np.ndarray
) -> float:
    """The share of ``other`` in the mix that gives the given labels of ``rows`` (out of
    fold in both) the lowest log loss; 0 when there are none."""
    idx = np.flatnonzero(rows & (labels >= 0))
    if len(idx) == 0:
        return 0.0
    a, b = main[idx, labels[idx]], other[idx, labels[idx]]
    losses = [-np.log(np.clip((1 - w) * a + w * b, 1e-6, 1.0)).mean() for w in WEIGHTS]
    return float(WEIGHTS[int(np.argmin(losses))])
