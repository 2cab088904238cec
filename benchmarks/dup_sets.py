"""Image folders with planted copies, for bench_near_duplicates.py, built once and cached.

Each set holds distinct images (several per class, so look-alikes abound) and, for a share
of them, one copy each made the way copies arise: re-encoded as JPEG at quality 95 to 30,
resized up or down, slightly cropped (evenly or at one corner), brightened, contrast
changed, converted to WebP or BMP. A copy is named ``<original stem>__<how>.<ext>`` beside
its original, so the truth is in the file name. Sets:

- ``fmnist``: 800 Fashion-MNIST test images (28 px gray garments);
- ``digits``: 800 of scikit-learn's 8x8 digits, upscaled to 32 px;
- ``sample``: the bundled sample's 600 images;
- ``photos``: 160 px tiles cut from scikit-image's photographs (class = photo);
- ``synthetic``: smooth random backgrounds with a shape (benchmarks/synthetic_project.py).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "sample_data"))

COPY_SHARE = 0.2
Transform = tuple[str, str, Callable[[Image.Image], Image.Image]]


def _resize(scale: float) -> Callable[[Image.Image], Image.Image]:
    def apply(img: Image.Image) -> Image.Image:
        w, h = img.size
        size = (max(8, round(w * scale)), max(8, round(h * scale)))
        return img.resize(size, Image.Resampling.BICUBIC)

    return apply


def _crop(left: float, top: float, right: float, bottom: float) -> Callable[..., Image.Image]:
    def apply(img: Image.Image) -> Image.Image:
        w, h = img.size
        return img.crop(
            (round(w * left), round(h * top), w - round(w * right), h - round(h * bottom))
        )

    return apply


TRANSFORMS: list[Transform] = [
    ("jpeg95", "jpg", lambda im: im),
    ("jpeg75", "jpg", lambda im: im),
    ("jpeg50", "jpg", lambda im: im),
    ("jpeg30", "jpg", lambda im: im),
    ("up150", "png", _resize(1.5)),
    ("down75", "png", _resize(0.75)),
    ("crop4", "png", _crop(0.04, 0.04, 0.04, 0.04)),
    ("crop8corner", "png", _crop(0.0, 0.0, 0.08, 0.08)),
    ("bright115", "png", lambda im: ImageEnhance.Brightness(im).enhance(1.15)),
    ("contrast120", "png", lambda im: ImageEnhance.Contrast(im).enhance(1.2)),
    ("webp80", "webp", lambda im: im),
    ("bmp", "bmp", lambda im: im),
]


def save(img: Image.Image, path: Path, how: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if how.startswith("jpeg"):
        img.convert("RGB" if img.mode not in ("L", "RGB") else img.mode).save(
            path, "JPEG", quality=int(how[4:])
        )
    elif path.suffix == ".webp":
        img.save(path, "WEBP", quality=80)
    else:
        img.save(path)


def _fmnist() -> list[tuple[str, Image.Image]]:
    from make_sample import CLASS_NAMES, load_fashion_mnist

    images, labels = load_fashion_mnist("test")
    rng = np.random.default_rng(11)
    out = []
    for c, name in enumerate(CLASS_NAMES):
        for i in rng.choice(np.flatnonzero(labels == c), 80, replace=False):
            out.append((f"{name}/fm{i:05d}.png", Image.fromarray(images[i])))
    return out


def _digits() -> list[tuple[str, Image.Image]]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    out = []
    for i in range(800):
        pixels = (255 - digits.images[i] * 255 / 16).astype(np.uint8)
        img = Image.fromarray(pixels).resize((32, 32), Image.Resampling.BILINEAR)
        out.append((f"digit{digits.target[i]}/d{i:04d}.png", img))
    return out


def _sample() -> list[tuple[str, Image.Image]]:
    root = HERE.parent / "sample_data" / "fashion"
    out = []
    for path in sorted(root.rglob("*.png")):
        with Image.open(path) as img:
            out.append((path.relative_to(root).as_posix(), img.copy()))
    return out


def _photos() -> list[tuple[str, Image.Image]]:
    from embedded_sets import photo

    out = []
    names = ("astronaut", "chelsea", "coffee", "rocket", "retina", "horse", "camera", "coins",
             "moon", "brick", "grass", "gravel", "motorcycle_left", "hubble_deep_field", "ihc",
             "page", "text", "cell", "clock_motion", "microaneurysms")  # fmt: skip
    side = 160
    for name in names:
        arr = photo(name)
        h, w = arr.shape[:2]
        if min(h, w) < side:
            continue
        for y in range(0, h - side + 1, side):
            for x in range(0, w - side + 1, side):
                tile = Image.fromarray(arr[y : y + side, x : x + side])
                out.append((f"{name}/t{y:04d}-{x:04d}.png", tile))
    return out


def _synthetic() -> list[tuple[str, Image.Image]]:
    from synthetic_project import CLASSES, image_bytes

    out: list[tuple[str, Image.Image]] = []
    for i in range(400):
        with Image.open(io.BytesIO(image_bytes(i, 96))) as img:
            out.append((f"{CLASSES[i % len(CLASSES)]}/s{i:04d}.png", img.convert("RGB")))
    return out


SOURCES: dict[str, Callable[[], list[tuple[str, Image.Image]]]] = {
    "fmnist": _fmnist,
    "digits": _digits,
    "sample": _sample,
    "photos": _photos,
    "synthetic": _synthetic,
}


def build(name: str, folder: Path) -> dict[str, str]:
    """Write the set under ``folder`` (if not there yet); {copy path: original path}."""
    rng = np.random.default_rng(sum(map(ord, name)))
    items = SOURCES[name]()
    chosen = rng.choice(len(items), round(COPY_SHARE * len(items)), replace=False)
    copies = {}
    for k, index in enumerate(sorted(chosen)):
        rel, img = items[index]
        how, ext, transform = TRANSFORMS[k % len(TRANSFORMS)]
        stem = rel.rsplit(".", 1)[0]
        copies[f"{stem}__{how}.{ext}"] = rel
    marker = folder / ".complete"
    if marker.exists():
        return copies
    for rel, img in items:
        save(img, folder / rel)
    for k, index in enumerate(sorted(chosen)):
        rel, img = items[index]
        how, ext, transform = TRANSFORMS[k % len(TRANSFORMS)]
        stem = rel.rsplit(".", 1)[0]
        save(transform(img), folder / f"{stem}__{how}.{ext}", how)
    marker.write_text("")
    return copies
