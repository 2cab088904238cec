"""Input size on small native images: does 112 px cost label-error detection quality?

Small native images (28 px Fashion-MNIST, 8 px scikit-learn digits shown at 32 px, 64 px
photo crops) carry no detail a 224-px input could use, and 112 px is about 4x less model
work. This benchmark decides on quality, not speed: each set is embedded with the default
backbone at 224 and at 112 px (in process, pixels prepared as labeldesk/ml/preprocess.py
prepares a file: one bilinear resize of the whole square, gray resized before RGB), gets
label noise planted in memory (10 % uniform flips, 10 % flips to each class's look-alike,
the look-alike and the flipped images fixed by the seed and shared by both sizes), then the
project's predictions (probe out of fold on shuffled stratified folds + kNN vote, as
benchmarks/bench_flag_count.py computes them) and label-quality scores (default method).

Per set, pattern and size, mean over seeds (noise and folds): the score's AUROC and the
precision among the E lowest scores (E = true number of errors); then the worst case of
each size over the suite and the difference 112 - 224. Throughput of both sizes is measured
in the same run on the same images (decode-free: arrays in memory; model + resize only).

Sets: ``fmnist`` (Fashion-MNIST train, Debian's dataset-fashion-mnist; falls back to the
bundled sample's 400 labeled PNGs when it is not installed), ``digits`` (scikit-learn),
``patches`` (64 px crops of scikit-image's photographs, the class being the photo).
Embeddings are cached under --cache (default /tmp/labeldesk-bench-input-size).

    python benchmarks/bench_input_size.py                    # ~4 min on 2 cores, first run
    python benchmarks/bench_input_size.py --images 1500 --seeds 3 --sets fmnist,digits
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as bench_flag_count: BLAS threads fight over 2 cores

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import embedded_sets  # noqa: E402
from bench_flag_count import plant_noise, project_probs  # noqa: E402
from bench_label_quality import precision_at_errors  # noqa: E402
from embedded_sets import EmbeddedSet  # noqa: E402

from labeldesk.ml.backbones import Backbone  # noqa: E402
from labeldesk.quality import label_quality_scores  # noqa: E402

SIZES = (224, 112)
PATTERNS = ("uniform", "pairs")
RATE = 0.10
CACHE = Path("/tmp/labeldesk-bench-input-size")
THROUGHPUT_IMAGES = 256


# ---- image sets (uint8 arrays, gray or RGB, with class indices) ------------------------


def _fmnist(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from make_sample import CLASS_NAMES, load_fashion_mnist

    try:
        images, labels = load_fashion_mnist("train")
    except (FileNotFoundError, OSError):
        truth = embedded_sets.sample_truth()
        rels = sorted(truth)
        images = np.stack(
            [
                np.asarray(Image.open(embedded_sets.SAMPLE / "fashion" / r).convert("L"))
                for r in rels
            ]
        )
        labels = np.array([CLASS_NAMES.index(truth[r]) for r in rels])
        print(f"fmnist: dataset not installed, using the sample's {len(rels)} images")
    rows = np.sort(rng.choice(len(images), min(n, len(images)), replace=False))
    return images[rows], labels[rows], list(CLASS_NAMES)


def _digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    rows = np.sort(rng.choice(len(digits.target), min(n, len(digits.target)), replace=False))
    images = np.stack(
        [
            np.asarray(  # dark ink on white at 32 px, as embedded_sets writes them
                Image.fromarray((255 - img * 255 / 16).astype(np.uint8)).resize(
                    (32, 32), Image.Resampling.BILINEAR
                )
            )
            for img in digits.images[rows]
        ]
    )
    return images, digits.target[rows], [f"digit{d}" for d in range(10)]


def _patches(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    names = list(embedded_sets.PATCH_PHOTOS)
    side_px = embedded_sets.PATCH_SIDE
    per = max(1, n // len(names))
    images, labels = [], []
    for c, name in enumerate(names):
        arr = embedded_sets.photo(name)
        h, w = arr.shape[:2]
        for _ in range(per):
            side = int(rng.integers(side_px, min(h, w) // 2))
            y, x = int(rng.integers(0, h - side)), int(rng.integers(0, w - side))
            crop = Image.fromarray(arr[y : y + side, x : x + side])
            images.append(np.asarray(crop.resize((side_px, side_px), Image.Resampling.BILINEAR)))
            labels.append(c)
    return np.stack(images), np.array(labels), names


LOADERS = {"fmnist": _fmnist, "digits": _digits, "patches": _patches}


# ---- embedding ------------------------------------------------------------------------


def _net() -> tuple[Backbone, Any]:
    import torch

    from labeldesk.ml.backbones import load_backbone

    torch.set_num_threads(os.cpu_count() or 1)  # OMP_NUM_THREADS=1 above is for BLAS only
    backbone = load_backbone()
    net = backbone.model.to("cpu", memory_format=torch.channels_last).eval()
    return backbone, net


def _pixels(images: np.ndarray, size: int) -> np.ndarray:
    """(N, size, size, 3) uint8: square, one bilinear resize, gray resized before RGB."""
    return np.stack(
        [
            np.asarray(
                Image.fromarray(img)
                .resize((size, size), Image.Resampling.BILINEAR, reducing_gap=None)
                .convert("RGB")
            )
            for img in images
        ]
    )


def embed(
    images: np.ndarray, size: int, model: tuple[Backbone, Any], batch: int = 32
) -> tuple[np.ndarray, float]:
    """L2-normalised vectors of ``images`` at ``size`` px; (vectors, images per second)."""
    import torch

    from labeldesk.ml.preprocess import to_tensor

    backbone, net = model
    pre = replace(backbone.identity.preprocess, size=size)
    out = np.empty((len(images), backbone.dim), dtype=np.float32)
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            chunk = _pixels(images[start : start + batch], size)
            feats = net(to_tensor(chunk, pre, "cpu"))
            out[start : start + len(chunk)] = torch.nn.functional.normalize(feats.float()).numpy()
    return out, len(images) / (time.perf_counter() - started)


def load_sets(names: list[str], n: int, cache: Path) -> dict[str, dict[int, EmbeddedSet]]:
    """Each set embedded at every size (cached under ``cache``)."""
    model: tuple[Backbone, Any] | None = None
    out: dict[str, dict[int, EmbeddedSet]] = {}
    for name in names:
        images, labels, classes = LOADERS[name](n, np.random.default_rng(20261201))
        print(f"{name}: {len(images)} images, {len(classes)} classes, {images.shape[1]} px")
        out[name] = {}
        for size in SIZES:
            path = cache / f"{name}-{len(images)}-{size}.npy"
            if path.exists():
                vectors = np.load(path)
            else:
                model = model or _net()
                vectors, rate = embed(images, size, model)
                cache.mkdir(parents=True, exist_ok=True)
                np.save(path, vectors)
                print(f"  embedded at {size} px ({rate:.0f} img/s, cached in {path})")
            out[name][size] = EmbeddedSet(
                name,
                vectors,
                labels,
                classes,
                np.ones(len(labels), dtype=bool),
                ["train"] * len(labels),
                [f"{i}" for i in range(len(labels))],
            )
    return out


def throughput(name: str, n: int) -> dict[int, float]:
    """Images per second at each size on the same images of ``name``, sizes alternating,
    best of two passes (the 2 cores are shared)."""
    model = _net()
    pool = LOADERS[name](n, np.random.default_rng(20261201))[0][:THROUGHPUT_IMAGES]
    embed(pool[:32], SIZES[0], model)  # warm-up
    best = dict.fromkeys(SIZES, 0.0)
    for _ in range(2):
        for size in SIZES:
            best[size] = max(best[size], embed(pool, size, model)[1])
    print(
        f"\nthroughput, {len(pool)} {name} images in memory, batch 32, PyTorch eager, "
        f"{os.cpu_count()} threads:"
    )
    return best


# ---- quality --------------------------------------------------------------------------


def quality(
    sets: dict[int, EmbeddedSet], pattern: str, seed: int
) -> dict[int, tuple[float, float]]:
    """(AUROC, precision at #errors) per size, on the same planted noise."""
    rng = np.random.default_rng(1000 + seed)
    given = plant_noise(sets[SIZES[0]], pattern, RATE, rng)  # look-alikes from 224 px
    errors = given != sets[SIZES[0]].truth
    out = {}
    for size, s in sets.items():
        scores = label_quality_scores(given, project_probs(s, given, seed))
        out[size] = (float(roc_auc_score(errors, -scores)), precision_at_errors(scores, errors))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default=",".join(LOADERS), help="comma-separated sets")
    parser.add_argument("--images", type=int, default=1500, help="images per set (at most)")
    parser.add_argument("--seeds", type=int, default=3, help="noise and fold seeds")
    parser.add_argument("--cache", type=Path, default=CACHE, help="embedding cache folder")
    args = parser.parse_args(argv)
    names = [s for s in args.sets.split(",") if s]
    unknown = [s for s in names if s not in LOADERS]
    if unknown:
        parser.error(f"unknown set(s) {unknown}; choose from {list(LOADERS)}")
    sets = load_sets(names, args.images, args.cache)
    rates = throughput(names[0], args.images)
    for size in SIZES:
        print(f"  {size} px: {rates[size]:.1f} img/s ({rates[size] / rates[SIZES[0]]:.2f}x)")
    a, b = SIZES
    print(
        f"\nlabel-error scores, {RATE:.0%} noise, mean of {args.seeds} seeds (min over seeds);"
        f" d = {b} px - {a} px, paired by seed"
    )
    head = f"{'set':<10}{'pattern':<9}{'n':>6}"
    head += "".join(f"{'AUROC ' + str(s):>16}" for s in SIZES)
    head += "".join(f"{'P@E ' + str(s):>16}" for s in SIZES)
    print(head + f"{'dAUROC':>9}{'dP@E':>8}{'dP@E seeds':>22}")
    worst = {s: [1.0, 1.0] for s in SIZES}
    worst_delta = [0.0, 0.0]
    for name in names:
        for pattern in PATTERNS:
            runs = [quality(sets[name], pattern, seed) for seed in range(args.seeds)]
            row = f"{name:<10}{pattern:<9}{len(sets[name][a].truth):>6}"
            cells = {}
            for m in (0, 1):
                for size in SIZES:
                    vals = np.array([r[size][m] for r in runs])
                    cells[size, m] = vals.mean()
                    worst[size][m] = min(worst[size][m], float(vals.mean()))
                    row += f"{vals.mean():>9.4f} ({vals.min():.3f})"[-16:].rjust(16)
            d = (cells[b, 0] - cells[a, 0], cells[b, 1] - cells[a, 1])
            worst_delta = [min(worst_delta[0], d[0]), min(worst_delta[1], d[1])]
            seeds = " ".join(f"{r[b][1] - r[a][1]:+.3f}" for r in runs)
            print(row + f"{d[0]:>+9.4f}{d[1]:>+8.3f}  {seeds}")
    print("\nworst case over the suite (mean of seeds):")
    for size in SIZES:
        print(f"  {size} px: AUROC {worst[size][0]:.4f}, precision at #errors {worst[size][1]:.3f}")
    print(f"  largest loss {b} vs {a} px: AUROC {worst_delta[0]:+.4f}, P@E {worst_delta[1]:+.3f}")


if __name__ == "__main__":
    main()
