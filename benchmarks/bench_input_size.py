"""Input size on small native images: what does a smaller input cost label-error detection?

Small native images (28 px Fashion-MNIST, 8 px scikit-learn digits shown at 32 px, 64 px
photo crops) carry little detail a 224-px input could use, and a smaller input is much less
model work. This benchmark decides on quality, not speed: each set is embedded with the
default backbone at every size of --sizes (the first is the baseline; pixels prepared as
labeldesk/ml/preprocess.py prepares a file: one bilinear resize of the whole square, gray
resized before RGB), gets label noise planted in memory (10 % uniform flips, 10 % flips to
each class's look-alike, the look-alike and the flipped images fixed by the seed and shared
by all sizes), then the project's predictions (probe out of fold on shuffled stratified
folds + kNN vote, as benchmarks/bench_flag_count.py computes them) and label-quality scores
(default method).

Per set, pattern and size, mean over seeds (noise and folds): the score's AUROC and the
precision among the E lowest scores (E = true number of errors); then the worst case of
each size over the suite and its difference from the baseline. Throughput of every size is
measured in the same run on the same images (decode-free: arrays in memory; model + resize).

Result (5 seeds, 2 shared cores): 160 px is 2.5x and 112 px 4.8x faster than 224 px; every
smaller size gains on digits (P@E up to +0.05) and is equal on photo crops, but loses on
Fashion-MNIST (160 px: P@E -0.031 uniform, -0.021 look-alike; 112 px: -0.027/-0.051), so
224 px stays the default and a smaller size is the user's choice (`embed --input-size`).

Test-time flip does not buy the loss back (``--sizes 224,224f,160f,128f,112f,112 --seeds
5``; a size with ``f`` embeds each image and its mirror image and takes the normalised
mean of the two unit vectors). PyTorch eager in the same run: 224f 0.52x, 160f 1.39x, 128f
2.11x, 112f 3.42x, 112 6.65x the 224-px throughput. Largest loss against 224 px over the
suite, AUROC / P@E: 224f -0.0000 / -0.003 (it gains +0.004 P@E on Fashion-MNIST
look-alikes and +0.027 on digits look-alikes), 160f -0.0050 / -0.037, 128f -0.0107 /
-0.032, 112f -0.0099 / -0.049, 112 -0.0122 / -0.051, every one of them on Fashion-MNIST;
112f is no better than 112 there (uniform P@E 0.807 both, look-alikes 0.629 / 0.628
against 0.679 at 224 px). Digits gain at every smaller size with or without the flip.

Sets: ``fmnist`` (Fashion-MNIST train, Debian's dataset-fashion-mnist; falls back to the
bundled sample's 400 labeled PNGs when it is not installed), ``digits`` (scikit-learn),
``patches`` (64 px crops of scikit-image's photographs, the class being the photo).
Embeddings are cached under --cache (default /tmp/labeldesk-bench-input-size).

    python benchmarks/bench_input_size.py --sizes 224,192,160,128,112 --seeds 5   # ~30 min
    python benchmarks/bench_input_size.py --images 1500 --seeds 3 --sets fmnist,digits
    python benchmarks/bench_input_size.py --sizes 224,224f,160f,128f,112f,112 --seeds 5
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
from typing import Any, NamedTuple  # noqa: E402

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

SIZES = ("224", "160", "112")  # the first is the baseline; "112f": with test-time flip
PATTERNS = ("uniform", "pairs")
RATE = 0.10
CACHE = Path("/tmp/labeldesk-bench-input-size")
THROUGHPUT_IMAGES = 256


class View(NamedTuple):
    size: int
    flip: bool

    def __str__(self) -> str:
        return f"{self.size}{'f' if self.flip else ''}"


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


def parse_view(text: str) -> View:
    """``"112"`` is 112 px; ``"112f"`` is 112 px with test-time flip (mean of the image's
    and its mirror image's unit vectors, normalised again)."""
    flip = text.endswith("f")
    return View(int(text[:-1] if flip else text), flip)


def embed(
    images: np.ndarray, view: View | int, model: tuple[Backbone, Any], batch: int = 32
) -> tuple[np.ndarray, float]:
    """L2-normalised vectors of ``images`` at ``view``; (vectors, images per second)."""
    import torch

    from labeldesk.ml.preprocess import to_tensor

    if isinstance(view, int):
        view = View(view, False)
    backbone, net = model
    pre = replace(backbone.identity.preprocess, size=view.size)
    out = np.empty((len(images), backbone.dim), dtype=np.float32)
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            x = to_tensor(_pixels(images[start : start + batch], view.size), pre, "cpu")
            feats = torch.nn.functional.normalize(net(x).float())
            if view.flip:
                mirror = torch.nn.functional.normalize(net(x.flip(-1)).float())
                feats = torch.nn.functional.normalize(feats + mirror)
            out[start : start + len(x)] = feats.numpy()
    return out, len(images) / (time.perf_counter() - started)


def load_sets(
    names: list[str], n: int, cache: Path, sizes: tuple[str, ...] = SIZES
) -> dict[str, dict[str, EmbeddedSet]]:
    """Each set embedded at every view (cached under ``cache``)."""
    model: tuple[Backbone, Any] | None = None
    out: dict[str, dict[str, EmbeddedSet]] = {}
    for name in names:
        images, labels, classes = LOADERS[name](n, np.random.default_rng(20261201))
        print(f"{name}: {len(images)} images, {len(classes)} classes, {images.shape[1]} px")
        out[name] = {}
        for size in sizes:
            path = cache / f"{name}-{len(images)}-{size}.npy"
            if path.exists():
                vectors = np.load(path)
            else:
                model = model or _net()
                vectors, rate = embed(images, parse_view(size), model)
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


def throughput(name: str, n: int, sizes: tuple[str, ...] = SIZES) -> dict[str, float]:
    """Images per second at each size on the same images of ``name``, sizes alternating,
    best of two passes (the 2 cores are shared)."""
    model = _net()
    pool = LOADERS[name](n, np.random.default_rng(20261201))[0][:THROUGHPUT_IMAGES]
    embed(pool[:32], parse_view(sizes[0]), model)  # warm-up
    best = dict.fromkeys(sizes, 0.0)
    for _ in range(2):
        for size in sizes:
            best[size] = max(best[size], embed(pool, parse_view(size), model)[1])
    print(
        f"\nthroughput, {len(pool)} {name} images in memory, batch 32, PyTorch eager, "
        f"{os.cpu_count()} threads:"
    )
    return best


# ---- quality --------------------------------------------------------------------------


def quality(
    sets: dict[str, EmbeddedSet], pattern: str, seed: int
) -> dict[str, tuple[float, float]]:
    """(AUROC, precision at #errors) per size, on the same planted noise."""
    rng = np.random.default_rng(1000 + seed)
    base = next(iter(sets.values()))  # the baseline size: look-alikes from its vectors
    given = plant_noise(base, pattern, RATE, rng)
    errors = given != base.truth
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
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="input sizes, baseline first"
    )
    parser.add_argument("--cache", type=Path, default=CACHE, help="embedding cache folder")
    args = parser.parse_args(argv)
    names = [s for s in args.sets.split(",") if s]
    unknown = [s for s in names if s not in LOADERS]
    if unknown:
        parser.error(f"unknown set(s) {unknown}; choose from {list(LOADERS)}")
    sizes = tuple(str(parse_view(x)) for x in args.sizes.split(",") if x)
    sets = load_sets(names, args.images, args.cache, sizes)
    rates = throughput(names[0], args.images, sizes)
    for size in sizes:
        print(f"  {size} px: {rates[size]:.1f} img/s ({rates[size] / rates[sizes[0]]:.2f}x)")
    a, others = sizes[0], sizes[1:]
    print(
        f"\nlabel-error scores, {RATE:.0%} noise, mean of {args.seeds} seeds (min over seeds);"
        f" d = size - {a} px, paired by seed"
    )
    head = f"{'set':<10}{'pattern':<9}{'n':>6}"
    head += "".join(f"{'AUROC ' + str(s):>16}" for s in sizes)
    head += "".join(f"{'P@E ' + str(s):>16}" for s in sizes)
    head += "".join(f"{'dAUROC ' + str(b):>12}{'dP@E ' + str(b):>10}" for b in others)
    print(head)
    worst = {s: [1.0, 1.0] for s in sizes}
    worst_delta = {b: [0.0, 0.0] for b in others}
    for name in names:
        for pattern in PATTERNS:
            runs = [quality(sets[name], pattern, seed) for seed in range(args.seeds)]
            row = f"{name:<10}{pattern:<9}{len(sets[name][a].truth):>6}"
            cells = {}
            for m in (0, 1):
                for size in sizes:
                    vals = np.array([r[size][m] for r in runs])
                    cells[size, m] = vals.mean()
                    worst[size][m] = min(worst[size][m], float(vals.mean()))
                    row += f"{vals.mean():>9.4f} ({vals.min():.3f})"[-16:].rjust(16)
            for b in others:
                d = (cells[b, 0] - cells[a, 0], cells[b, 1] - cells[a, 1])
                worst_delta[b] = [min(worst_delta[b][0], d[0]), min(worst_delta[b][1], d[1])]
                row += f"{d[0]:>+12.4f}{d[1]:>+10.3f}"
            print(row)
    print("\nworst case over the suite (mean of seeds):")
    for size in sizes:
        print(f"  {size} px: AUROC {worst[size][0]:.4f}, precision at #errors {worst[size][1]:.3f}")
    for b in others:
        print(
            f"  largest loss {b} vs {a} px: AUROC {worst_delta[b][0]:+.4f},"
            f" P@E {worst_delta[b][1]:+.3f}"
        )


if __name__ == "__main__":
    main()
