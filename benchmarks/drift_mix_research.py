"""Drift research, session 39: a *moderately* changed fifth of a folder (20 of 100 images
darker, paler, blurred, or from another class mix) is missed by the report on
Fashion-MNIST. Not the product: on the same runs it records the report's five p-values
(:func:`labeldesk.ml.drift_verdict.compare_vectors`, the current code, the baseline) and
candidate tests', then scores rules (a verdict = any test of the rule below
``ALPHA / len(rule)``, Bonferroni, as the report does) by their worst case over the sets.

Candidates (each exact under no shift: the new rows and a held-out half of the reference
are scored by the same function of data neither side contributed to):

- ``clus{K}`` (K = 5, 10; at most one centre per 40 anchors): a binned two-sample test.
  K-means (K centres) on the *anchor* half of the reference (the half the residual
  tests use, nothing else); the other half and the new rows are counted per nearest
  centre, and the 2 x K table's G statistic gets a permutation p-value (labels shuffled
  over the pooled rows). A fifth from another class mix moves counts between the
  centres, which the averaging tests dilute.
- ``acat``: the report's five p-values combined by the Cauchy combination test (Liu &
  Xie, JASA 2020: valid under arbitrary dependence in the tail), instead of their
  minimum at a fifth of the level. Scored alone, at ``ALPHA``.
- ``pixc2``, ``pixout``, ``pixmmd``: tests on simple pixel statistics of the images
  (grey mean, spread, 1st/99th percentiles, mean gradient, gradient over spread,
  saturation), standardised on the anchors: the classifier test and MMD of
  :mod:`labeldesk.ml.drift_tests` on them, and the outlier share of the kNN distance to
  the anchors (new rows vs the held-out half). Only for sets with image files (not the
  CIFAR-10 probabilities).

Runs per set (``--cache``: embedded_sets; ``--work``: the changed images, written and
embedded by bench_drift_shifts.py's code, reused):

- ``part <shift>``: bench_drift_shifts.py's "a fifth changed" folders (its pool of 300,
  seeds 1000 + r, reference a random 90 % of the rest);
- ``whole <shift>``: the same folders with every image changed;
- ``null N``: same-distribution folders of N images (reference a random half of the set,
  the folder from the other half);
- ``mix1`` / ``mix3``: 80 images from the other half plus 20 of one class (a third of
  the classes) drawn from it: another class mix in a fifth;
- ``newclass``: bench_drift.py's folders of 200 with a held-out class at 10 %.

Held out (no choice made on them): ``mnist5k`` (embedded_sets.py; every run), and
``cifar10`` (the label-error fixtures' out-of-fold CIFAR-10 probabilities,
square-rooted: unit vectors, 10-d; 4,000 images drawn at
random): null, mix and newclass runs only (no image files).

    python benchmarks/drift_mix_research.py --sets digits --out /tmp/mix-digits.json
    python benchmarks/drift_mix_research.py --score /tmp/mix-*.json    # rules, medians
    python benchmarks/drift_mix_research.py --pixel-controls --sets fmnist,mnist5k,patches
    python benchmarks/drift_mix_research.py --sets fmnist --repeats 8 --whole-repeats 2 \
        --null-repeats 15 --pixel-side 64 --replay /tmp/h6/runs/fmnist.json --out F.json

``--replay RUNS.json`` (with the arguments that made RUNS.json): the same runs in the same
order, the report's stored p-values kept, only the pixel tests computed again (at
``--pixel-side``; 0: each image's own size), the changed images made in memory from the
sources (the same pixels as the PNGs written to ``--work``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # a shared 2-core machine: one BLAS thread

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import embedded_sets  # noqa: E402
from bench_drift import NEW_CLASSES, Source  # noqa: E402
from bench_drift_shifts import PART, SHIFTS, write_and_embed  # noqa: E402

from labeldesk.ml import drift_tests as tests  # noqa: E402
from labeldesk.ml.drift_verdict import ALPHA, compare_vectors  # noqa: E402

# As the report (drift_tests.PERMUTATIONS). Not the other benchmarks' 200: with 201
# relabelings a test at 5 %/6 passes only p = 1/201, half its level (at 5 %/5: 2/201).
PERMUTATIONS = 500
PART_SHIFTS = (
    "darker x0.4", "darker x0.7", "contrast x0.4", "contrast x0.7", "brighter x1.3", "blur 2%",
)  # fmt: skip
REPORT = ("c2", "mmd", "out95", "rc2", "rmmd")
CIFAR = Path("/work/shared/benchmarks/label-errors/cifar10n-aggre_pred_probs.npy")
CIFAR_TRUTH = Path("/work/shared/benchmarks/label-errors/cifar10n-aggre_true_labels.npy")
RULES: dict[str, tuple[str, ...]] = {
    "report (5 tests)": REPORT,
    "report + clus10": (*REPORT, "clus10"),
    "report + clus5": (*REPORT, "clus5"),
    "acat of the report's 5": ("acat",),
    "report + pixc2": (*REPORT, "pixc2"),
    "report + pixout": (*REPORT, "pixout"),
    "report + pixmmd": (*REPORT, "pixmmd"),
    "report + pixc2 + pixout": (*REPORT, "pixc2", "pixout"),
    "report + clus10 + pixc2": (*REPORT, "clus10", "pixc2"),
}


def cauchy_combination(p_values: list[float]) -> float:
    """Liu & Xie's ACAT p-value of equally weighted p-values."""
    clipped = [min(max(p, 1e-15), 1 - 1e-15) for p in p_values]
    t = float(np.mean([math.tan((0.5 - p) * math.pi) for p in clipped]))
    return 0.5 - math.atan(t) / math.pi


def cluster_test(anchors: np.ndarray, held: np.ndarray, new: np.ndarray, k: int, seed: int):
    """G-test of homogeneity of held-out reference vs new counts over K-means centres fit on
    ``anchors`` only; permutation p-value."""
    import faiss

    k = max(2, min(k, len(anchors) // 40))  # faiss wants 39 points a centre
    km = faiss.Kmeans(anchors.shape[1], k, niter=20, seed=seed + 1, spherical=True)
    km.train(np.ascontiguousarray(anchors, dtype=np.float32))
    rows = np.ascontiguousarray(np.concatenate([held, new]), dtype=np.float32)
    cell = km.index.search(rows, 1)[1][:, 0]
    is_new = np.r_[np.zeros(len(held), bool), np.ones(len(new), bool)]
    rng = np.random.default_rng(seed + 2)
    labels = np.empty((PERMUTATIONS + 1, len(rows)), bool)
    labels[0] = is_new
    for b in range(1, PERMUTATIONS + 1):
        labels[b] = is_new[rng.permutation(len(rows))]
    onehot = np.eye(k)[cell]  # (rows, k)
    new_counts = labels.astype(np.float64) @ onehot  # (perms, k)
    total = onehot.sum(axis=0)
    ref_counts = total - new_counts
    n_new, n_ref = len(new), len(held)
    stat = np.zeros(PERMUTATIONS + 1)
    for counts, n in ((new_counts, n_new), (ref_counts, n_ref)):
        expected = total * n / len(rows)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(counts > 0, counts * np.log(counts / expected), 0.0)
        stat += term.sum(axis=1)
    return float((1 + np.sum(stat[1:] >= stat[0] - 1e-12)) / (PERMUTATIONS + 1))


def pixel_features(path: Path | Image.Image, side: int = 0) -> np.ndarray:
    """The 7 statistics of one image (at ``side`` x ``side`` pixels when ``side``)."""
    with path if isinstance(path, Image.Image) else Image.open(path) as im:
        im = im.convert("RGB")
        if side:
            im = im.resize((side, side), Image.Resampling.BILINEAR)
        rgb = np.asarray(im, dtype=np.float64) / 255.0
    grey = rgb.mean(axis=2)
    spread = grey.std()
    grad = (np.abs(np.diff(grey, axis=0)).mean() + np.abs(np.diff(grey, axis=1)).mean()) / 2
    saturation = (rgb.max(axis=2) - rgb.min(axis=2)).mean()
    lo, hi = np.percentile(grey, [1, 99])
    return np.array([grey.mean(), spread, lo, hi, grad, grad / (spread + 1e-3), saturation])


PIXEL_COLUMNS: list[int] = list(range(7))  # --pixel-columns: the statistics tested


def pixel_tests(anchors: np.ndarray, held: np.ndarray, new: np.ndarray, seed: int) -> dict:
    anchors, held, new = (x[:, PIXEL_COLUMNS] for x in (anchors, held, new))
    centre = anchors.mean(axis=0)
    scale = anchors.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    a, h, n = ((x - centre) / scale for x in (anchors, held, new))
    c2 = tests.c2st(h, n, permutations=PERMUTATIONS, seed=seed).p_value
    mmd = tests.mmd_test(h, n, permutations=PERMUTATIONS, seed=seed).p_value
    import faiss

    index = faiss.IndexFlatL2(a.shape[1])
    index.add(np.ascontiguousarray(a, dtype=np.float32))
    dist = [
        index.search(np.ascontiguousarray(x, dtype=np.float32), 5)[0].mean(axis=1) for x in (h, n)
    ]
    out = tests.outlier_share_test(dist[1], dist[0], 0.95)[1]
    return {"pixc2": c2, "pixmmd": mmd, "pixout": out}


def run_all(
    reference: np.ndarray,
    new: np.ndarray,
    seed: int,
    ref_pix: np.ndarray | None = None,
    new_pix: np.ndarray | None = None,
) -> dict[str, float]:
    found = compare_vectors(reference, new, permutations=PERMUTATIONS, seed=seed)
    p = {
        "c2": found.p_value, "mmd": found.mmd_p_value, "out95": found.outlier_p_value,
        "rc2": found.residual_p_value, "rmmd": found.residual_mmd_p_value,
    }  # fmt: skip
    p["acat"] = cauchy_combination([p[t] for t in REPORT])
    order = np.random.default_rng(seed).permutation(len(reference))  # compare_vectors' shuffle
    half = len(order) // 2
    anchors, held = reference[order[:half]], reference[order[half:]]
    for k in (5, 10):
        p[f"clus{k}"] = cluster_test(anchors, held, new, k, seed)
    if ref_pix is not None and new_pix is not None:
        p.update(pixel_tests(ref_pix[order[:half]], ref_pix[order[half:]], new_pix, seed))
    return p


class Pixels:
    """Pixel statistics per image file (at ``side`` x ``side`` when ``side``), in memory."""

    def __init__(self, side: int = 0) -> None:
        self.cache: dict[Path, np.ndarray] = {}
        self.side = side

    def __call__(self, paths: list[Path]) -> np.ndarray:
        for p in paths:
            if p not in self.cache:
                self.cache[p] = pixel_features(p, self.side)
        return np.stack([self.cache[p] for p in paths])


class Replay:
    """Stands in for :func:`run_all` with ``--replay``: the stored runs' p-values in order,
    the pixel tests computed again."""

    def __init__(self, stored: list[dict]) -> None:
        self.stored = stored
        self.at = 0

    def __call__(self, reference, new, seed, ref_pix=None, new_pix=None) -> dict[str, float]:
        p = dict(self.stored[self.at]["p"])
        self.at += 1
        if ref_pix is not None and new_pix is not None:
            order = np.random.default_rng(seed).permutation(len(reference))
            half = len(order) // 2
            p.update(pixel_tests(ref_pix[order[:half]], ref_pix[order[half:]], new_pix, seed))
        return p


def shift_runs(name: str, args: argparse.Namespace, runs: list[dict], pix: Pixels) -> None:
    data = embedded_sets.load(name, args.cache)
    work = args.work / name
    project_dir = work / f"{name}.labeldesk"
    if not project_dir.exists() and not args.replay:
        import shutil

        work.mkdir(parents=True, exist_ok=True)
        shutil.copytree(args.cache / f"{name}.labeldesk", project_dir)
    rng = np.random.default_rng(7)
    pool = rng.choice(len(data.vectors), min(300, len(data.vectors) // 3), replace=False)
    rest = np.setdiff1d(np.arange(len(data.vectors)), pool)
    reference, clean = data.vectors[rest], data.vectors[pool]
    images = args.cache / f"{name}-images"
    ref_pix = pix([images / data.paths[i] for i in rest])
    clean_pix = pix([images / data.paths[i] for i in pool])
    rels = [data.paths[i] for i in pool]
    sources = [images / rel for rel in rels]
    for shift in args.shifts:
        change, suffix = SHIFTS[shift]
        folder = work / shift.replace(" ", "_").replace("/", "-").replace("%", "pc")
        if args.replay:
            changed = np.zeros((len(rels), clean.shape[1]))  # vectors: p-values stored
            changed_pix = np.stack([_changed_features(src, change, pix.side) for src in sources])
        else:
            changed = write_and_embed(project_dir, folder, sources, rels, change, suffix)
            changed_pix = pix([folder / Path(rel).with_suffix(".png") for rel in rels])
        for r in range(args.repeats):
            rng = np.random.default_rng(1000 + r)
            ref_rows = rng.choice(len(reference), int(0.9 * len(reference)), replace=False)
            size = min(100, len(changed))
            rows = rng.choice(len(changed), size, replace=False)
            if r < args.whole_repeats:
                p = run_all(
                    reference[ref_rows], changed[rows], r, ref_pix[ref_rows], changed_pix[rows]
                )
                runs.append({"set": name, "kind": "whole", "cell": shift, "p": p})
            k = round(PART * size)
            order = rng.permutation(len(changed))
            mixed = np.concatenate([changed[order[:k]], clean[order[k:size]]])
            mixed_pix = np.concatenate([changed_pix[order[:k]], clean_pix[order[k:size]]])
            p = run_all(reference[ref_rows], mixed, r, ref_pix[ref_rows], mixed_pix)
            runs.append({"set": name, "kind": "part", "cell": shift, "p": p})
        print(f"  {name} {shift}: {time.perf_counter() - args.started:.0f} s", flush=True)


def _changed_features(source: Path, change, side: int) -> np.ndarray:
    with Image.open(source) as im:
        im.load()
        return pixel_features(change(im), side)


def cifar_set(n: int = 4000) -> embedded_sets.EmbeddedSet:
    probs = np.load(CIFAR)
    truth = np.load(CIFAR_TRUTH)
    rows = np.random.default_rng(39).choice(len(probs), n, replace=False)
    vectors = np.sqrt(np.clip(probs[rows], 0, None)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    classes = [str(c) for c in range(10)]
    paths = [f"{truth[i]}/{i}" for i in rows]
    return embedded_sets.EmbeddedSet(
        "cifar10", vectors, truth[rows], classes, np.ones(n, bool), ["train"] * n, paths
    )


def vector_runs(name: str, args: argparse.Namespace, runs: list[dict], pix: Pixels) -> None:
    """Null folders, a fifth from another class mix, a new class at 10 % of 200."""
    data = cifar_set() if name == "cifar10" else embedded_sets.load(name, args.cache)
    images = args.cache / f"{name}-images"
    has_pix = name != "cifar10" and not args.no_pixels
    all_pix = pix([images / p for p in data.paths]) if has_pix else None
    classes = np.unique(data.truth)
    for r in range(args.null_repeats):
        rng = np.random.default_rng(3000 + r)
        rows = rng.permutation(len(data.vectors))
        ref_rows, pool = rows[: len(rows) // 2], rows[len(rows) // 2 :]
        cells: list[tuple[str, str, np.ndarray]] = []
        for size in args.null_sizes:
            if size <= len(pool):
                cells.append(("null", f"{size}", rng.choice(pool, size, replace=False)))
        if r < args.repeats:
            picked = rng.permutation(classes)
            for label, chosen in (("mix1", picked[:1]), ("mix3", picked[: len(classes) // 3])):
                few = pool[np.isin(data.truth[pool], chosen)]
                k = min(20, len(few))
                part = rng.choice(few, k, replace=False)
                rest = rng.choice(np.setdiff1d(pool, part), 100 - k, replace=False)
                cells.append(("part", label, np.r_[part, rest]))
        for kind, cell, chosen in cells:
            p = run_all(
                data.vectors[ref_rows],
                data.vectors[chosen],
                r,
                None if all_pix is None else all_pix[ref_rows],
                None if all_pix is None else all_pix[chosen],
            )
            runs.append({"set": name, "kind": kind, "cell": cell, "p": p})
        if r % 5 == 4:
            print(f"  {name} null/mix {r + 1}: {time.perf_counter() - args.started:.0f} s",
                  flush=True)  # fmt: skip
    n_new = NEW_CLASSES.get(name, 2)
    for seed in range(args.repeats):
        ids = np.arange(len(data.vectors))[:, None]  # Source's draws, as row numbers
        source = Source(ids, data.truth, n_new, seed)
        made = source.folder(200, 0.1)
        if made is None:
            break
        ref_rows, new_rows = source.reference[:, 0], made[0][:, 0]
        p = run_all(
            data.vectors[ref_rows],
            data.vectors[new_rows],
            seed,
            None if all_pix is None else all_pix[ref_rows],
            None if all_pix is None else all_pix[new_rows],
        )
        runs.append({"set": name, "kind": "newclass", "cell": "200 @0.1", "p": p})


def score(runs: list[dict], rules: dict[str, tuple[str, ...]]) -> None:
    sets = sorted({r["set"] for r in runs})
    cells = sorted({(r["kind"], r["cell"]) for r in runs})

    def found(r: dict, rule: tuple[str, ...]) -> bool:
        ps = [r["p"][t] for t in rule if t in r["p"]]
        level = ALPHA / len(rule)
        return bool(ps) and min(ps) < level

    for label, rule in rules.items():
        print(f"\n{label}  (each test at {ALPHA / len(rule):.4f})")
        nulls = [r for r in runs if r["kind"] == "null"]
        parts = []
        for name in sets:
            mine = [r for r in nulls if r["set"] == name and all(t in r["p"] for t in rule)]
            if mine:
                alarms = sum(found(r, rule) for r in mine)
                parts.append(f"{name} {alarms}/{len(mine)}")
        usable = [r for r in nulls if all(t in r["p"] for t in rule)]
        alarms = sum(found(r, rule) for r in usable)
        if usable:
            parts.append(f"all {alarms}/{len(usable)} ({alarms / len(usable):.1%})")
        print("  false alarms: " + ", ".join(parts))
        for kind, cell in cells:
            if kind == "null":
                continue
            row = []
            for name in sets:
                mine = [
                    r for r in runs
                    if (r["set"], r["kind"], r["cell"]) == (name, kind, cell)
                    and all(t in r["p"] for t in rule)
                ]  # fmt: skip
                row.append(f"{name} {sum(found(r, rule) for r in mine)}/{len(mine)}"
                           if mine else f"{name} -")  # fmt: skip
            print(f"  {kind:<8} {cell:<14} " + ", ".join(row))


def medians(runs: list[dict]) -> None:
    """Median p-value of every test per cell and set (what carries the signal)."""
    names = sorted({t for r in runs for t in r["p"]})
    print("\nmedian p-values: " + " ".join(names))
    for key in sorted({(r["set"], r["kind"], r["cell"]) for r in runs}):
        mine = [r for r in runs if (r["set"], r["kind"], r["cell"]) == key]
        meds = [np.median([r["p"][t] for r in mine if t in r["p"]] or [np.nan]) for t in names]
        print(f"  {' '.join(key):<30} " + " ".join(f"{m:.3f}" for m in meds))


def pixel_controls(name: str, args: argparse.Namespace) -> None:
    """The pixel MMD on changes the model hardly sees: the same images at twice their size,
    or re-saved as JPEG q90 (would a test on pixels call them a shift?), and on the
    changed fifth; statistics at each image's own size and at 64 x 64."""
    import io

    data = embedded_sets.load(name, args.cache)
    images = args.cache / f"{name}-images"
    rng = np.random.default_rng(7)
    pool = rng.choice(len(data.vectors), min(300, len(data.vectors) // 3), replace=False)
    rest = np.setdiff1d(np.arange(len(data.vectors)), pool)

    def jpeg(im: Image.Image) -> Image.Image:
        buf = io.BytesIO()
        im.convert("RGB").save(buf, format="JPEG", quality=90)
        return Image.open(io.BytesIO(buf.getvalue()))

    changes = {
        "clean": lambda im: im,
        "twice the size": lambda im: im.resize((im.width * 2, im.height * 2)),  # bicubic
        "twice, bilinear": lambda im: im.resize(
            (im.width * 2, im.height * 2), Image.Resampling.BILINEAR
        ),
        "twice, nearest": lambda im: im.resize(
            (im.width * 2, im.height * 2), Image.Resampling.NEAREST
        ),
        "jpeg q90": jpeg,
        "darker x0.7": SHIFTS["darker x0.7"][0],
        "contrast x0.7": SHIFTS["contrast x0.7"][0],
    }
    for side in [args.pixel_side] if args.pixel_side else (0, 64):
        ref = np.stack([pixel_features(images / data.paths[i], side) for i in rest])
        for label, change in changes.items():
            feats = []
            for i in pool:
                with Image.open(images / data.paths[i]) as im:
                    im.load()
                    feats.append(pixel_features(change(im), side))
            changed = np.stack(feats)
            clean = np.stack([pixel_features(images / data.paths[i], side) for i in pool])
            whole, part = 0, 0
            for r in range(args.repeats):
                rng = np.random.default_rng(1000 + r)
                ref_rows = rng.choice(len(rest), int(0.9 * len(rest)), replace=False)
                rows = rng.choice(len(pool), 100, replace=False)
                order = np.random.default_rng(r).permutation(len(rest[ref_rows]))
                half = len(order) // 2
                a, h = ref[ref_rows][order[:half]], ref[ref_rows][order[half:]]
                whole += pixel_tests(a, h, changed[rows], r)["pixmmd"] < ALPHA / 6
                k = round(PART * 100)
                mixed = np.concatenate([changed[rows[:k]], clean[rows[k:]]])
                part += pixel_tests(a, h, mixed, r)["pixmmd"] < ALPHA / 6
            n = args.repeats
            print(f"  {name} side {side or 'own'} {label:<16} pixel MMD below 5 %/6: "
                  f"whole {whole}/{n}, a fifth {part}/{n}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/ld-drift-shifts"))
    parser.add_argument("--sets", default="fmnist,digits,patches")
    parser.add_argument("--shifts", default=",".join(PART_SHIFTS))
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--whole-repeats", type=int, default=3)
    parser.add_argument("--null-repeats", type=int, default=20)
    parser.add_argument("--null-sizes", default="50,100,200,500")
    parser.add_argument("--no-pixels", action="store_true")
    parser.add_argument("--vectors-only", action="store_true", help="no image-shift runs")
    parser.add_argument("--pixel-controls", action="store_true", help="pixel MMD controls only")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--pixel-side", type=int, default=0, help="0: each image's own size")
    parser.add_argument("--replay", type=Path, help="stored runs: recompute pixel tests only")
    parser.add_argument(
        "--pixel-columns", default="0,1,2,3,4,5,6",
        help="statistics tested (0 grey mean, 1 spread, 2/3 1st/99th percentile, 4 mean "
        "gradient, 5 gradient over spread, 6 saturation); the shelved candidate: 0,1,2,3,6",
    )  # fmt: skip
    parser.add_argument("--score", type=Path, nargs="*")
    args = parser.parse_args()
    PIXEL_COLUMNS[:] = [int(c) for c in args.pixel_columns.split(",")]
    if args.score:
        saved = [run for path in args.score for run in json.loads(path.read_text())]
        score(saved, RULES)
        medians(saved)
        return
    if args.pixel_controls:
        for name in args.sets.split(","):
            pixel_controls(name, args)
        return
    args.shifts = [s for s in args.shifts.split(",") if s]
    args.null_sizes = [int(s) for s in args.null_sizes.split(",") if s]
    args.started = time.perf_counter()
    runs: list[dict] = []
    pix = Pixels(args.pixel_side)
    if args.replay:
        global run_all
        replay = Replay(json.loads(args.replay.read_text()))
        run_all = replay  # type: ignore[assignment]
    for name in args.sets.split(","):
        if name != "cifar10" and not args.vectors_only:
            shift_runs(name, args, runs, pix)
            if args.out:
                args.out.write_text(json.dumps(runs))
        vector_runs(name, args, runs, pix)
        if args.out:
            args.out.write_text(json.dumps(runs))
    if args.replay:
        stored = replay.stored
        assert len(runs) == len(stored), (len(runs), len(stored))
        keys = [(r["set"], r["kind"], r["cell"]) for r in runs]
        assert keys == [(r["set"], r["kind"], r["cell"]) for r in stored], "runs differ"
    score(runs, RULES)
    print(f"\n(total {time.perf_counter() - args.started:.0f} s)")


if __name__ == "__main__":
    main()
