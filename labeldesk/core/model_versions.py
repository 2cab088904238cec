"""The ``model_versions`` table: one row per training run (its schema is in :mod:`.db`).

The queries live here, beside the schema, rather than in :mod:`labeldesk.ml.models`
(which names the folders and decides what a run records), so that a change to the table
is one change in core. Parameters and metrics are stored as JSON text and come back as
dicts. Recording a run also records the dataset version it trained on, in the same
transaction (:func:`labeldesk.core.versions.version_for_model`).

A fine-tune that re-embeds the project is recorded as *awaiting its embeddings* (the
``meta`` row :data:`AWAITING_EMBEDDINGS`, written in the run's own transaction): until
its store holds every image, the project keeps the embeddings it had
(:func:`use_embeddings` clears the row when the project's embeddings change).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from .db import Database
from .image_rows import Member
from .versions import version_for_model

if TYPE_CHECKING:
    from typing_extensions import Unpack

EMBEDDING_KEY = "embedding_key"  # meta: the store the project's views read
AWAITING_EMBEDDINGS = "awaiting_embeddings"  # meta: a fine-tune's id, until embedded


@dataclass
class ModelVersion:
    """A training run: a classifier head or a fine-tuned backbone."""

    id: int
    kind: str  # "head" | "finetune"
    status: str  # "complete" | "cancelled"
    created_at: float
    label_event_id: int  # the label state it trained on (the newest event then)
    embedding_key: str | None
    params: dict[str, Any]
    metrics: dict[str, Any]
    checkpoint: str | None  # relative to the project folder
    dataset_version_id: int | None = None  # what it trained on (None: older runs)
    dataset_version: str | None = None  # that version's name

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
            "dataset_version_id": self.dataset_version_id,
            "dataset_version": self.dataset_version,
        }


class _RunChoices(TypedDict, total=False):
    classes: list[str] | None  # the class list it learned (None: the project's now)
    seen: Collection[Member] | None  # the only images it could use (None: every one now)
    awaits_embeddings: bool  # the project is to be embedded with it next (default False)


class NewRun(_RunChoices):
    """What recording a run takes, besides its checkpoint: the keyword arguments of
    :func:`add_model_version` and :func:`labeldesk.ml.models.record_version`."""

    kind: str  # "head" | "finetune"
    status: str  # "complete" | "cancelled"
    label_event_id: int  # the label state it trained on
    embedding_key: str | None
    params: dict[str, Any]
    metrics: dict[str, Any]


def add_model_version(db: Database, *, checkpoint: str | None, **run: Unpack[NewRun]) -> int:
    """Record a run (created now) and the dataset version it trained on (the label state
    ``label_event_id`` and the run's ``classes`` over ``seen``: the images it used, with
    their paths and content hashes as it read them; else the images in the folder now),
    in one transaction; return the run's id. ``awaits_embeddings``: the project is to be
    embedded with it next (:data:`AWAITING_EMBEDDINGS`), said in the same transaction, so
    no kill leaves it recorded without that. ``checkpoint``: relative to the project."""
    label_event_id = run["label_event_id"]
    with db.write() as conn:
        row_id = conn.execute(
            "INSERT INTO model_versions(kind, status, created_at, label_event_id, embedding_key, "
            "params, metrics, checkpoint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run["kind"],
                run["status"],
                time.time(),
                label_event_id,
                run["embedding_key"],
                json.dumps(run["params"]),
                json.dumps(run["metrics"]),
                checkpoint,
            ),
        ).lastrowid
        version_id = int(row_id or 0)
        version_for_model(conn, version_id, label_event_id, run.get("classes"), run.get("seen"))
        if run.get("awaits_embeddings", False):
            _set_meta(conn, AWAITING_EMBEDDINGS, str(version_id))
    return version_id


def awaiting_embeddings(db: Database) -> int | None:
    """The id of the fine-tune whose embeddings are not the project's yet, if any."""
    value = db.get_meta(AWAITING_EMBEDDINGS)
    return int(value) if value is not None and value.isdigit() else None


def use_embeddings(db: Database, key: str) -> None:
    """Make the store ``key`` the project's embeddings; no fine-tune awaits its own any
    more (they are these, complete, or a person chose another model), in one transaction."""
    with db.write() as conn:
        _set_meta(conn, EMBEDDING_KEY, key)
        conn.execute("DELETE FROM meta WHERE key = ?", (AWAITING_EMBEDDINGS,))


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def model_versions(db: Database, kind: str | None = None) -> list[ModelVersion]:
    """Every recorded run (of ``kind`` when given), newest first."""
    sql = _SELECT
    params: list[object] = []
    if kind:
        sql += " WHERE m.kind = ?"
        params.append(kind)
    return [_from_row(r) for r in db.query(sql + " ORDER BY m.id DESC", params)]


def newest_model_version_id(db: Database) -> int:
    """The id of the last training run recorded (0: none): a change tells that another
    process trained (one index lookup)."""
    return int(db.query("SELECT COALESCE(MAX(id), 0) FROM model_versions")[0][0])


def model_version(db: Database, version_id: int) -> ModelVersion | None:
    """The run with this id, or None when there is none."""
    rows = db.query(_SELECT + " WHERE m.id = ?", (version_id,))
    return _from_row(rows[0]) if rows else None


_SELECT = (
    "SELECT m.*, d.name AS dataset_version FROM model_versions m "
    "LEFT JOIN dataset_versions d ON d.id = m.dataset_version_id"
)


def _from_row(r: sqlite3.Row) -> ModelVersion:
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
        dataset_version_id=r["dataset_version_id"],
        dataset_version=r["dataset_version"],
    )


CHECKPOINT_SUFFIXES = (".safetensors", ".pt", ".pth", ".bin")


def model_shown(db: Database, root: Path, spec: str, *, size: bool = True) -> str:
    """A model spec as a person reads it: a fine-tune's checkpoint (``PATH``,
    ``ARCH@PATH``, ``PATH:SIZE``) by its run, "fine-tuned model #3" (as `models` lists
    it, "at 300 px" with a size unless ``size`` is False: the text says the size
    already), where commands showed its full ``.safetensors`` path; any other spec
    as it is. ``root``: the project folder the run's checkpoint is relative to."""
    base, sep, tail = spec.rpartition(":")
    pixels = int(tail) if sep and base and tail.isdigit() else None
    path = Path((base if pixels is not None else spec).rpartition("@")[2])
    if path.suffix.lower() not in CHECKPOINT_SUFFIXES:
        return spec
    where = (root / path).resolve()
    for version in model_versions(db, "finetune"):
        if version.checkpoint and (root / version.checkpoint).resolve() == where:
            at = f" at {pixels} px" if size and pixels is not None else ""
            return f"fine-tuned model #{version.id}{at}"
    return spec
