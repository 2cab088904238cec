"""Part (b) of bench_label_quality.py: planted label errors in real images, end to end.

Run it through bench_label_quality.py (which documents the method).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sample_data"))

from make_sample import CLASS_NAMES, load_fashion_mnist

from labeldesk.core.project import open_project
from labeldesk.ml.issues import COUNT_METHOD
from labeldesk.ml.predictions import KNN_K, KNN_WEIGHT, knn_votes, training_mask
from labeldesk.ml.probe import probe_probabilities
from labeldesk.ml.search import knn_graph
from labeldesk.ml.store import project_vectors
from labeldesk.quality import find_label_issues, label_quality_scores

NOISE_SEED = 20261122
# Look-alike classes a tired annotator mixes up (indices into CLASS_NAMES).
CONFUSABLE = {
    0: [6, 2],
    6: [0, 2, 4],
    2: [4, 6],
    4: [2, 3],
    3: [4, 0],
    5: [7],
    7: [5, 9],
    9: [7],
    1: [3],
    8: [0],
}
DATA = Path(tempfile.gettempdir()) / "labeldesk-bench"


def make_noisy_folder(n: int, noise: float) -> tuple[Path, dict[str, str]]:
    """n train images (balanced), a fixed share relabeled; returns folder and {path: true}."""
    folder = DATA / f"fmnist-noisy-{n}-{noise:g}"
    truth_file = folder.parent / f"{folder.name}.truth.json"
    if truth_file.exists():
        return folder, json.loads(truth_file.read_text())
    images, labels = load_fashion_mnist("train")
    rng = np.random.default_rng(NOISE_SEED)
    per_class = n // len(CLASS_NAMES)
    chosen = np.concatenate(
        [
            rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
            for c in range(len(CLASS_NAMES))
        ]
    )
    given = labels[chosen].copy()
    flip = rng.choice(len(chosen), round(noise * len(chosen)), replace=False)
    for i in flip:
        options = (
            CONFUSABLE[int(given[i])]
            if rng.random() < 0.8
            else [c for c in range(len(CLASS_NAMES)) if c != given[i]]
        )
        given[i] = rng.choice(options)
    truth = {}
    for idx, g in zip(chosen, given, strict=True):
        rel = f"train/{CLASS_NAMES[g]}/fmnist-{idx:05d}.png"
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[idx]).save(path)
        truth[rel] = CLASS_NAMES[labels[idx]]
    truth_file.write_text(json.dumps(truth))
    return folder, truth


def cli(*args: str) -> object:
    out = subprocess.run(
        [sys.executable, "-m", "labeldesk", *args, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def metrics(
    scores: np.ndarray, flags: np.ndarray, errors: np.ndarray
) -> tuple[float, float, float]:
    k = int(errors.sum())
    precision_at = errors[np.argsort(scores, kind="stable")[:k]].mean()
    tp = (flags & errors).sum()
    f1 = 2 * tp / (flags.sum() + errors.sum()) if flags.sum() + errors.sum() else 0.0
    return roc_auc_score(errors, -scores), float(precision_at), float(f1)


def baseline(x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """5-fold logistic regression (sklearn defaults) on the raw embeddings."""
    probs = np.zeros((len(y), len(CLASS_NAMES)))
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    for fit, held in folds.split(x, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LogisticRegression(max_iter=1000).fit(x[fit], y[fit])
        probs[np.ix_(held, model.classes_)] = model.predict_proba(x[held])
    return probs


def run_images(n: int, noise: float, seeds: int) -> None:
    print(
        f"\nPart (b): Fashion-MNIST, {n} train images, {noise:.0%} labels flipped "
        f"(noise seed {NOISE_SEED})"
    )
    folder, truth = make_noisy_folder(n, noise)
    project_dir = folder.parent / f"{folder.name}.labeldesk"
    if not project_dir.exists():
        cli("new", str(project_dir), "--images", str(folder))
    embed = cli("embed", str(project_dir))
    print(f"  embed: {embed['embedded']} new vectors ({embed['images_per_s']} img/s)")
    issues = cli("issues", str(project_dir), "--all")
    paths = [r["path"] for r in issues]
    errors = np.array([r["label"] != truth[p] for r, p in zip(issues, paths, strict=True)])
    cli_scores = np.array([r["score"] for r in issues])
    cli_flags = np.array([r["flagged"] for r in issues])
    print(
        f"  {int(errors.sum())} planted errors; `labeldesk issues` (fold seed 0): "
        "AUROC {:.4f}  P@#err {:.3f}  F1 {:.3f}".format(*metrics(cli_scores, cli_flags, errors))
    )

    with open_project(project_dir) as project:
        vectors = project_vectors(project)
        classes = project.classes()
    y = np.array([classes.index(lab) for lab in vectors.labels])
    err = np.array([lab != truth[p] for lab, p in zip(vectors.labels, vectors.paths, strict=True)])
    mask = training_mask(y, vectors.splits, [None] * len(y))
    sims, nbrs = knn_graph(vectors.vectors, KNN_K)
    votes, evidence = knn_votes(sims, nbrs, y, mask, len(classes))
    weight = KNN_WEIGHT * evidence[:, None]
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for seed in range(seeds):
        ours = probe_probabilities(vectors.vectors, y, mask, len(classes), seed=seed).probs
        base = baseline(vectors.vectors, y, seed)
        mixed = (1 - weight) * ours + weight * votes  # what `labeldesk issues` uses
        for name, probs in (
            ("labeldesk (probe + kNN vote), CL score/count", mixed),
            ("  ablation: probe alone", ours),
        ):
            flags = find_label_issues(y, probs, count_method=COUNT_METHOD)  # as the project
            rows.setdefault(name, []).append(metrics(label_quality_scores(y, probs), flags, err))
        self_conf = base[np.arange(len(y)), y]
        rows.setdefault("baseline: 5-fold LR, self-confidence", []).append(
            metrics(self_conf, base.argmax(axis=1) != y, err)
        )
    print(f"  mean ± std over {seeds} fold seeds:")
    print(f"  {'method':<42} {'AUROC':>15} {'P@#errors':>15} {'flag F1':>15}")
    for name, values in rows.items():
        arr = np.array(values)
        cells = "".join(
            f"  {m:.4f} ± {s:.4f}" for m, s in zip(arr.mean(0), arr.std(0), strict=True)
        )
        print(f"  {name:<42}{cells}")
