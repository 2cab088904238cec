"""What changed between two states (versions, or now), listed without holding the list.

Both states are read side by side in image id order (:func:`.version_state.differences`)
and each entry of the diff (a label changed, an image added, …) goes into a scratch
SQLite database of this process (a file SQLite deletes as it closes, not the project's),
which gives each kind back in path order, :data:`CHUNK` rows at a time: `version diff
--json` of a million changed images writes its document while reading it, and the text
reads only the rows it shows. :func:`diff` gives the same lists whole (the notebook
API's default), :func:`diff_head` the counts with the first rows of each kind (the app
shows those: a comparison of a million changed images holds a few hundred rows).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .db import Database
from .display import ARROW, counted, label_change, shown_path
from .errors import BadArgument, DiskFull
from .labels import NEWEST_EVENT
from .version_state import Recorded, differences, relabeled_ids, states
from .versions import CURRENT, DatasetVersion
from .vocab import EXCLUDED, VERIFIED

__all__ = ["CHUNK", "KINDS", "DiffListing", "VersionDiff", "diff", "diff_head", "list_diff"]

KINDS = (
    "labels_changed", "classes_renamed", "splits_changed", "added", "removed", "moved",
    "excluded", "included", "verified", "unverified", "content_changed",
)  # fmt: skip
CHUNK = 10_000  # rows read back from the scratch database at a time
_SCRATCH_CACHE_KB = 8_000  # its page cache (SQLite spills what does not fit to the file)

# (kind, path, x, y) -> the row as listed
_FIELDS: dict[str, tuple[str, ...]] = {
    "labels_changed": ("old", "new"),
    "splits_changed": ("old", "new"),
    "added": ("label",),
    "removed": ("label",),
    "moved": ("old_path",),
    "excluded": ("label",),
    "included": ("label",),
    "verified": ("label",),
    "unverified": ("label",),
    "content_changed": (),
}
_NUMBER = {kind: n for n, kind in enumerate(KINDS)}


@dataclass
class VersionDiff:
    """What changed from state ``a`` to state ``b``; each list of ``{"path", ...}`` rows
    is in path order, paths as ``b`` has them (as ``a`` had them for removed images).
    With ``totals`` the lists hold only the first rows of each kind (:func:`diff_head`)
    and ``totals`` counts them all."""

    a: str
    b: str
    labels_changed: list[dict[str, Any]] = field(default_factory=list)  # path, old, new
    # a class renamed in between: its images' label text changed, not their class
    classes_renamed: list[dict[str, Any]] = field(default_factory=list)  # old, new, images
    splits_changed: list[dict[str, Any]] = field(default_factory=list)  # path, old, new
    added: list[dict[str, Any]] = field(default_factory=list)  # path, label
    removed: list[dict[str, Any]] = field(default_factory=list)  # path, label
    # renamed or moved to another folder in between (same bytes or not): a copy of ``a``
    # holds it under ``old_path``
    moved: list[dict[str, Any]] = field(default_factory=list)  # path, old_path
    excluded: list[dict[str, Any]] = field(default_factory=list)  # path, label
    included: list[dict[str, Any]] = field(default_factory=list)  # path, label (re-included)
    content_changed: list[dict[str, Any]] = field(default_factory=list)  # path
    verified: list[dict[str, Any]] = field(default_factory=list)  # path, label
    unverified: list[dict[str, Any]] = field(default_factory=list)  # path, label
    totals: dict[str, int] | None = None  # each kind's count (None: the lists are whole)

    KINDS = KINDS

    def counts(self) -> dict[str, int]:
        if self.totals is not None:
            return dict(self.totals)
        return {kind: len(getattr(self, kind)) for kind in self.KINDS}

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "counts": self.counts()} | {
            kind: getattr(self, kind) for kind in self.KINDS
        }

    def to_text(self, limit: int = 20, *, arrow: str = ARROW) -> str:
        """The comparison in lines; ``arrow`` joins the old and the new (``→``, as
        ``history`` and the app write it; a label changed is written as ``history``
        writes it, by :func:`.display.label_change`)."""
        counts = self.counts()
        return _text(self.a, self.b, counts, lambda kind: getattr(self, kind)[:limit], arrow)


class DiffListing:
    """A diff whose lists stay in its scratch database: :attr:`counts`,
    :attr:`classes_renamed` (one row a rename), and each kind's rows read back in path
    order by :meth:`rows`. Close it (or use it as a context manager) when done."""

    def __init__(self, a: str, b: str, scratch: sqlite3.Connection):
        self.a, self.b = a, b
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.classes_renamed: list[dict[str, Any]] = []
        self._scratch = scratch

    def __enter__(self) -> DiffListing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._scratch.close()  # (SQLite deletes its file)

    def rows(self, kind: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The rows of ``kind`` in path order (at most ``limit``), :data:`CHUNK` read at a
        time. A kind that is none of :data:`KINDS`, or a negative ``limit``, is refused
        as it is called (:class:`BadArgument`), not as a KeyError when first read."""
        if kind not in _NUMBER:
            raise BadArgument(f"no kind of change {kind!r}: the kinds are {', '.join(KINDS)}")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise BadArgument(f"limit must be a whole number of at least 0, not {limit!r}")
        return self._rows(kind, limit)

    def _rows(self, kind: str, limit: int | None) -> Iterator[dict[str, Any]]:
        if kind == "classes_renamed":
            yield from self.classes_renamed[:limit]
            return
        names = ("path", *_FIELDS[kind])
        cursor = self._scratch.execute(
            "SELECT path, x, y FROM entry WHERE kind = ? ORDER BY path, seq LIMIT ?",
            (_NUMBER[kind], -1 if limit is None else limit),
        )
        # labels and splits: a few texts, each held once however many rows repeat it
        # (a million rows held whole would otherwise keep two million copies)
        shared: dict[str | None, str | None] = {None: None}
        if kind == "moved":  # (old paths: one each)
            while chunk := cursor.fetchmany(CHUNK):
                for values in chunk:
                    yield dict(zip(names, values, strict=False))
            return
        while chunk := cursor.fetchmany(CHUNK):
            for path, x, y in chunk:
                x, y = shared.setdefault(x, x), shared.setdefault(y, y)
                yield dict(zip(names, (path, x, y), strict=False))

    def document(self) -> Iterator[tuple[str, Any]]:
        """The keys and values of :meth:`VersionDiff.to_json`, in its order, each list of
        images an iterator over :meth:`rows`."""
        yield from (("a", self.a), ("b", self.b), ("counts", dict(self.counts)))
        for kind in KINDS:
            yield kind, self.rows(kind)

    def to_text(self, limit: int = 20, *, arrow: str = ARROW) -> str:
        """As :meth:`VersionDiff.to_text`: the counts, and the first ``limit`` rows of
        each kind (all that is read)."""
        counts = self.counts
        return _text(self.a, self.b, counts, lambda kind: list(self.rows(kind, limit)), arrow)

    def whole(self) -> VersionDiff:
        """Every list read back whole."""
        return self._read(None)

    def head(self, limit: int) -> VersionDiff:
        """The counts, and the first ``limit`` rows of each kind (in path order)."""
        return self._read(limit)

    def _read(self, limit: int | None) -> VersionDiff:
        found = VersionDiff(self.a, self.b)
        for kind in KINDS:
            setattr(found, kind, list(self.rows(kind, limit)))
        if limit is not None:
            found.totals = dict(self.counts)
        return found


def diff(db: Database, a: DatasetVersion | None, b: DatasetVersion | None) -> VersionDiff:
    """:func:`list_diff`'s lists, whole."""
    with list_diff(db, a, b) as listing:
        return listing.whole()


def diff_head(
    db: Database, a: DatasetVersion | None, b: DatasetVersion | None, limit: int
) -> VersionDiff:
    """:func:`list_diff`'s counts, with the first ``limit`` rows of each kind."""
    with list_diff(db, a, b) as listing:
        return listing.head(limit)


def list_diff(db: Database, a: DatasetVersion | None, b: DatasetVersion | None) -> DiffListing:
    """Labels and splits changed, classes renamed, images added, removed, moved (renamed),
    excluded (and re-included), verified (or no longer) and files whose content changed,
    from ``a`` to ``b`` (None: the state now). A label that differs only because its class
    was renamed in between counts under ``classes_renamed`` (once per rename), not as a
    relabel."""
    listing = DiffListing(a.name if a else CURRENT, b.name if b else CURRENT, _scratch())
    renamed: dict[tuple[str | None, str | None], int] = {}
    try:
        # both states read in image id order, side by side, in one transaction; only the
        # images that differ go on, one entry at a time, into the scratch database
        with db.snapshot() as conn:
            newest = int(conn.execute(NEWEST_EVENT).fetchone()[0])
            ends = sorted(v.label_event_id if v else newest for v in (a, b))
            found = differences(states(conn, a), states(conn, b))
            entries = _entries(found, relabeled_ids(conn, ends[0], ends[1]), renamed)
            scratch = listing._scratch
            scratch.execute("BEGIN")
            scratch.executemany("INSERT INTO entry(kind, path, x, y) VALUES (?, ?, ?, ?)", entries)
            scratch.execute("CREATE INDEX entry_order ON entry(kind, path, seq)")
            scratch.execute("COMMIT")
        for number, n in scratch.execute("SELECT kind, COUNT(*) FROM entry GROUP BY kind"):
            listing.counts[KINDS[number]] = int(n)
        listing.classes_renamed = [
            {"old": old, "new": new, "images": n}
            for (old, new), n in sorted(renamed.items(), key=str)
        ]
        listing.counts["classes_renamed"] = len(listing.classes_renamed)
    except sqlite3.OperationalError as exc:
        listing.close()
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            raise DiskFull(
                f"no space left in the temporary folder {temporary_folder()} for the "
                "comparison's scratch file; free some space there, or set TMPDIR to a "
                "folder on a disk with room, and run it again (nothing was changed)",
                disk=Path(temporary_folder()),
            ) from exc
        raise
    except BaseException:
        listing.close()
        raise
    return listing


def temporary_folder() -> str:
    """The folder SQLite puts a scratch database's file in (its file is unlinked as
    it is opened, so none is left behind): as SQLite picks it, SQLITE_TMPDIR, then
    TMPDIR, then /var/tmp, /usr/tmp, /tmp, the first folder that can be written to."""
    if os.name == "nt":
        return tempfile.gettempdir()
    named = (os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"))
    for place in (*named, "/var/tmp", "/usr/tmp", "/tmp"):
        if place and os.path.isdir(place) and os.access(place, os.W_OK | os.X_OK):
            return place
    return "."


Entry = tuple[int, str, str | None, str | None]  # kind's number, path, x, y


def _entries(
    found: Iterable[tuple[int, Recorded | None, Recorded | None]],
    relabeled: Iterator[int],
    renamed: dict[tuple[str | None, str | None], int],
) -> Iterator[Entry]:
    """The entries of the images that differ (in image id order), and in ``renamed`` the
    images of each class rename. ``relabeled``: the images relabeled in between (not by
    a rename), in image id order."""
    kind = _NUMBER
    next_relabeled = next(relabeled, None)
    for i, old, new in found:
        while next_relabeled is not None and next_relabeled < i:
            next_relabeled = next(relabeled, None)
        if old is None and new is not None:
            yield kind["added"], new.path, new.label, None
        elif new is None and old is not None:
            yield kind["removed"], old.path, old.label, None
        elif old is not None and new is not None:
            path = new.path
            if old.label != new.label and i != next_relabeled:
                renamed[(old.label, new.label)] = renamed.get((old.label, new.label), 0) + 1
            elif old.label != new.label:
                yield kind["labels_changed"], path, old.label, new.label
            if old.path != new.path:
                yield kind["moved"], path, old.path, None
            if old.split != new.split:
                yield kind["splits_changed"], path, old.split, new.split
            if (old.status == EXCLUDED) != (new.status == EXCLUDED):
                excluded = kind["excluded" if new.status == EXCLUDED else "included"]
                yield excluded, path, new.label, None
            if (old.status == VERIFIED) != (new.status == VERIFIED):
                verified = kind["verified" if new.status == VERIFIED else "unverified"]
                yield verified, path, new.label, None
            if old.hash != new.hash:
                yield kind["content_changed"], path, None, None


def _scratch() -> sqlite3.Connection:
    """A private SQLite database in a temporary file (deleted as it closes)."""
    conn = sqlite3.connect("", isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(f"PRAGMA cache_size=-{_SCRATCH_CACHE_KB}")
    # seq: the order the images came in (image id order), which keeps a path's rows in it
    conn.execute(
        "CREATE TABLE entry (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, "
        "path TEXT NOT NULL, x, y)"
    )
    return conn


def _text(a: str, b: str, counts: dict[str, int], shown: Any, arrow: str) -> str:
    """The diff in words: the counts, then the rows ``shown(kind)`` gives of each kind
    (the first of them), with how many more there are."""
    if not any(counts.values()):
        return f"{a} {arrow} {b}: no differences"
    lines = [f"{a} {arrow} {b}: " + ", ".join(
        f"{n:,} {_kind_text(kind, n)}" for kind, n in counts.items() if n
    )]  # fmt: skip
    for kind in KINDS:
        if counts[kind]:
            rows = shown(kind)
            lines.append(f"{kind.replace('_', ' ')}:")
            lines += [f"  {_describe(kind, row, arrow)}" for row in rows]
            if counts[kind] > len(rows):
                lines.append(f"  … and {counts[kind] - len(rows):,} more (--json lists all)")
    return "\n".join(lines)


def _kind_text(kind: str, n: int) -> str:
    """The kind in words: 'labels changed', or 'label changed' for one."""
    text = kind.replace("_", " ")
    if n == 1:
        for many, one in (("labels ", "label "), ("splits ", "split "), ("classes ", "class ")):
            text = text.replace(many, one)
    return text


def _describe(kind: str, row: dict[str, Any], arrow: str) -> str:
    if "images" in row:
        names = label_change(row["old"], row["new"], arrow)  # (a class: never empty)
        return f"{names} ({counted(row['images'], 'image')})"
    if kind == "labels_changed":  # (as `history` writes it: 'cat' → 'dog', ∅ for none)
        return f"{shown_path(row['path'])}: {label_change(row['old'], row['new'], arrow)}"
    if "new" in row:
        old, new = row["old"] or "(none)", row["new"] or "(none)"
        return f"{shown_path(row['path'])}: {old} {arrow} {new}"
    if "old_path" in row:
        return f"{shown_path(row['old_path'])} {arrow} {shown_path(row['path'])}"
    if "label" in row:
        return f"{shown_path(row['path'])} ({row['label'] or 'unlabeled'})"
    return shown_path(str(row["path"]))
