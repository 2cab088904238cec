"""Training a classifier head on cached embeddings (seconds), recorded as a model version.

Trains only on the train split (labeled, not excluded), validates on val (or a held-out
part of train), reports test, and saves the head as safetensors + JSON. Cancelling keeps
the last completed epoch.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.db import DB_FILENAME
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.failures import check_writable
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from labeldesk.core.vocab import EXCLUDED

from .cachefiles import describe, stale
from .device import read_only_tensor, resolve_device
from .metrics import classification_report, evaluation_split
from .models import (
    ModelVersion,
    discard_run_folder,
    models_dir,
    new_version_dir,
    record_version,
    write_json,
    write_weights,
)
from .row_labels import row_labels
from .store import project_vectors

if TYPE_CHECKING:
    from labeldesk.core.project import Project


TRAINING_HEAD = "training head"  # the progress message; epoch, loss, accuracy go in data


@dataclass(frozen=True)
class HeadParams:
    epochs: int = 100
    lr: float = 1e-2
    weight_decay: float = 1e-4
    batch_size: int = 256
    hidden: int = 0  # 0: linear head; >0: one hidden layer of this width
    seed: int = 0


def build_head(dim: int, n_classes: int, hidden: int) -> Any:
    import torch

    if hidden:
        return torch.nn.Sequential(
            torch.nn.Linear(dim, hidden),
            torch.nn.GELU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(hidden, n_classes),
        )
    return torch.nn.Linear(dim, n_classes)


def train_head(
    project: Project,
    params: HeadParams = HeadParams(),
    *,
    device: str = "auto",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ModelVersion:
    import torch

    cancel = cancel or CancelToken()
    device = resolve_device(device)
    project.require_writable()  # a project opened read-only
    check_writable(models_dir(project), project.path / DB_FILENAME)  # now, not once trained
    vectors = project_vectors(project)
    # labels, classes, their event id and the files they are about, in one read
    state = row_labels(project, vectors, members=True)
    classes, labels = state.classes, state.labels
    usable = np.array([status != EXCLUDED for status in state.statuses])
    split = evaluation_split(labels, state.splits, usable, params.seed)
    if len(np.unique(labels[split.train])) < 2:
        raise LabelDeskError("training needs labeled train images of at least two classes")
    label_state = state.event_id

    torch.manual_seed(params.seed)
    x = read_only_tensor(vectors.vectors).to(device)
    y = torch.from_numpy(labels).to(device)
    head = build_head(x.shape[1], len(classes), params.hidden).to(device)
    optim = torch.optim.AdamW(head.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    generator = torch.Generator().manual_seed(params.seed)
    train_rows = torch.from_numpy(split.train)
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    status = "complete"
    best_state = None
    for epoch in range(1, params.epochs + 1):
        if cancel.cancelled:
            status = "cancelled"
            break
        head.train()
        order = train_rows[torch.randperm(len(train_rows), generator=generator)]
        total = 0.0
        for start in range(0, len(order), params.batch_size):
            rows = order[start : start + params.batch_size].to(device)
            loss = torch.nn.functional.cross_entropy(head(x[rows]), y[rows])
            optim.zero_grad()
            loss.backward()
            optim.step()
            total += float(loss.detach()) * len(rows)
        entry = {"epoch": epoch, "loss": total / len(order)}
        entry.update(_eval_metrics(head, x, y, split.evaluate, "eval"))
        history.append(entry)
        best_state = {k: v.detach().cpu().clone() for k, v in head.state_dict().items()}
        rate = epoch * len(order) / (time.perf_counter() - started)
        details = {"unit": "epoch", "epochs": params.epochs, **entry, "images_per_s": rate}
        details["evaluated_on"] = split.evaluate_name  # "val", or "holdout": no val split
        progress(Progress(epoch, params.epochs, TRAINING_HEAD, details))
    if best_state is None:
        raise LabelDeskError("cancelled before the first epoch finished: no model was saved")
    head.load_state_dict(best_state)
    metrics = _final_metrics(head, x, labels, split, classes, history)
    meta = {
        "kind": "head",
        "classes": classes,
        "embedding_key": vectors.key,
        "dim": int(x.shape[1]),
        "hidden": params.hidden,
    }
    folder = new_version_dir(project, "head")
    try:
        write_weights(folder / "head.safetensors", best_state)
        write_json(folder / "head.json", meta)
    except BaseException:
        # (a full disk, Ctrl+C): no version uses the folder; what it holds is half a run
        discard_run_folder(folder)
        raise
    return record_version(
        project,
        kind="head",
        status=status,
        label_event_id=label_state,
        embedding_key=vectors.key,
        params={**params.__dict__, "device": device},
        metrics=metrics,
        checkpoint=folder / "head.safetensors",
        classes=classes,  # as the run began: what it learned
        seen=state.members,  # a head sees only images with a vector, as they were then
    )


def _eval_metrics(head: Any, x: Any, y: Any, rows: np.ndarray, name: str) -> dict[str, float]:
    import torch

    if not len(rows):
        return {}
    head.eval()
    with torch.inference_mode():
        idx = torch.from_numpy(rows).to(x.device)
        logits = head(x[idx])
        loss = torch.nn.functional.cross_entropy(logits, y[idx])
        acc = (logits.argmax(1) == y[idx]).float().mean()
    return {f"{name}_loss": float(loss), f"{name}_accuracy": float(acc)}


def _final_metrics(
    head: Any,
    x: Any,
    labels: np.ndarray,
    split: Any,
    classes: list[str],
    history: list[dict[str, float]],
) -> dict[str, Any]:
    import torch

    head.eval()
    with torch.inference_mode():
        predicted = head(x).argmax(1).cpu().numpy()
    out: dict[str, Any] = {
        "history": history,
        "train_images": len(split.train),
        "evaluated_on": split.evaluate_name,
        "eval_warning": split.warning,  # too few images to measure on (metrics.py)
    }
    for name, rows in (("eval", split.evaluate), ("test", split.test)):
        if len(rows):
            out[name] = classification_report(labels[rows], predicted[rows], classes)
    return out


def read_head_meta(checkpoint: Path) -> dict[str, Any] | None:
    """The JSON sidecar of a saved head (classes, dim, hidden), or None when it is
    missing, unreadable or malformed: then the head is not used (a warning says so)."""
    sidecar = checkpoint.with_suffix(".json")
    if not sidecar.exists():
        return None
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        stale(sidecar, describe(exc), UNUSED_HEAD)
        return None
    valid = (
        isinstance(meta, dict)
        and isinstance(meta.get("classes"), list)
        and all(isinstance(c, str) for c in meta["classes"])
        and isinstance(meta.get("dim"), int)
        and meta["dim"] > 0
        and isinstance(meta.get("hidden"), int)
        and meta["hidden"] >= 0
    )
    if not valid:
        stale(sidecar, "not a head description (classes, dim, hidden)", UNUSED_HEAD)
        return None
    return dict(meta)


UNUSED_HEAD = "predictions go on without this trained head"


def head_probabilities(
    project: Project, version: ModelVersion, vectors: np.ndarray
) -> np.ndarray | None:
    """Class probabilities from a saved head for embedding rows ``vectors``; None when
    the checkpoint or its sidecar cannot be used (damaged, or not this head's)."""
    import torch
    from safetensors.torch import load_file

    path = project.path / str(version.checkpoint)
    meta = read_head_meta(path)
    if meta is None or meta["dim"] != vectors.shape[1]:
        return None
    head = build_head(meta["dim"], len(meta["classes"]), meta["hidden"])
    try:
        head.load_state_dict(load_file(str(path)))
    except Exception as exc:  # safetensors and torch raise several types for a bad file
        stale(path, describe(exc), UNUSED_HEAD)
        return None
    head.eval()
    with torch.inference_mode():
        return np.asarray(torch.softmax(head(read_only_tensor(vectors)), 1).numpy())
