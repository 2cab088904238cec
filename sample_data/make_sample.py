"""Build LabelDesk's bundled demo dataset from Fashion-MNIST.

The source data comes from Debian's ``dataset-fashion-mnist`` package, which
installs the original IDX files under ``/usr/share/datasets/fashion-mnist``.

Running this script (re)creates, next to it::

    fashion/train/<class>/fmnist-train-NNNNNN.png   30 per class
    fashion/test/<class>/fmnist-test-NNNNNN.png     10 per class
    fashion/_unlabeled/fmnist-train-NNNNNN.png      200, no label
    planted_errors.csv                              12 deliberately wrong train labels
    unlabeled_truth.csv                             true labels of the unlabeled pool

``NNNNNN`` is the image's index in the source split, so every file can be
traced back to Fashion-MNIST. Selection uses a fixed seed, and running the
script twice gives byte-identical output (for a given numpy/Pillow version).

The module is importable without side effects; benchmarks use
:func:`load_fashion_mnist` and :data:`CLASS_NAMES`.

Usage::

    python sample_data/make_sample.py [--source DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

try:
    import numpy as np
    from PIL import Image
except ModuleNotFoundError as missing:  # a Python without LabelDesk's packages ran it
    if __name__ != "__main__":
        raise
    sys.exit(
        f"make_sample.py needs numpy and Pillow, which this Python lacks ({missing}): run it "
        "with the Python of LabelDesk's environment, `.venv/bin/python "
        "sample_data/make_sample.py` in a checkout after `make install`, or the one "
        "installer/install.sh made (on Linux ~/.local/share/labeldesk/venv/bin/python)"
    )

DEFAULT_ROOT = "/usr/share/datasets/fashion-mnist"

#: Folder-safe class names, in label-index order (0..9).
CLASS_NAMES: list[str] = [
    "t-shirt_top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle_boot",
]

SEED = 20240601
TRAIN_PER_CLASS = 30
TEST_PER_CLASS = 10
UNLABELED_PER_CLASS = 20  # 10 classes -> 200 unlabeled images

#: Class pairs that get one image swapped each way: 6 pairs -> 12 wrong
#: labels, chosen among Fashion-MNIST's common confusions. Swapping keeps
#: every train folder at exactly TRAIN_PER_CLASS files, so the folder sizes
#: give nothing away.
SWAP_PAIRS: list[tuple[str, str]] = [
    ("t-shirt_top", "shirt"),
    ("pullover", "coat"),
    ("sneaker", "sandal"),
    ("ankle_boot", "sneaker"),
    ("dress", "coat"),
    ("pullover", "shirt"),
]

OUT_DIR = Path(__file__).resolve().parent
DATASET_DIR = OUT_DIR / "fashion"
_CSV_FILES = ("planted_errors.csv", "unlabeled_truth.csv")

# IDX type codes -> big-endian numpy dtypes (see http://yann.lecun.com/exdb/mnist/).
_IDX_DTYPES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}

_SPLIT_PREFIX: dict[str, str] = {"train": "train", "test": "t10k"}


def _read_idx(path: Path) -> np.ndarray:
    """Parse one IDX file (gzipped if its name ends in ``.gz``) into an array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{type_code:02x}")
    header_len = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header_len != expected:
        raise ValueError(f"{path}: payload is {len(data) - header_len} bytes, expected {expected}")
    return np.frombuffer(data, dtype, offset=header_len).reshape(shape)


def _find_idx(root: Path, stem: str) -> Path:
    """Return ``root/stem`` or ``root/stem.gz``, whichever exists."""
    for candidate in (root / stem, root / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{root / stem}[.gz] not found; install the Debian package "
        "'dataset-fashion-mnist' or pass another root"
    )


def load_fashion_mnist(
    split: str = "train", root: str | Path = DEFAULT_ROOT
) -> tuple[np.ndarray, np.ndarray]:
    """Load one Fashion-MNIST split from IDX files, using numpy only.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000 images).
        root: Folder holding ``{train,t10k}-{images-idx3,labels-idx1}-ubyte``
            files, gzipped or not.

    Returns:
        ``(images, labels)``: images as a ``uint8`` array of shape
        ``(N, 28, 28)``, labels as an ``int64`` array of shape ``(N,)`` with
        values indexing :data:`CLASS_NAMES`.
    """
    if split not in _SPLIT_PREFIX:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = Path(root)
    prefix = _SPLIT_PREFIX[split]
    images = _read_idx(_find_idx(root, f"{prefix}-images-idx3-ubyte"))
    labels = _read_idx(_find_idx(root, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f"unexpected image array {images.shape} {images.dtype}")
    if labels.shape != (images.shape[0],):
        raise ValueError(f"{labels.shape[0]} labels for {images.shape[0]} images")
    return images.copy(), labels.astype(np.int64)


def _pick_per_class(
    rng: np.random.Generator, labels: np.ndarray, per_class: int, exclude: np.ndarray
) -> np.ndarray:
    """Pick ``per_class`` random indices of each class, avoiding ``exclude``."""
    available = np.ones(labels.shape[0], dtype=bool)
    available[exclude] = False
    picked = [
        rng.choice(np.flatnonzero(available & (labels == c)), per_class, replace=False)
        for c in range(len(CLASS_NAMES))
    ]
    return np.sort(np.concatenate(picked))


def _plant_errors(
    rng: np.random.Generator, indices: np.ndarray, labels: np.ndarray
) -> dict[int, int]:
    """Choose the wrong labels to plant, as ``{source index: given label}``.

    For every pair in :data:`SWAP_PAIRS`, one image of each class goes into
    the other class's folder. An image is never used twice.
    """
    given: dict[int, int] = {}
    for name_a, name_b in SWAP_PAIRS:
        a, b = CLASS_NAMES.index(name_a), CLASS_NAMES.index(name_b)
        for true, wrong in ((a, b), (b, a)):
            pool = [int(i) for i in indices if labels[i] == true and int(i) not in given]
            given[int(rng.choice(pool))] = wrong
    return given


def _save_png(image: np.ndarray, path: Path) -> None:
    """Write a 28x28 uint8 array as an 8-bit grayscale (mode "L") PNG."""
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ValueError(f"expected a 2-D uint8 image, got {image.shape} {image.dtype}")
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path, format="PNG", optimize=True)


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[tuple[str, ...]]) -> None:
    """Write a small CSV file with ``\\n`` line endings, rows sorted."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(sorted(rows))


def build(source: str | Path = DEFAULT_ROOT, out: str | Path | None = None) -> None:
    """Delete and regenerate ``fashion/`` and the two CSV files next to this script; with
    ``out``, write them into that folder instead, which must not hold a ``fashion/`` or
    either CSV file yet (nothing of yours is replaced)."""
    out_dir = OUT_DIR if out is None else Path(out)
    dataset_dir = out_dir / "fashion"
    if out is not None:
        there = [p for p in (dataset_dir, *(out_dir / n for n in _CSV_FILES)) if p.exists()]
        if there:
            raise SystemExit(
                f"{there[0]} exists already; give --out a new or empty folder "
                "(make_sample.py replaces files only in sample_data/ itself)"
            )
    train_x, train_y = load_fashion_mnist("train", source)
    test_x, test_y = load_fashion_mnist("test", source)
    rng = np.random.default_rng(SEED)

    none = np.array([], dtype=np.int64)
    train_idx = _pick_per_class(rng, train_y, TRAIN_PER_CLASS, exclude=none)
    test_idx = _pick_per_class(rng, test_y, TEST_PER_CLASS, exclude=none)
    unlabeled_idx = _pick_per_class(rng, train_y, UNLABELED_PER_CLASS, exclude=train_idx)
    given = _plant_errors(rng, train_idx, train_y)

    if out is None and DATASET_DIR.exists():
        shutil.rmtree(DATASET_DIR)

    errors: list[tuple[str, str, str]] = []
    for i in train_idx:
        true = int(train_y[i])
        label = given.get(int(i), true)
        rel = f"train/{CLASS_NAMES[label]}/fmnist-train-{i:06d}.png"
        _save_png(train_x[i], dataset_dir / rel)
        if label != true:
            errors.append((rel, CLASS_NAMES[label], CLASS_NAMES[true]))

    for i in test_idx:
        rel = f"test/{CLASS_NAMES[test_y[i]]}/fmnist-test-{i:06d}.png"
        _save_png(test_x[i], dataset_dir / rel)

    truth: list[tuple[str, str]] = []
    for i in unlabeled_idx:
        rel = f"_unlabeled/fmnist-train-{i:06d}.png"
        _save_png(train_x[i], dataset_dir / rel)
        truth.append((rel, CLASS_NAMES[train_y[i]]))

    _write_csv(out_dir / _CSV_FILES[0], ("path", "given_label", "true_label"), errors)
    _write_csv(out_dir / _CSV_FILES[1], ("path", "true_label"), truth)

    print(
        f"Wrote {len(train_idx)} train ({len(errors)} mislabelled), {len(test_idx)} test "
        f"and {len(unlabeled_idx)} unlabeled images to {dataset_dir}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Build the LabelDesk Fashion-MNIST demo dataset.")
    parser.add_argument(
        "--source",
        default=DEFAULT_ROOT,
        help=f"folder with the Fashion-MNIST IDX files (default: {DEFAULT_ROOT})",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="write fashion/ and the two CSV files into this folder (new or empty) instead "
        "of regenerating the bundled sample next to this script",
    )
    args = parser.parse_args(argv)
    build(args.source, args.out)


if __name__ == "__main__":
    main()
