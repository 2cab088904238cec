"""Model versions: every training run, what it saw, how it scored, where its weights are.

Weights are safetensors files with a JSON sidecar (never pickles), under
``PROJECT/models/<id>-<kind>/``; the ``model_versions`` table records when the run
happened, the label state it trained on (the last label event id), its hyperparameters,
metrics and checkpoint path.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labeldesk.core.project import Project


@dataclass
class ModelVersion:
    id: int
    kind: str
    status: str
    created_at: float
    label_event_id: int
    embedding_key: str | None
    params: dict[str, Any]
    metrics: dict[str, Any]
    checkpoint: str | None  # relative to the project folder

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "created_at": self.created_at,
            "label_event_id": self.label_event_id,
            "embedding_key": self.embedding_key,
            "params": self.params,
            "metrics": self.metrics,
            "checkpoint": self.checkpoint,
        }


def models_dir(project: Project) -> Path:
    return project.path / "models"


def last_label_event(project: Project) -> int:
    value = project.db.scalar("SELECT COALESCE(MAX(id), 0) FROM label_events")
    return int(value) if isinstance(value, int) else 0


def new_version_dir(project: Project, kind: str) -> Path:
    """A fresh folder for a run's files (named before the row exists; renamed never)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = models_dir(project) / f"{stamp}-{kind}"
    n = 1
    while folder.exists():
        n += 1
        folder = models_dir(project) / f"{stamp}-{kind}-{n}"
    folder.mkdir(parents=True)
    return folder


def record_version(
    project: Project,
    *,
    kind: str,
    status: str,
    label_event_id: int,
    embedding_key: str | None,
    params: dict[str, Any],
    metrics: dict[str, Any],
    checkpoint: Path | None,
) -> ModelVersion:
    rel = str(checkpoint.relative_to(project.path)) if checkpoint else None
    with project.db.write() as conn:
        vid = conn.execute(
            "INSERT INTO model_versions(kind, status, created_at, label_event_id, embedding_key, "
            "params, metrics, checkpoint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                status,
                time.time(),
                label_event_id,
                embedding_key,
                json.dumps(params),
                json.dumps(metrics),
                rel,
            ),
        ).lastrowid
    return get_version(project, int(vid or 0))


def list_versions(project: Project, kind: str | None = None) -> list[ModelVersion]:
    sql = "SELECT * FROM model_versions"
    params: list[object] = []
    if kind:
        sql += " WHERE kind = ?"
        params.append(kind)
    return [_from_row(r) for r in project.db.query(sql + " ORDER BY id DESC", params)]


def get_version(project: Project, version_id: int) -> ModelVersion:
    rows = project.db.query("SELECT * FROM model_versions WHERE id = ?", (version_id,))
    if not rows:
        from labeldesk.core.errors import LabelDeskError

        raise LabelDeskError(f"no model version {version_id}")
    return _from_row(rows[0])


def latest(project: Project, kind: str, embedding_key: str | None = None) -> ModelVersion | None:
    for version in list_versions(project, kind):
        if embedding_key is None or version.embedding_key == embedding_key:
            return version
    return None


def _from_row(r: Any) -> ModelVersion:
    return ModelVersion(
        id=r["id"],
        kind=r["kind"],
        status=r["status"],
        created_at=r["created_at"],
        label_event_id=r["label_event_id"],
        embedding_key=r["embedding_key"],
        params=json.loads(r["params"]),
        metrics=json.loads(r["metrics"]),
        checkpoint=r["checkpoint"],
    )
