"""Reading the label history (:mod:`labeldesk.core.labels` writes it): its events, newest
first (:func:`history`), the newest one's id that names a label state
(:func:`last_event_id`), and every image's label, status and split right after any event
(:func:`states_at`: one SQL query, read a row at a time).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace

from .db import Database


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
    old_split: str | None = None
    new_split: str | None = None
    removed: bool = False  # the image is no longer in the folder (``path``: where it was)
    # A redo's batch: the undo it took back (its ``source`` stays that of the batch it
    # made again, which undo's choice of batches reads). None: not a redo.
    redoes: int | None = None

    @property
    def shown_source(self) -> str:
        """The source as history shows it: ``redo`` for a redo's batch."""
        return "redo" if self.redoes is not None else self.source


RETIRED = "/removed/"  # the path of a removed image whose name another file took


def where_it_was(path: str) -> str:
    """A removed image's path as it was in the folder: the scan retires the path of an
    image whose name another file took to ``/removed/<id>/<path>``."""
    return path.split("/", 3)[3] if path.startswith(RETIRED) else path


NEWEST_EVENT = "SELECT COALESCE(MAX(id), 0) FROM label_events"


def last_event_id(db: Database) -> int:
    """The newest label event's id, 0 before any: it names a label state (what a model
    trained on, what an export was written from), since events are only ever added."""
    value = db.scalar(NEWEST_EVENT)
    return int(value) if isinstance(value, int) else 0


def removed_ids(db: Database, path: str) -> list[int]:
    """The removed images that had ``path`` (whether another file took it or not)."""
    rows = db.query(
        "SELECT id, path FROM images WHERE removed_at IS NOT NULL "
        "AND (path = ? OR substr(path, 1, ?) = ?)",
        (path, len(RETIRED), RETIRED),
    )
    return [int(i) for i, at in rows if where_it_was(at) == path]


def history(
    db: Database, image_id: int | list[int] | None = None, limit: int | None = None
) -> list[LabelEvent]:
    """Label events, newest first; for some images when ``image_id`` is given."""
    sql = (
        "SELECT e.id, e.batch_id, e.image_id, i.path, e.old_label, e.new_label, e.old_status, "
        "e.new_status, b.source, b.description, e.created_at, b.author, e.old_split, "
        "e.new_split, i.removed_at IS NOT NULL, r.undo_id FROM label_events e "
        "JOIN label_batches b ON b.id = e.batch_id JOIN images i ON i.id = e.image_id "
        "LEFT JOIN redos r ON r.batch_id = e.batch_id"
    )
    params: list[object] = []
    if image_id is not None:
        ids = image_id if isinstance(image_id, list) else [image_id]
        sql += f" WHERE e.image_id IN ({', '.join('?' * len(ids))})"
        params.extend(ids)
    sql += " ORDER BY e.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    events = []
    for row in db.query(sql, params):
        *fields, removed, redoes = row
        event = replace(LabelEvent(*fields), redoes=redoes)
        events.append(
            replace(event, path=where_it_was(event.path), removed=True) if removed else event
        )
    return events


ImageLabelState = tuple[str | None, str | None, str | None]  # label, status, split


# Each image's state right after label event ?: label and status of its newest event up
# to then (none: no label, no status); its split that of its newest split change up to
# then, else the split before its first split change ever (as the folder gave it), else
# the one it has now. {images}: the images, ``x`` their id, ``p``, ``h`` their path and
# content hash (a version's membership, or the image table); in image id order.
_STATE_AT = (
    "SELECT x, p, h, l.new_label, l.new_status, "
    "CASE WHEN s.id IS NOT NULL THEN s.new_split WHEN f.id IS NOT NULL THEN f.old_split "
    "ELSE i.split END, "
    # the image now: path, hash, why it cannot be read (None: it can), indexed stat
    "i.path, i.hash, CASE WHEN i.removed_at IS NOT NULL THEN 'removed from the folder "
    "since' ELSE i.skip_reason END, i.size, i.mtime_ns, i.ctime_ns "
    "FROM ({images}) LEFT JOIN images i ON i.id = x "
    "LEFT JOIN label_events l ON l.id = (SELECT MAX(e.id) FROM label_events e "
    " WHERE e.image_id = x AND e.id <= ?) "
    "LEFT JOIN label_events s ON s.id = (SELECT MAX(e.id) FROM label_events e "
    " WHERE e.image_id = x AND e.id <= ? AND e.old_split IS NOT e.new_split) "
    "LEFT JOIN label_events f ON f.id = (SELECT MIN(e.id) FROM label_events e "
    " WHERE e.image_id = x AND e.old_split IS NOT e.new_split) "
    "ORDER BY x"
)
_MEMBERS = (
    "SELECT image_id AS x, path AS p, hash AS h FROM dataset_membership_images "
    "WHERE membership_id = ?"
)
_EVERY_IMAGE = "SELECT id AS x, path AS p, hash AS h FROM images"

StateRow = tuple[int, str, str | None, str | None, str | None, str | None]


def state_rows(
    conn: sqlite3.Connection, event_id: int, membership_id: int | None = None
) -> sqlite3.Cursor:
    """:func:`states_at`'s rows as the cursor gives them, each followed by the image as it
    is now: path, hash, why it cannot be read (None: it can: the image is neither removed
    nor unreadable), size, mtime_ns, ctime_ns (all None: no such image row any more)."""
    if membership_id is None:
        return conn.execute(_STATE_AT.format(images=_EVERY_IMAGE), (event_id, event_id))
    return conn.execute(_STATE_AT.format(images=_MEMBERS), (membership_id, event_id, event_id))


def states_at(
    conn: sqlite3.Connection, event_id: int, membership_id: int | None = None
) -> Iterator[StateRow]:
    """(image id, path, content hash, label, status, split) of every image right after
    event ``event_id``, in image id order, read a row at a time: of a version's
    membership (its paths and hashes as recorded), or of every image row (paths and
    hashes as they are now). The split is the image's own: None when it had none."""
    for r in state_rows(conn, event_id, membership_id):
        yield int(r[0]), r[1], r[2], r[3], r[4], r[5]


def state_as_of(db: Database, event_id: int) -> dict[int, ImageLabelState]:
    """Every image's (label, status, split) right after event ``event_id``
    (:func:`states_at`)."""
    with db.snapshot() as conn:
        return {r[0]: (r[3], r[4], r[5]) for r in states_at(conn, event_id)}
