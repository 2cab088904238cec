"""Label history: every change to a label, review status or split is an event in a batch.

The ``images.label``, ``images.status`` and ``images.split`` columns are the current state,
kept in step with the events inside the same transaction, so reads stay fast and the
history stays the truth: any batch can be undone and any past state rebuilt
(:func:`~labeldesk.core.label_history.states_at`: one SQL query, read a row at a time).
A batch may also rename or remove classes (``class_events``), which its undo puts back.
Reading the history is :mod:`labeldesk.core.label_history`; its names are importable
from here too.
"""

from __future__ import annotations

import getpass
import os
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .batch_counts import BatchCounts
from .class_events import record_added
from .classes import (
    NameIndex,
    add_classes,
    aliases,
    class_index,
    class_name_problem,
    class_names,
    natural_key,
    nfc,
    validate_class_name,
)
from .db import Database
from .display import KNOWN_CLASSES_SHOWN, quoted_names, valid_text
from .errors import (
    BadArgument,
    ImageMovedError,
    LabelChangedError,
    SkippedFileError,
    UnknownClassError,
)
from .label_history import NEWEST_EVENT as NEWEST_EVENT
from .label_history import RETIRED as RETIRED
from .label_history import ImageLabelState as ImageLabelState
from .label_history import LabelEvent, history, last_event_id, state_as_of, states_at
from .label_history import StateRow as StateRow
from .label_history import removed_ids as removed_ids
from .label_history import state_rows as state_rows
from .label_history import where_it_was as where_it_was
from .layout import SPLITS
from .sql_lists import IN_LIST, json_list
from .vocab import EXCLUDED, STATUS_CHOICES, STATUSES, VERIFIED

SOURCES = ("import", "human", "suggestion")
# What a plain undo takes back: changes a person made. Imports (folder labels from a scan,
# a labels file given to `new`) are undone only on request: one stray Ctrl+Z must not
# erase a whole dataset's labels.
USER_SOURCES = ("human", "suggestion")
KEEP = object()  # "leave this field as it is"

__all__ = [
    "STATUSES",
    "Change",
    "LabelEvent",
    "add_classes",
    "apply_changes",
    "class_names",
    "current_user",
    "history",
    "last_event_id",
    "state_as_of",
    "states_at",
    "validate_class_name",
]


@dataclass(frozen=True, slots=True)  # (slots: a million-row import makes a million)
class Change:
    """A requested change to one image: a new label, review status and/or split."""

    image_id: int
    label: object = KEEP  # str | None
    status: object = KEEP  # "verified" | "excluded" | None
    split: object = KEEP  # "train" | "val" | "test" | None


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


def apply_changes(
    db: Database,
    changes: Sequence[Change],
    *,
    source: str,
    description: str = "",
    create_classes: bool = False,
    expected: Mapping[int, tuple[str, str | None]] | None = None,
    at: Mapping[int, str] | None = None,
    batch_id: int | None = None,
    usable_only: bool = False,
    file: str | None = None,
) -> tuple[int | None, list[int]]:
    """Record ``changes`` as one batch and update current state; ``batch_id``: add them
    to that batch instead of a new one (a scan's folder labels, written in several
    transactions, are one batch to undo).

    ``usable_only``: a label given to a file the scan skips is refused (SkippedFileError,
    nothing written), as a person's label there would count nowhere; removing one is not.

    ``at``: image id -> the path it had when a person saw it; when any is at another path
    by now or gone (a scan moved or removed it), ImageMovedError and nothing is written.

    ``expected``: image id -> (path, the label the change is meant for); when any image's
    label is another by the time of the write (another window or process changed it),
    LabelChangedError and nothing is written: a decision is never applied to a label
    nobody saw.

    Returns the batch id (None when nothing changed) and the images it changed.

    Labels are normalised (outer spaces stripped) and checked; splits must be train, val,
    test or None. Changes that would change nothing are dropped; if none is left, no
    batch is written. A label change clears ``verified`` (it must be re-checked).
    Classes created here count as named by a person unless they come from an import
    (one a person imported from ``file``, see :func:`new_batch`, counts as theirs).
    """
    if source not in SOURCES:
        shown = ", ".join(repr(s) for s in SOURCES)
        raise BadArgument(f"source must be one of {shown}, not {source!r}; nothing written")
    # Each distinct label is checked once: select-all + a key gives 100k changes, one label.
    names = {c.label for c in changes if isinstance(c.label, str)}
    valid = {name: validate_class_name(name) for name in names}
    changes = [_normalised(c, valid) for c in changes]
    with db.write() as conn:
        if at:
            _check_at(conn, at)
        if expected:
            _check_expected(conn, expected)
        if usable_only:
            _check_usable(conn, [c.image_id for c in changes if isinstance(c.label, str)])
        wanted = {str(c.label) for c in changes if c.label is not KEEP and c.label is not None}
        known = class_names(conn)
        index = NameIndex(known)
        missing = sorted({nfc(x) for x in wanted if index.find(x) is None}, key=natural_key)
        if missing and not create_classes:
            raise UnknownClassError(
                f"unknown class(es): {quoted_names(missing)}; known classes: "
                f"{quoted_names(known, KNOWN_CLASSES_SHOWN) or 'none'}"
            )
        aliases_before = aliases(conn) if missing else {}
        added = add_classes(conn, missing, explicit=source in USER_SOURCES or file is not None)
        # Each label as its class is stored (café typed in NFC finds a class stored NFD).
        index = class_index(conn)
        stored = {x: index.find(x) or x for x in wanted}
        changes = [_stored(c, stored) for c in changes]
        batch, changed = record(conn, changes, source, description, batch_id=batch_id, file=file)
        if batch is not None:  # so that undoing the batch takes its new classes away too
            record_added(conn, batch, added, aliases_before)
        return batch, changed


def _check_expected(
    conn: sqlite3.Connection, expected: Mapping[int, tuple[str, str | None]]
) -> None:
    """LabelChangedError when an image's label is not the expected one (in the write's
    transaction, so nothing can change it between the check and the write)."""
    state = current_state(conn, list(expected))
    now = {path: state[i][0] for i, (path, label) in expected.items() if state[i][0] != label}
    if now:
        raise LabelChangedError(now)


def _check_usable(conn: sqlite3.Connection, ids: list[int]) -> None:
    """SkippedFileError when any of the images ``ids`` is a file the scan skips (in the
    write's transaction, as :func:`_check_expected`)."""
    if not ids:
        return
    rows = conn.execute(
        "SELECT path, skip_reason FROM images WHERE skip_reason IS NOT NULL AND "
        f"id {IN_LIST} ORDER BY path",
        (json_list(ids),),
    ).fetchall()
    if rows:
        raise SkippedFileError({str(row[0]): str(row[1]) for row in rows})


def _check_at(conn: sqlite3.Connection, at: Mapping[int, str]) -> None:
    """ImageMovedError when an image is no longer at the path it was shown at (in the
    write's transaction, as :func:`_check_expected`)."""
    rows = conn.execute(
        f"SELECT id, path FROM images WHERE removed_at IS NULL AND id {IN_LIST}",
        (json_list(list(at)),),
    )
    now = {int(row[0]): str(row[1]) for row in rows}
    moved = [path for image_id, path in at.items() if now.get(image_id) != path]
    if moved:
        raise ImageMovedError(moved)


def _stored(change: Change, stored: dict[str, str]) -> Change:
    if not isinstance(change.label, str) or stored[change.label] == change.label:
        return change
    return Change(change.image_id, stored[change.label], change.status, change.split)


def _normalised(change: Change, valid: dict[str, str]) -> Change:
    """The change with its label as checked in ``valid`` (name -> normalised name)."""
    label, split = change.label, change.split
    if label is not KEEP and label is not None:
        label = valid[label] if isinstance(label, str) else validate_class_name(label)
    if split is not KEEP and split is not None and split not in SPLITS:
        raise BadArgument(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    if change.status is not KEEP and change.status is not None and change.status not in STATUSES:
        raise BadArgument(f"status must be {STATUS_CHOICES}, not {change.status!r}")
    if (label, split) == (change.label, change.split):
        return change
    return Change(change.image_id, label=label, status=change.status, split=split)


def new_batch(
    conn: sqlite3.Connection,
    source: str,
    description: str,
    undoes: int | None = None,
    file: str | None = None,
) -> int:
    """A new batch; ``file``: the label file a person imported ("NAME (FORMAT)"), which
    makes an import their own change (a plain undo takes it back, see :func:`undo_source`)."""
    shown = valid_text(description)  # it may name a file whose name is not UTF-8
    values = ("undo" if undoes else source, shown, undoes, time.time(), current_user())
    if file is None:  # (a database a read-only folder holds at an older schema lacks it)
        sql = "INSERT INTO label_batches(source, description, undoes, created_at, author) "
        row_id = conn.execute(sql + "VALUES (?, ?, ?, ?, ?)", values).lastrowid
    else:
        sql = "INSERT INTO label_batches(source, description, undoes, created_at, author, file) "
        row_id = conn.execute(
            sql + "VALUES (?, ?, ?, ?, ?, ?)", (*values, valid_text(file))
        ).lastrowid
    assert row_id is not None
    return row_id


def undo_source(conn: sqlite3.Connection, alias: str = "b") -> str:
    """The SQL of the source that undo and redo choose batch ``alias`` by: an import of a
    label file that a person asked for (a batch with a ``file``) counts as ``human``, so a
    plain undo takes it back as the command and the app promise, while folder labels and
    ``new --labels`` stay imports, undone only on request."""
    if not _has_file_column(conn):  # a database at an older schema, read as it is
        return f"{alias}.source"
    return f"(CASE WHEN {alias}.file IS NULL THEN {alias}.source ELSE 'human' END)"


def _has_file_column(conn: sqlite3.Connection) -> bool:
    return any(row[1] == "file" for row in conn.execute("PRAGMA table_info(label_batches)"))


def batch_file(conn: sqlite3.Connection, batch_id: int) -> str | None:
    """The label file batch ``batch_id`` was imported from, or None."""
    if not _has_file_column(conn):
        return None
    row = conn.execute("SELECT file FROM label_batches WHERE id = ?", (batch_id,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def batch_undone(conn: sqlite3.Connection, batch_id: int) -> bool:
    """Has an undo taken batch ``batch_id`` back?"""
    row = conn.execute("SELECT 1 FROM label_batches WHERE undoes = ? LIMIT 1", (batch_id,))
    return row.fetchone() is not None


def record(
    conn: sqlite3.Connection,
    changes: Sequence[Change],
    source: str,
    description: str,
    undoes: int | None = None,
    batch_id: int | None = None,
    file: str | None = None,
) -> tuple[int | None, list[int]]:
    """Write the changes that change something, in a new batch (or ``batch_id``;
    ``file``: see :func:`new_batch`).

    Returns the batch id (None if nothing changed and none was given) and the ids of
    the images it changed."""
    rows = _effects(current_state(conn, [c.image_id for c in changes]), changes)
    if not rows:
        return batch_id, []
    if batch_id is None:
        batch_id = new_batch(conn, source, description, undoes, file)
    now = time.time()
    # (the parameters made as they are written: a million rows' list of them cost
    # about 140 bytes a row beside the rows)
    conn.executemany(
        "INSERT INTO label_events(batch_id, image_id, old_label, new_label, old_status, "
        "new_status, old_split, new_split, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((batch_id, *row, now) for row in rows),
    )
    conn.executemany(
        "UPDATE images SET label = ?, status = ?, split = ? WHERE id = ?",
        ((r[2], r[4], r[6], r[0]) for r in rows),
    )
    return batch_id, [r[0] for r in rows]


def _effects(current: dict[int, tuple], changes: Sequence[Change]) -> list[tuple]:
    """(id, old label, label, old status, status, old split, split) of each change that
    changes something, given the images' ``current`` (label, status, split)."""
    rows = []
    shared: dict[tuple, tuple] = {}  # (as current_state shares them)
    for change in changes:
        old = current[change.image_id]
        label = old[0] if change.label is KEEP else change.label
        status = old[1] if change.status is KEEP else change.status
        split = old[2] if change.split is KEEP else change.split
        if label != old[0] and status == VERIFIED and change.status is KEEP:
            status = None
        if (label, status, split) == old:
            continue
        rows.append((change.image_id, old[0], label, old[1], status, old[2], split))
        now = (label, status, split)
        current[change.image_id] = shared.setdefault(now, now)
    return rows


def would_change(db: Database, changes: Sequence[Change]) -> list[int]:
    """The images that :func:`apply_changes` would change now, read without writing
    (labels as their classes store them; a class that does not exist yet counts as a
    new label): what a form shows before the person applies anything."""
    return [row[0] for row in _would_effects(db, changes)]


def would_change_counts(db: Database, changes: Sequence[Change]) -> BatchCounts:
    """What :func:`apply_changes` would change now, by kind, counted as
    :func:`.batch_counts.batch_counts` counts the batch it writes (labels removed
    too): the import form says it before anything is applied."""
    rows = _would_effects(db, changes)
    return BatchCounts(
        images=len({r[0] for r in rows}),
        labels=sum(r[1] != r[2] for r in rows),
        splits=sum(r[5] != r[6] for r in rows),
        statuses=sum(r[3] != r[4] and (r[4] is not None or r[1] == r[2]) for r in rows),
        removed=sum(r[1] is not None and r[2] is None for r in rows),
    )


def _would_effects(db: Database, changes: Sequence[Change]) -> list[tuple]:
    names = {c.label for c in changes if isinstance(c.label, str)}
    valid = {name: validate_class_name(name) for name in names}
    changes = [_normalised(c, valid) for c in changes]
    with db.reading() as conn:
        index = class_index(conn)
        wanted = {str(c.label) for c in changes if c.label is not KEEP and c.label is not None}
        stored = {x: index.find(x) or x for x in wanted}
        changes = [_stored(c, stored) for c in changes]
        current = current_state(conn, [c.image_id for c in changes])
    return _effects(current, changes)


def current_state(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple]:
    unique = dict.fromkeys(ids)
    rows = conn.execute(
        f"SELECT id, label, status, split FROM images WHERE id {IN_LIST}", (json_list(unique),)
    )
    # one tuple (and label text) for each of the few states a million images are in
    shared: dict[tuple, tuple] = {}
    state: dict[int, tuple] = {row[0]: shared.setdefault(s := row[1:], s) for row in rows}
    if len(state) != len(unique):
        missing = [i for i in unique if i not in state]
        raise KeyError(f"image ids not in the project: {sorted(missing)[:5]}")
    return state


# The labels a model learns from (as ml.predictions.training_mask picks them): in the
# train split (a labeled image without a split is in it), not excluded, of an image
# still in the folder and usable.
_LEARNABLE = (
    "FROM images WHERE label IS NOT NULL AND (split IS NULL OR split = 'train') "
    "AND status IS NOT ? AND removed_at IS NULL AND skip_reason IS NULL"
)


def two_classes_to_learn(db: Database) -> bool:
    """Whether the labels a model learns from cover at least two classes (with fewer,
    nothing can be predicted: the labeling queue's cold start). Two short lookups, cheap
    enough after every label."""
    first = db.query(f"SELECT label {_LEARNABLE} LIMIT 1", (EXCLUDED,))
    if not first:
        return False
    other = db.query(f"SELECT 1 {_LEARNABLE} AND label != ? LIMIT 1", (EXCLUDED, first[0][0]))
    return bool(other)


# The distinct labels that are not classes, found by stepping through the label index
# one distinct value at a time: a few lookups per class, not a pass over every image.
_ORPHAN_LABELS = (
    "WITH RECURSIVE seen(name) AS (SELECT MIN(label) FROM images UNION ALL "
    "SELECT (SELECT MIN(label) FROM images WHERE label > seen.name) FROM seen "
    "WHERE seen.name IS NOT NULL) "
    "SELECT name FROM seen WHERE name IS NOT NULL AND name NOT IN (SELECT name FROM classes)"
)


def repair_labels(db: Database) -> int:
    """Labels that are not classes (older versions stored `" coat"` as given, without a
    class): strip them to a valid class name (made a class if needed) or, if no valid
    name is left, remove the label. Recorded as one batch; returns the images changed.

    Run at every open, not only right after the upgrade that needs it: an upgrade cut
    short before its repair is finished by the next open. Finding nothing costs well
    under a millisecond and writes nothing."""
    with db.reading() as conn:
        if conn.execute(_ORPHAN_LABELS + " LIMIT 1").fetchone() is None:
            return 0
    with db.write() as conn:
        orphans = [r[0] for r in conn.execute(_ORPHAN_LABELS)]
        if not orphans:
            return 0
        fixed = {o: (o.strip() if class_name_problem(o) is None else None) for o in orphans}
        add_classes(
            conn,
            sorted({f for f in fixed.values() if f}, key=natural_key),
            explicit=False,
            case_twins=True,  # the labels are there already: a repair only keeps them
        )
        index = class_index(conn)  # " café" finds the class café in either Unicode form
        fixed = {o: f and index.find(f) for o, f in fixed.items()}
        changes = [
            Change(r[0], label=fixed[r[1]])
            for r in conn.execute(
                f"SELECT id, label FROM images WHERE label {IN_LIST}", (json_list(orphans),)
            )
        ]
        record(conn, changes, "import", "labels that were not classes, repaired")
    return len(changes)
