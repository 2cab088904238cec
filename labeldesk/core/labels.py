"""Label history: every change to a label or review status is an event in a batch.

The ``images.label`` and ``images.status`` columns are the current state, kept in step
with the events inside the same transaction, so reads stay fast and the history stays
the truth: any batch can be undone and any past state rebuilt (:func:`labels_as_of`).
"""

from __future__ import annotations

import getpass
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .db import Database
from .errors import NothingToUndoError, UnknownClassError

SOURCES = ("import", "human", "suggestion")
# What a plain undo takes back: changes a person made. Imports (folder labels from a scan,
# a labels file given to `new`) are undone only on request: one stray Ctrl+Z must not
# erase a whole dataset's labels.
USER_SOURCES = ("human", "suggestion")
STATUSES = ("verified", "excluded")
_KEEP = object()  # "leave this field as it is"


@dataclass(frozen=True)
class Change:
    """A requested change to one image: a new label and/or a new review status."""

    image_id: int
    label: object = _KEEP  # str | None
    status: object = _KEEP  # "verified" | "excluded" | None


@dataclass(frozen=True)
class LabelEvent:
    id: int
    batch_id: int
    image_id: int
    path: str
    old_label: str | None
    new_label: str | None
    old_status: str | None
    new_status: str | None
    source: str
    description: str
    created_at: float
    author: str | None = None  # who made the change (None in projects older than this)


def current_user() -> str | None:
    """Who is labeling: ``LABELDESK_USER`` if set (e.g. a shared account), else the
    operating-system account name; None when neither can be found."""
    name = os.environ.get("LABELDESK_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no account name here (some containers; Windows services: ImportError)
        return None


def class_names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM classes ORDER BY position, id")]


def add_classes(conn: sqlite3.Connection, names: Iterable[str]) -> list[str]:
    """Append classes that do not exist yet, in the given order; return the new ones."""
    existing = set(class_names(conn))
    position = conn.execute("SELECT COALESCE(MAX(position), -1) FROM classes").fetchone()[0]
    added = []
    for name in names:
        name = validate_class_name(name)
        if name in existing:
            continue
        position += 1
        conn.execute(
            "INSERT INTO classes(name, position, created_at) VALUES (?, ?, ?)",
            (name, position, time.time()),
        )
        existing.add(name)
        added.append(name)
    return added


def validate_class_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or "/" in cleaned or "\\" in cleaned or cleaned in (".", ".."):
        raise UnknownClassError(
            f"invalid class name {name!r}: use a non-empty name without slashes"
        )
    return cleaned


def apply_changes(
    db: Database,
    changes: Sequence[Change],
    *,
    source: str,
    description: str = "",
    create_classes: bool = False,
) -> int | None:
    """Record ``changes`` as one batch and update current state; return the batch id.

    Changes that would change nothing are dropped; if none is left, no batch is written.
    A label change clears ``verified`` (a verified label that changes must be re-checked).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown label source {source!r}")
    with db.write() as conn:
        wanted = {c.label for c in changes if c.label is not _KEEP and c.label is not None}
        missing = sorted(str(x) for x in wanted - set(class_names(conn)))
        if missing and not create_classes:
            raise UnknownClassError(
                f"unknown class(es): {', '.join(missing)}; known: {', '.join(class_names(conn))}"
            )
        add_classes(conn, missing)
        return _record(conn, changes, source, description)


def _record(
    conn: sqlite3.Connection,
    changes: Sequence[Change],
    source: str,
    description: str,
    undoes: int | None = None,
) -> int | None:
    current = _current_state(conn, [c.image_id for c in changes])
    rows = []
    for change in changes:
        old_label, old_status = current[change.image_id]
        new_label = old_label if change.label is _KEEP else change.label
        new_status = old_status if change.status is _KEEP else change.status
        if new_label != old_label and new_status == "verified" and change.status is _KEEP:
            new_status = None
        if (new_label, new_status) == (old_label, old_status):
            continue
        rows.append((change.image_id, old_label, new_label, old_status, new_status))
        current[change.image_id] = (new_label, new_status)
    if not rows:
        return None
    now = time.time()
    batch_id = conn.execute(
        "INSERT INTO label_batches(source, description, undoes, created_at, author) "
        "VALUES (?, ?, ?, ?, ?)",
        ("undo" if undoes else source, description, undoes, now, current_user()),
    ).lastrowid
    conn.executemany(
        "INSERT INTO label_events(batch_id, image_id, old_label, new_label, old_status, "
        "new_status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(batch_id, *row, now) for row in rows],
    )
    conn.executemany(
        "UPDATE images SET label = ?, status = ? WHERE id = ?",
        [(new_label, new_status, image_id) for image_id, _, new_label, _, new_status in rows],
    )
    return batch_id


def _current_state(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple]:
    state: dict[int, tuple] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), 900):
        chunk = unique[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT id, label, status FROM images WHERE id IN ({marks})", chunk
        ):
            state[row[0]] = (row[1], row[2])
    missing = set(unique) - state.keys()
    if missing:
        raise KeyError(f"image ids not in the project: {sorted(missing)[:5]}")
    return state


def undo_last(db: Database, sources: Sequence[str] = SOURCES) -> tuple[int, int]:
    """Undo the newest batch (from ``sources``) not undone yet; return (batch id, events)."""
    marks = ",".join("?" * len(sources))
    with db.write() as conn:
        row = conn.execute(
            f"SELECT b.id, b.description FROM label_batches b WHERE b.source IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM label_batches u WHERE u.undoes = b.id) "
            "ORDER BY b.id DESC LIMIT 1",
            list(sources),
        ).fetchone()
        if row is None:
            raise NothingToUndoError("nothing to undo")
        events = conn.execute(
            "SELECT image_id, old_label, old_status FROM label_events WHERE batch_id = ? "
            "ORDER BY id DESC",
            (row[0],),
        ).fetchall()
        changes = [Change(e[0], label=e[1], status=e[2]) for e in events]
        _record(conn, changes, "undo", f"undo: {row[1]}".rstrip(": "), undoes=row[0])
    return int(row[0]), len(events)


def history(
    db: Database, image_id: int | None = None, limit: int | None = None
) -> list[LabelEvent]:
    """Label events, newest first; for one image when ``image_id`` is given."""
    sql = (
        "SELECT e.id, e.batch_id, e.image_id, i.path, e.old_label, e.new_label, e.old_status, "
        "e.new_status, b.source, b.description, e.created_at, b.author FROM label_events e "
        "JOIN label_batches b ON b.id = e.batch_id JOIN images i ON i.id = e.image_id"
    )
    params: list[object] = []
    if image_id is not None:
        sql += " WHERE e.image_id = ?"
        params.append(image_id)
    sql += " ORDER BY e.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [LabelEvent(*row) for row in db.query(sql, params)]


def labels_as_of(db: Database, event_id: int) -> dict[int, str | None]:
    """Every image's label right after event ``event_id`` (0: before any event)."""
    rows = db.query(
        "SELECT image_id, new_label FROM label_events WHERE id IN ("
        " SELECT MAX(id) FROM label_events WHERE id <= ? GROUP BY image_id)",
        (event_id,),
    )
    state: dict[int, str | None] = {r[0]: None for r in db.query("SELECT id FROM images")}
    state.update({r[0]: r[1] for r in rows})
    return state
