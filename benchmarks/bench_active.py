"""Active-learning benchmark: accuracy per label budget for each query strategy vs random.

Fashion-MNIST (Debian's dataset-fashion-mnist): a pool of train images and a held-out set
of test images are embedded once with LabelDesk's default backbone (in-process, no
project) and cached under /tmp/labeldesk-bench/. Then, from zero labels, each strategy
asks for batches of 25; an oracle labels them with the truth; after each batch a logistic
regression on the labeled embeddings is scored on the held-out set.

    python benchmarks/bench_active.py                       # 4000 pool, 2000 test, 3 seeds
    python benchmarks/bench_active.py --imbalanced           # one class kept at 2% of the pool
    python benchmarks/bench_active.py --embed-only           # just build the cache

Results (2 shared CPU cores, 3 seeds; every strategy starts with typiclust since there is
no probe at zero labels): on the balanced pool, test accuracy at 50/100/200/400 labels is
0.666/0.760/0.803/0.829 for random and 0.752/0.799/0.825/0.849 for auto (= typiclust for
the first batch, then margin_clusters); auto reaches random's 400-label accuracy at 225
labels (margin alone at 200, typiclust alone at 275; switching at 5 or 10 labels per
class: 275 / 250). With trousers kept at 2% of the pool, auto asks for 19 of them in
400 labels (random 9, auto without its rare-class share 7); with shirts (a confusable
class) at 2%, uncertainty finds them anyway (24 with or without the share, random 6).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sample_data"))

CACHE = Path("/tmp/labeldesk-bench")
SAMPLE_SEED = 20240601


def embed_images(images: np.ndarray, batch_size: int = 16) -> np.ndarray:
    """28x28 grey -> RGB 224x224 (as preprocess.prepare does for a file) -> L2-normalised."""
    import torch

    from labeldesk.ml.backbones import load_backbone
    from labeldesk.ml.preprocess import to_tensor

    backbone = load_backbone()
    pre = backbone.identity.preprocess
    net = backbone.model.to("cpu", memory_format=torch.channels_last).eval()
    out = np.empty((len(images), backbone.dim), dtype=np.float32)
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            pixels = np.stack(
                [
                    np.asarray(
                        Image.fromarray(img)
                        .convert("RGB")
                        .resize((pre.size, pre.size), Image.Resampling.BILINEAR, reducing_gap=None)
                    )
                    for img in chunk
                ]
            )
            feats = net(to_tensor(pixels, pre, "cpu"))
            feats = torch.nn.functional.normalize(feats.float(), dim=1)
            out[start : start + len(chunk)] = feats.numpy()
            if (start // batch_size) % 50 == 0:
                done = start + len(chunk)
                rate = done / (time.perf_counter() - started)
                print(f"  embedded {done}/{len(images)} ({rate:.0f} img/s)", file=sys.stderr)
    return out


def cached_embeddings(split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings and labels of a fixed random subset of one split, computed once."""
    from make_sample import load_fashion_mnist

    images, labels = load_fashion_mnist(split)
    idx = np.sort(np.random.default_rng(SAMPLE_SEED).choice(len(images), n, replace=False))
    path = CACHE / f"fmnist-emb-{split}-{n}-{SAMPLE_SEED}.npy"
    if path.exists():
        emb = np.load(path)
    else:
        print(f"embedding {n} {split} images (cached in {path})", file=sys.stderr)
        emb = embed_images(images[idx])
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, emb)
    return emb, labels[idx]


def simulate(
    strategy: str,
    pool: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    seed: int,
    batch: int,
    budget: int,
    rare_share: float | None = None,
) -> tuple[list[float], list[int]]:
    """One run from zero labels: test accuracy after each batch, and the true classes of
    the queried items in the order they were asked for."""
    from labeldesk.ml.active import fit_probe, query
    from labeldesk.ml.strategies import QueryContext

    (px, py), (tx, ty) = pool, test
    n_classes = int(max(py.max(), ty.max()) + 1)
    both = np.concatenate([px, tx])
    labels = np.full(len(px), -1, np.int64)
    accuracy: list[float] = []
    asked: list[int] = []
    while (labels >= 0).sum() < budget:
        probs = fit_probe(both, np.concatenate([labels, np.full(len(tx), -1)]), n_classes=n_classes)
        ctx = QueryContext(
            embeddings=px,
            labeled_mask=labels >= 0,
            candidate_mask=labels < 0,
            labels=labels,
            n_classes=n_classes,
            pred_probs=None if probs is None else probs[: len(px)],
            seed=seed,
        )
        if rare_share is not None:
            ctx = replace(ctx, rare_share=rare_share)
        picked = query(ctx, batch, strategy).indices
        labels[picked] = py[picked]  # the oracle
        asked += py[picked].tolist()
        probs = fit_probe(both, np.concatenate([labels, np.full(len(tx), -1)]), n_classes=n_classes)
        acc = 0.0 if probs is None else float((probs[len(px) :].argmax(1) == ty).mean())
        accuracy.append(acc)
    return accuracy, asked


def imbalance(
    x: np.ndarray, y: np.ndarray, rare: int, share: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Keep only enough of class ``rare`` for it to be ``share`` of the pool."""
    idx = np.flatnonzero(y == rare)
    others = int((y != rare).sum())
    keep_rare = round(share * others / (1 - share))
    drop = np.random.default_rng(seed).choice(idx, len(idx) - keep_rare, replace=False)
    keep = np.setdiff1d(np.arange(len(y)), drop)
    return x[keep], y[keep]


def tune_probe(pool: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> None:
    """Accuracy of fit_probe per C at a few random label budgets, and its time at 10k."""
    import labeldesk.ml.active as active

    (px, py), (tx, ty) = pool, test
    both = np.concatenate([px, tx])
    print("C       " + "".join(f"{m:>14}" for m in (50, 100, 400)))
    for c in (0.005, 0.01, 0.05, 0.1, 0.5, 1.0):
        row = []
        for m in (50, 100, 400):
            accs = []
            for seed in range(3):
                labels = np.full(len(both), -1)
                pick = np.random.default_rng(seed).choice(len(px), m, replace=False)
                labels[pick] = py[pick]
                probs = active.fit_probe(both, labels, n_classes=10, C=c)
                assert probs is not None
                accs.append((probs[len(px) :].argmax(1) == ty).mean())
            row.append(f"{np.mean(accs):.3f}±{np.std(accs):.3f}")
        print(f"{c:<8}" + "".join(f"{r:>14}" for r in row))
    rng = np.random.default_rng(0)
    big = np.concatenate([px, tx, px + 0.01 * rng.normal(size=px.shape).astype(np.float32)])
    big = big[:10_000] / np.linalg.norm(big[:10_000], axis=1, keepdims=True)
    labels = np.concatenate([py, ty, py])[:10_000]
    started = time.perf_counter()
    active.fit_probe(big, labels, n_classes=10)
    print(
        f"fit_probe on 10,000 x {big.shape[1]} all labeled: {time.perf_counter() - started:.1f} s"
    )


def table(results: dict[str, list[list[float]]], batch: int, marks: list[int]) -> None:
    head = f"{'strategy':<20}" + "".join(f"{m:>16}" for m in marks)
    print(head)
    print("-" * len(head))
    for name, runs in results.items():
        acc = np.asarray(runs)  # (seeds, rounds)
        cells = [acc[:, m // batch - 1] for m in marks]
        print(f"{name:<20}" + "".join(f"{c.mean():>10.3f} ±{c.std():.3f}" for c in cells))


def labels_to_reach(curve: np.ndarray, target: float, batch: int) -> str:
    hit = np.flatnonzero(curve >= target)
    return f"{(hit[0] + 1) * batch}" if len(hit) else f"> {len(curve) * batch}"


def main(argv: list[str] | None = None) -> None:
    from labeldesk.ml.strategies import auto

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=4000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument(
        "--strategies",
        default="random,least_confidence,margin,entropy,margin_clusters,typiclust,auto",
    )
    parser.add_argument(
        "--switch",
        default="",
        help="also run auto with these labels-per-class thresholds, e.g. 2,5,10",
    )
    parser.add_argument("--imbalanced", action="store_true", help="one class at 2%% of the pool")
    parser.add_argument("--rare-class", default="shirt")
    parser.add_argument(
        "--rare-share", type=float, default=None, help="override QueryContext.rare_share"
    )
    parser.add_argument("--embed-only", action="store_true")
    parser.add_argument("--tune-probe", action="store_true")
    args = parser.parse_args(argv)
    from make_sample import CLASS_NAMES

    from labeldesk.ml.strategies import STRATEGIES

    for name in args.strategies.split(","):
        if name not in STRATEGIES:  # fail before embedding, with the known names
            parser.error(f"unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}")

    pool = cached_embeddings("train", args.pool)
    test = cached_embeddings("test", args.test)
    if args.embed_only:
        return
    if args.tune_probe:
        tune_probe(pool, test)
        return
    rare = CLASS_NAMES.index(args.rare_class)
    if args.imbalanced:
        pool = imbalance(*pool, rare=rare, share=0.02, seed=SAMPLE_SEED)
    kind = f"class {args.rare_class} at 2%" if args.imbalanced else "balanced"
    print(
        f"Fashion-MNIST, pool {len(pool[1])} ({kind}), "
        f"test {len(test[1])}, batches of {args.batch} to {args.budget}, {args.seeds} seeds"
        + ("" if args.rare_share is None else f", rare_share={args.rare_share}")
    )
    runs: list[tuple[str, str, float | None]] = [(s, s, None) for s in args.strategies.split(",")]
    runs += [(f"auto@{t}", "auto", float(t)) for t in args.switch.split(",") if t]
    default_switch = auto.SWITCH_LABELS_PER_CLASS
    results: dict[str, list[list[float]]] = {}
    rare_found: dict[str, list[list[int]]] = {}
    for label, strategy, switch in runs:
        auto.SWITCH_LABELS_PER_CLASS = default_switch if switch is None else switch
        started = time.perf_counter()
        for seed in range(args.seeds):
            acc, asked = simulate(
                strategy, pool, test, seed, args.batch, args.budget, args.rare_share
            )
            results.setdefault(label, []).append(acc)
            rare_found.setdefault(label, []).append(asked)
        seconds = (time.perf_counter() - started) / args.seeds
        print(f"  {label}: {seconds:.0f} s per run", file=sys.stderr, flush=True)
    auto.SWITCH_LABELS_PER_CLASS = default_switch
    marks = [m for m in (50, 100, 200, 400) if m <= args.budget]
    print("\nTest accuracy (logistic regression on labeled embeddings), mean ± std over seeds")
    table(results, args.batch, marks)
    if "random" in results:
        target = float(np.mean(np.asarray(results["random"])[:, -1]))
        print(f"\nLabels needed to reach random's {args.budget}-label accuracy ({target:.3f}):")
        for name, runs_ in results.items():
            curve = np.asarray(runs_).mean(axis=0)
            print(f"  {name:<20}{labels_to_reach(curve, target, args.batch)}")
    if args.imbalanced:
        print(f"\nItems of the rare class {args.rare_class!r} found, mean over seeds, by budget:")
        print(f"{'strategy':<20}" + "".join(f"{m:>8}" for m in marks))
        for name, per_seed in rare_found.items():
            asked_ = np.asarray(per_seed) == rare  # (seeds, budget)
            print(f"{name:<20}" + "".join(f"{asked_[:, :m].sum(1).mean():>8.1f}" for m in marks))
        share = (pool[1] == rare).mean()
        print(f"{'expected by chance':<20}" + "".join(f"{share * m:>8.1f}" for m in marks))


if __name__ == "__main__":
    main()
