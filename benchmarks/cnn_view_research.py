"""(Research) Does a small CNN trained from scratch on the pixels, out of fold, find more
label errors when mixed into the predictions?

The pixel view (labeldesk/ml/pixel_view.py) is a linear probe on fixed descriptors (DCT
and gradient histograms). A network that learns its own filters from the project's
labels is the next step up, still CPU-sized: four 3x3 convolutions (width w, 2w, 4w, 8w,
batch norm, max pooling), global average pooling and a linear layer, on each image at
32 x 32 RGB, trained with AdamW and a one-cycle schedule, label smoothing 0.1 and random
shifts of up to 2 pixels (no mirroring: digits and text are not mirror-symmetric), in 5
shuffled stratified folds, never seeing the label it predicts.

Per bench_label_suite run (its sets, noise and seeds), against the shipped default
(``pixels``) in the same run:

- ``cnn``: the CNN alone, trained on the given labels minus the default's suspects
  (labeldesk.ml.predictions.suspects: confident learning's prune, as the cleaning round);
- ``mix``: default and CNN mixed at the share that gives the given labels the lowest
  out-of-fold log loss (pixel_view.blend_weight, as the pixel view is mixed);
- ``mix.5``: mixed half and half;
- ``mix.kept``: mixed at the share chosen on the labels the cleaning kept (the default's
  suspects left out of the judging as they are of the CNN's training);
- ``truth`` / ``truth+cnn``: the default and the mix fit on the TRUE labels (the ceiling
  no cleaning can pass; the CNN too is trained on the true labels there).

Printed per run and per group (mean over seeds): AUROC / precision at the number of
errors, flagged / true errors with the project's count, and accuracy against the truth.

Session 32 (``fmnist 2 --width 24 --epochs 15``, 2 seeds, 2 shared CPU cores; each run
trains 10 CNNs, 50-170 s). Accuracy against the truth, over the 14 runs: the CNN trained on
the noisy labels 0.846-0.880 (the default 0.852-0.904); trained on the true labels and
mixed in, 0.884-0.907 (the default fit on them 0.872-0.894). Its own flags are worse than
the default's in every group
(worst AUROC / P@E 0.9505 / 0.631 against 0.9608 / 0.664). Worst group over uniform 10 %,
look-alike 5/10/20 % and imbalanced 5/10/20 %: ``mix`` 0.9608 / 0.672 (the stacked share
came out 0-0.15 on the look-alike and imbalanced groups), ``mix.5`` 0.9610 / 0.680 (lost
on uniform 10 % and look-alike 5 %: 0.9895 / 0.852 against 0.9907 / 0.870, 0.733 against
0.757 P@E), ``mix.kept`` 0.9610 / 0.664. Fit on the true labels: 0.9694 / 0.730 without
the CNN, 0.9710 / 0.738 with it (imbalanced 5 %). A few thousandths at about a minute of
two cores per 3,000 images (100,000 images: over half an hour, at every refresh of the
predictions), and even on the true labels under 0.80 precision at #errors: not shipped.

    python benchmarks/cnn_view_research.py fmnist 2 --width 24 --epochs 15
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from sklearn.model_selection import StratifiedKFold
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_label_suite as suite

from labeldesk.ml.pixel_view import blend_weight
from labeldesk.ml.predictions import suspects

SIDE = 32
GROUPS = "uniform:0.1,pairs:0.05,pairs:0.1,pairs:0.2,imbalanced:0.05,imbalanced:0.1,imbalanced:0.2"


def load_pixels(root: Path, paths: list[str]) -> np.ndarray:
    """Each image at SIDE x SIDE RGB, standardised per channel over the set."""
    out = np.zeros((len(paths), 3, SIDE, SIDE), np.float32)
    for i, p in enumerate(paths):
        with Image.open(root / p) as im:
            small = im.convert("RGB").resize((SIDE, SIDE), Image.Resampling.BILINEAR)
            out[i] = np.asarray(small, np.float32).transpose(2, 0, 1) / 255.0
    mean = out.mean(axis=(0, 2, 3), keepdims=True)
    return (out - mean) / (out.std(axis=(0, 2, 3), keepdims=True) + 1e-6)


class SmallNet(nn.Module):
    def __init__(self, n_classes: int, width: int) -> None:
        super().__init__()

        def conv(i: int, o: int) -> nn.Module:
            return nn.Sequential(
                nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)
            )

        w = width
        self.features = nn.Sequential(
            conv(3, w), nn.MaxPool2d(2), conv(w, 2 * w), nn.MaxPool2d(2),
            conv(2 * w, 4 * w), nn.MaxPool2d(2), conv(4 * w, 8 * w),
        )  # fmt: skip
        self.head = nn.Linear(8 * w, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def shifted(x: torch.Tensor, pad: int = 2) -> torch.Tensor:
    """Each image moved by up to ``pad`` pixels in each direction (edges replicated)."""
    n, c, h, w = x.shape
    padded = F.pad(x, (pad,) * 4, mode="replicate")
    dx = torch.randint(0, 2 * pad + 1, (n,))
    dy = torch.randint(0, 2 * pad + 1, (n,))
    ys = (dy[:, None] + torch.arange(h)[None])[:, None, :, None]
    xs = (dx[:, None] + torch.arange(w)[None])[:, None, None, :]
    return padded[
        torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None], ys, xs
    ]


def train_predict(
    x: np.ndarray, y: np.ndarray, held: np.ndarray, n_classes: int, seed: int, width: int,
    epochs: int, batch: int = 64, lr: float = 3e-3,
) -> np.ndarray:  # fmt: skip
    torch.manual_seed(seed)
    net = SmallNet(n_classes, width)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=5e-4)
    steps = epochs * int(np.ceil(len(x) / batch))
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y).long()
    order = torch.Generator().manual_seed(seed)
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=order)
        for start in range(0, len(x), batch):
            b = perm[start : start + batch]
            if len(b) < 2:  # batch norm needs two
                continue
            loss = F.cross_entropy(net(shifted(xs[b])), ys[b], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    net.eval()
    with torch.inference_mode():
        chunks = [torch.from_numpy(held[s : s + 512]) for s in range(0, len(held), 512)]
        parts = [F.softmax(net(chunk), 1) for chunk in chunks]
    return torch.cat(parts).numpy().astype(np.float64)


def cnn_oof(
    x: np.ndarray, labels: np.ndarray, trainable: np.ndarray, n_classes: int, seed: int,
    width: int, epochs: int, fit_mask: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """Out-of-fold CNN probabilities of the trainable labeled rows (5 shuffled stratified
    folds; ``fit_mask`` narrows what the CNNs learn from); the prior elsewhere."""
    fit_rows = np.flatnonzero(trainable & (labels >= 0))
    y = labels[fit_rows]
    learn = np.ones(len(fit_rows), bool) if fit_mask is None else fit_mask[fit_rows]
    probs = np.full((len(x), n_classes), 1.0 / n_classes)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    for k, (fit, held) in enumerate(folds.split(np.zeros(len(y)), y)):
        fit = fit[learn[fit]]
        probs[fit_rows[held]] = train_predict(
            x[fit_rows[fit]], y[fit], x[fit_rows[held]], n_classes, seed * 10 + k, width, epochs
        )
    return probs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("set", help="a bench_label_suite set: fmnist, fmnist-500, digits, ...")
    parser.add_argument("seeds", type=int)
    parser.add_argument("--groups", default=GROUPS, help="pattern:rate,...")
    parser.add_argument("--width", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/labeldesk-bench-suite/cnn"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    name, stem = args.set, args.set.removesuffix(f"-{suite.SUBSET}")
    suite.PROBS_CACHE = Path("/tmp/labeldesk-bench-suite/probs")
    base = suite.load(name, args.cache)
    suite.pixel_views(stem, args.cache)
    suite._track_subsets()
    root = args.cache / f"{stem}-images"
    if stem == "sample":
        root = suite.embedded_sets.SAMPLE / "fashion"
    pixels = load_pixels(root, base.paths)
    default, truth = (
        suite.probs_with(1, gated=True, pixels=True),
        suite.trained_on_truth(pixels=True),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    groups = set(args.groups.split(","))
    results: dict[tuple[str, float], list[dict]] = defaultdict(list)
    for seed in range(args.seeds):
        for run in suite.runs_for(name, base, seed):
            if f"{run.pattern}:{run.rate}" not in groups:
                continue
            started = time.perf_counter()
            s, labels = run.source, run.labels
            x = pixels[suite.set_rows(s)]
            trainable = (labels >= 0) & (np.array(s.splits) == "train")
            p_default = suite.cached_probs("pixels", default, run)
            p_truth = suite.cached_probs("truth", truth, run)
            tag = f"{name}{seed}{args.width}{args.epochs}".encode()
            saved = args.out / f"{hashlib.sha1(labels.tobytes() + tag).hexdigest()[:12]}.npz"
            learn = trainable & ~suspects(labels, p_default, trainable)
            if saved.exists():
                with np.load(saved) as z:
                    p_cnn, p_cnn_truth = z["pc"], z["pct"]
            else:
                n = len(s.classes)
                p_cnn = cnn_oof(x, labels, trainable, n, seed, args.width, args.epochs, learn)
                true_given = np.where(labels >= 0, run.truth, labels)
                p_cnn_truth = cnn_oof(x, true_given, trainable, n, seed, args.width, args.epochs)
                np.savez(saved, pc=p_cnn, pct=p_cnn_truth)
            w = blend_weight(p_default, p_cnn, labels, trainable)
            wc = blend_weight(p_default, p_cnn, labels, learn)  # judged on the kept labels
            wt = blend_weight(p_truth, p_cnn_truth, labels, trainable)
            rows = np.flatnonzero(s.labeled)
            errors = (labels != run.truth)[rows]
            measured = {}
            for method, p in (
                ("default", p_default), ("cnn", p_cnn), ("mix", (1 - w) * p_default + w * p_cnn),
                ("mix.5", (p_default + p_cnn) / 2), ("mix.kept", (1 - wc) * p_default + wc * p_cnn),
                ("truth", p_truth),
                ("truth+cnn", (1 - wt) * p_truth + wt * p_cnn_truth),
            ):  # fmt: skip
                m = suite.measure(labels[rows], p[rows], errors)
                accuracy = float((p.argmax(1) == run.truth)[rows].mean())
                f_e = m[f"F:{suite.COUNT}"] / max(m["E"], 1)
                measured[method] = (m["AUROC"], m["P@E"], f_e, accuracy)
            results[(run.pattern, run.rate)].append(measured)
            cells = " | ".join(
                f"{k} {a:.4f}/{p:.3f} F/E {fe:.2f} acc {acc:.3f}"
                for k, (a, p, fe, acc) in measured.items()
            )
            took = time.perf_counter() - started
            shares = f"w={w:.2f} wc={wc:.2f} wt={wt:.2f}"
            print(f"{run.pattern} {run.rate} s{seed} {shares} {took:.0f}s {cells}")
    print("\nmean over seeds, AUROC / P@E:")
    for (pattern, rate), ms in results.items():
        cells = " | ".join(
            f"{k} {np.mean([m[k][0] for m in ms]):.4f}/{np.mean([m[k][1] for m in ms]):.3f}"
            for k in ms[0]
        )
        print(f"  {pattern} {rate:.0%}: {cells}")
    print("\nworst group, AUROC / P@E:")
    for k in next(iter(results.values()))[0]:
        auroc = min(np.mean([m[k][0] for m in ms]) for ms in results.values())
        pe = min(np.mean([m[k][1] for m in ms]) for ms in results.values())
        print(f"  {k:<10}{auroc:.4f} / {pe:.3f}")


if __name__ == "__main__":
    main()
