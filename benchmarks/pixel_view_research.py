"""(Research) Which pixel view, mixed into the predictions, finds label errors best?

How labeldesk/ml/pixel_view.py was chosen, before it shipped. On bench_label_suite's runs
(its sets, noise and seeds; the noisy runs only), the project's previous default
predictions (``probs_with(1, gated=True)``) are mixed with a probe on the images' own
pixels, computed here from the set's image files: at a fixed share of the pixels (0, 0.2,
0.35, 0.5, 1) and at the share chosen by the out-of-fold log loss on the given labels
(``w=-1``, what shipped). Per group: AUROC, precision at the number of errors, accuracy
against the true labels; then each share's worst group.

Views (environment variables): ``VIEW=pca`` (the pixels at SIDE x SIDE, RGB, their top DIM
principal components) or ``VIEW=dct`` (luma LK x LK and colour differences CK x CK lowest
DCT frequencies of SIDE x SIDE); ``NYS=n GAMMA=g``: an RBF kernel map (Nystroem) of the
DCT view; ``PIXKNN=0``: the pixel probe alone, else with its own kNN vote (``PIXCLEAN=1``:
and its own round of cleaning).

Fashion-MNIST / digits worst group AUROC, 2 seeds, against 0.9475 / 0.9598 unmixed:
PCA 24 px 128 dims 0.9575 / 0.9948 (16 px 0.9558, 28 px 0.9581, 64 or 256 dims within
0.0003); DCT 32 px with its kNN vote and cleaning, LK 12 CK 4 0.9576 / 0.9975 (LK 8:
0.9555, LK 6: 0.9542); the probe alone 0.9551 / 0.9879; with an RBF map (NYS 512 GAMMA 1,
NYS 1024 GAMMA 2) 0.9515-0.9533 / 0.9839-0.9895. The photo crops (held out) chose a share
of 0-0.05 and did not move; on the 500-image set and the sample (PCA 24 px) AUROC rose
by 0.003 / 0.015 but P@E fell by 0.015 / 0.062, so the mix waits for the same 40 labels
per class as cleaning.

    VIEW=dct SIDE=32 LK=12 CK=4 PIXCLEAN=1 python benchmarks/pixel_view_research.py fmnist,digits 2
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import embedded_sets  # noqa: E402
from bench_label_suite import measure, probs_with, runs_for  # noqa: E402
from suite_views import ROW_IDS, set_rows  # noqa: E402

from labeldesk.ml.predictions import KNN_K, out_of_sample_probs, reduced_features  # noqa: E402
from labeldesk.ml.probe import probe_probabilities  # noqa: E402
from labeldesk.ml.search import knn_graph  # noqa: E402

CACHE = Path("/tmp/fc/cache")
SIDE = int(os.environ.get("SIDE", "24"))
DIM = int(os.environ.get("DIM", "128"))
SHARES = (0.0, 0.2, 0.35, 0.5, 1.0, -1)  # -1: chosen by log loss
GRID = np.linspace(0, 0.6, 13)


def unit(z: np.ndarray) -> np.ndarray:
    z = z - z.mean(0)
    return (z / (np.linalg.norm(z, axis=1, keepdims=True) + 1e-12)).astype(np.float32)


def dct_view(x: np.ndarray) -> np.ndarray:
    from scipy.fft import dctn

    im = x.reshape(len(x), SIDE, SIDE, 3)
    y = im @ np.array([0.299, 0.587, 0.114], np.float32)
    lk, ck = int(os.environ.get("LK", "8")), int(os.environ.get("CK", "4"))
    parts = [dctn(y, axes=(1, 2), norm="ortho")[:, :lk, :lk]]
    for ch in (im[..., 2] - y, im[..., 0] - y):
        parts.append(dctn(ch, axes=(1, 2), norm="ortho")[:, :ck, :ck])
    z = unit(np.hstack([p.reshape(len(x), -1) for p in parts]))
    if nys := int(os.environ.get("NYS", "0")):
        from sklearn.kernel_approximation import Nystroem

        gamma = float(os.environ.get("GAMMA", "1.0"))
        z = unit(Nystroem(gamma=gamma, n_components=nys, random_state=0).fit_transform(z))
    return z


def pixels(name: str, base: embedded_sets.EmbeddedSet) -> np.ndarray:
    root = embedded_sets.SAMPLE / "fashion" if name == "sample" else CACHE / f"{name}-images"
    x = np.stack(
        [
            np.asarray(
                Image.open(root / p).convert("RGB").resize((SIDE, SIDE), Image.Resampling.BOX),
                dtype=np.float32,
            ).ravel()
            / 255
            for p in base.paths
        ]
    )
    if os.environ.get("VIEW") == "dct":
        return dct_view(x)
    x -= x.mean(0)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    return unit(u[:, :DIM] * s[:DIM])


def pixel_probs(view: np.ndarray):
    def probs(s, given, seed):
        vec = view[set_rows(s)]
        trainable = (given >= 0) & (np.array(s.splits) == "train")
        if os.environ.get("PIXKNN", "1") == "0":
            reduced = reduced_features(vec, seed)
            return probe_probabilities(reduced, given, trainable, len(s.classes), seed=seed).probs
        sims, rows = knn_graph(vec, KNN_K)
        rounds = int(os.environ.get("PIXCLEAN", "0"))
        out, _ = out_of_sample_probs(
            vec, given, trainable, len(s.classes), sims, rows, seed=seed, clean_rounds=rounds
        )
        return out

    return probs


def main() -> None:
    sets = sys.argv[1].split(",")
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    default = probs_with(1, gated=True)
    for name in sets:
        base = embedded_sets.load(name.removesuffix("-500"), CACHE)
        index = {p: i for i, p in enumerate(base.paths)}
        pix = pixel_probs(pixels(name.removesuffix("-500"), base))
        res: dict[tuple, list] = {}
        for seed in range(seeds):
            for run in runs_for(name, base, seed):
                if run.rate == 0:
                    continue
                s = run.source
                ROW_IDS[id(s.vectors)] = np.array([index[p] for p in s.paths])
                errors = (run.labels != run.truth) & (run.labels >= 0)
                a, b = default(s, run.labels, seed), pix(s, run.labels, seed)
                k = run.labels >= 0
                given = run.labels[k]
                rows = np.arange(k.sum())
                mixes = [((1 - g) * a + g * b)[k][rows, given] for g in GRID]
                losses = [-np.mean(np.log(np.clip(m, 1e-6, 1))) for m in mixes]
                chosen = float(GRID[int(np.argmin(losses))])
                res.setdefault((run.pattern, run.rate, "chosen"), []).append(chosen)
                for w in SHARES:
                    share = chosen if w < 0 else w
                    p = (1 - share) * a + share * b
                    m = measure(given, p[k], errors[k])
                    acc = float((p.argmax(1) == run.truth)[k].mean())
                    res.setdefault((run.pattern, run.rate, w), []).append(
                        (m["AUROC"], m["P@E"], acc)
                    )
        print(f"== {name} view={os.environ.get('VIEW', 'pca')} side={SIDE} dim={DIM}")
        worst: dict[float, list[float]] = {}
        for (pattern, rate, w), vals in sorted(res.items(), key=str):
            if w == "chosen":
                print(f"{pattern:10s} {rate:.2f} chosen share {np.mean(vals):.2f}")
                continue
            v = np.mean(vals, axis=0)
            print(f"{pattern:10s} {rate:.2f} w={w} AUROC {v[0]:.4f} P@E {v[1]:.3f} acc {v[2]:.3f}")
            low = worst.setdefault(w, [1.0, 1.0])
            low[0], low[1] = min(low[0], v[0]), min(low[1], v[1])
        for w, (auroc, pe) in worst.items():
            print(f"worst w={w}: {auroc:.4f} / {pe:.3f}")


if __name__ == "__main__":
    main()
