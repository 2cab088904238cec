"""Reads (and one write) of the ``images`` table for the model side: embedding, the vector
store check, duplicates (the schema is in :mod:`.db`).

Here rather than in :mod:`labeldesk.ml`, so that the SQL of a table sits beside its
schema and a column change is one change in core. "Usable" is the one rule every model
step shares: the file is in the folder now (not removed) and the scan could read it (no
skip reason). Rows are :class:`sqlite3.Row`: read a column by its name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .classes import class_names
from .db import Database
from .labels import NEWEST_EVENT
from .sql_lists import IN_LIST, json_list
from .vocab import EFFECTIVE_SPLIT

USABLE = "removed_at IS NULL AND skip_reason IS NULL"
Member = tuple[int, str, str]  # an image of a dataset version: (image id, path, content hash)


def live_paths(db: Database) -> list[str]:
    """Every image path in the folder now (usable or not)."""
    return [row[0] for row in db.query("SELECT path FROM images WHERE removed_at IS NULL")]


def skipped_files(db: Database) -> dict[str, str]:
    """path -> why the scan skips it, for the files in the folder now that it cannot use
    (a link out of the image folder, not an image, unreadable): known, never counted."""
    query = (
        "SELECT path, skip_reason FROM images WHERE removed_at IS NULL AND skip_reason IS NOT NULL"
    )
    return {row[0]: row[1] for row in db.query(query)}


def live_sizes(db: Database) -> set[int]:
    """The file sizes of the images in the folder now whose content is known: a file of
    any other size holds none of their contents (no need to hash it to know)."""
    query = "SELECT DISTINCT size FROM images WHERE removed_at IS NULL AND hash IS NOT NULL"
    return {row[0] for row in db.query(query)}


def live_paths_by_hash(db: Database, hashes: Iterable[str]) -> dict[str, list[str]]:
    """content hash -> the paths (sorted) of the images in the folder now with that
    content, for the hashes some image has."""
    found: dict[str, list[str]] = {}
    rows = db.query(
        f"SELECT hash, path FROM images WHERE removed_at IS NULL AND hash {IN_LIST} ORDER BY path",
        (json_list(dict.fromkeys(hashes)),),
    )
    for digest, path in rows:
        found.setdefault(digest, []).append(path)
    return found


def formats_by_hash(db: Database, hashes: Iterable[str]) -> dict[str, str]:
    """content hash -> the image format the scan found in those bytes (Pillow's name:
    ``PNG``, ``JPEG``, …), for the hashes an indexed image has."""
    rows = db.query(
        f"SELECT hash, format FROM images WHERE format IS NOT NULL AND hash {IN_LIST}",
        (json_list(dict.fromkeys(hashes)),),
    )
    return {digest: fmt for digest, fmt in rows}


def usable_files(db: Database, *, order: Literal["path", "id"] = "path") -> list[sqlite3.Row]:
    """``path``, content ``hash``, ``width``, ``height``, ``size``, ``mtime_ns`` and
    ``ctime_ns`` of every usable image, by path or in the order they were indexed (id):
    what embedding needs to find the vectors still missing, whether a thumbnail could
    stand in for the original, and whether the original was edited since the scan."""
    by = "path" if order == "path" else "id"
    return db.query(
        f"SELECT path, hash, width, height, size, mtime_ns, ctime_ns FROM images "
        f"WHERE {USABLE} ORDER BY {by}"
    )


def usable_stats(db: Database) -> list[tuple[str, int, int, int | None]]:
    """``(path, size, mtime_ns, ctime_ns)`` of every usable image, by path, as plain
    tuples: all a check of the files against the index needs (a million rows in a
    fraction of a second)."""
    sql = f"SELECT path, size, mtime_ns, ctime_ns FROM images WHERE {USABLE} ORDER BY path"
    with db.reading() as conn:
        return [(r[0], r[1], r[2], r[3]) for r in conn.execute(sql)]


def usable_images(db: Database) -> list[sqlite3.Row]:
    """``id``, ``path``, ``hash``, ``label``, effective ``split``, ``status`` and
    perceptual ``phash`` (None until computed) of every usable image, by path: the rows
    the vectors and the duplicate search are aligned with."""
    return db.query(
        f"SELECT id, path, hash, label, {EFFECTIVE_SPLIT} AS split, status, phash FROM images "
        f"WHERE {USABLE} ORDER BY path"
    )


def usable_images_like(
    db: Database, hashes: Iterable[str], paths: Iterable[str]
) -> list[sqlite3.Row]:
    """:func:`usable_images`' rows (the same columns, by path) of every usable image whose
    content is one of ``hashes`` or is the content of one of ``paths``: every copy of the
    contents a few images have (a drift check's new images and their nearest project
    images), read by the indexes instead of a million rows for them."""
    columns = f"id, path, hash, label, {EFFECTIVE_SPLIT} AS split, status, phash"
    wanted = set(hashes)
    wanted.update(
        row[0]
        for row in db.query(
            f"SELECT hash FROM images WHERE path {IN_LIST} AND {USABLE}", (json_list(paths),)
        )
    )
    return db.query(
        f"SELECT {columns} FROM images WHERE hash {IN_LIST} AND {USABLE} ORDER BY path",
        (json_list(sorted(wanted)),),
    )


def images_without_phash(db: Database) -> list[sqlite3.Row]:
    """``id`` and ``path`` of the usable images whose perceptual hash is not computed yet
    (projects older than the column), in id order."""
    return db.query(
        f"SELECT id, path FROM images WHERE phash IS NULL AND hash IS NOT NULL AND {USABLE} "
        "ORDER BY id"
    )


def set_phashes(db: Database, found: Sequence[tuple[int, int]]) -> None:
    """Store perceptual hashes, given as ``(phash, image id)`` pairs, in one transaction
    (none: nothing is written, so a read-only project's duplicate search runs)."""
    if not found:
        return
    with db.write() as conn:
        conn.executemany("UPDATE images SET phash = ? WHERE id = ?", found)


@dataclass(frozen=True)
class LabelRows:
    """A label state read in one transaction: the newest label event (its id names the
    state), the class list and every usable image's (label, status, effective split)."""

    event_id: int
    classes: list[str]
    rows: dict[int, tuple[str | None, str | None, str | None]]
    # With ``members=True``: :func:`usable_members` in the same read (the files the
    # labels are about, for the dataset version a training run records)
    members: list[Member] | None = None


def label_rows(db: Database, *, members: bool = False) -> LabelRows:
    """The labels a training run learns and the event id it records, read together: read
    apart, a label set in between (another window, another process) was recorded as part
    of a state the run never saw. ``members``: the images' paths and content hashes too."""
    with db.snapshot() as conn:
        event = int(conn.execute(NEWEST_EVENT).fetchone()[0])
        classes = class_names(conn)
        cursor = conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute(
            f"SELECT id, label, status, {EFFECTIVE_SPLIT} FROM images WHERE {USABLE}"
        ).fetchall()
        files = usable_members(conn) if members else None
    return LabelRows(event, classes, {int(r[0]): (r[1], r[2], r[3]) for r in rows}, files)


@dataclass(frozen=True)
class LiveLabels:
    """Every image's label (removed files left out), by id ascending, and the class list
    read with them."""

    classes: list[str]
    ids: list[int]
    labels: list[str | None]


LABELS_PIECE = 50_000  # rows fetched at a time (each piece a short hold of Python's lock)


def live_labels(db: Database) -> LiveLabels:
    """The labels the map colours its points by, read together with the classes: two
    columns, where the whole per-image frame (14 columns, made a DataFrame in one call)
    took seconds of CPU at a million images and held Python's lock for about a second,
    the window frozen while the map was read."""
    ids: list[int] = []
    labels: list[str | None] = []
    with db.snapshot() as conn:
        classes = class_names(conn)
        cursor = conn.cursor()
        cursor.row_factory = None
        cursor.execute("SELECT id, label FROM images WHERE removed_at IS NULL ORDER BY id")
        while rows := cursor.fetchmany(LABELS_PIECE):
            some_ids, some_labels = zip(*rows, strict=True)
            ids.extend(some_ids)
            labels.extend(some_labels)
    return LiveLabels(classes, ids, labels)


def usable_members(conn: sqlite3.Connection) -> list[Member]:
    """``(image id, path, content hash)`` of every usable image now, by id: what a dataset
    version recorded now holds (a training run reads them with its labels)."""
    rows = conn.execute(
        f"SELECT id, path, hash FROM images WHERE {USABLE} AND hash IS NOT NULL ORDER BY id"
    ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def record_change_times(db: Database, changes: dict[str, tuple[int, int]]) -> None:
    """path -> (change time the row holds, the file's new one): the new one where the row
    still holds the old (a scan meanwhile wins). For an export's own hard links, which
    move the change time of files whose bytes it checked."""
    rows = [(new, path, old) for path, (old, new) in changes.items()]
    with db.write() as conn:
        conn.executemany("UPDATE images SET ctime_ns = ? WHERE path = ? AND ctime_ns = ?", rows)


def usable_count(db: Database, at_most: int | None = None) -> int:
    """How many usable images the project has (one count, no row read into Python), or
    ``at_most`` where it has more: that count stops there (45 ms at 1M images otherwise,
    for a caller asking only whether it is above a size)."""
    if at_most is None:
        return int(db.query(f"SELECT COUNT(*) FROM images WHERE {USABLE}")[0][0])
    bounded = f"SELECT COUNT(*) FROM (SELECT 1 FROM images WHERE {USABLE} LIMIT ?)"
    return int(db.query(bounded, (at_most,))[0][0])


def usable_image(db: Database, path: str) -> sqlite3.Row | None:
    """The :func:`usable_images` row of the image at ``path`` (as stored), or None."""
    rows = db.query(
        f"SELECT id, path, hash, label, {EFFECTIVE_SPLIT} AS split, status, phash FROM images "
        f"WHERE path = ? AND {USABLE}",
        (path,),
    )
    return rows[0] if rows else None


def usable_with_hashes(db: Database, hashes: Iterable[str]) -> list[sqlite3.Row]:
    """The :func:`usable_images` rows whose content is one of ``hashes``, by path: looked
    up by the content index, so a few hashes read a few rows, not the table."""
    return db.query(
        f"SELECT id, path, hash, label, {EFFECTIVE_SPLIT} AS split, status, phash FROM images "
        f"WHERE hash {IN_LIST} AND {USABLE} ORDER BY path",
        (json_list(dict.fromkeys(hashes)),),
    )
