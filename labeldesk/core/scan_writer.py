"""Writing a scan's results to the database: the scanner's single writer.

Probe results are applied in batched transactions, each with the folder labels and
splits of the rows it adds (as label events), so a scan cut short keeps every batch it
wrote whole. Files whose bytes reappear under another path are moves: the row keeps its
id and history (:mod:`labeldesk.core.scan_moves`). Classes and aliases are read again in
each transaction, so a class renamed while the scan runs is followed.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from .classes import NameIndex, add_classes, aliases, class_index, class_name_problem
from .display import counted
from .imageio import ProbeResult
from .indexed_files import hash_file, stat_matches
from .labels import Change, apply_changes, batch_undone
from .layout import Placement, placement
from .scan_moves import ScanMoves
from .scan_rows import KnownRow, ScanCounts, transient_reason

if TYPE_CHECKING:
    from .interfaces import IndexedFolder


FOLDER_REASON = "class folder "  # how a skip for the class folder's name begins


def folder_name_fine_now(rel: str, reason: str | None) -> bool:
    """Whether a file skipped for its class folder's name (by a version with other name
    rules: ``CON/`` was refused) is in a folder whose name is a class name now. Such a
    file is probed again though it has not changed, and gets its folder's class."""
    if reason is None or not reason.startswith(FOLDER_REASON):
        return False
    label = placement(rel).label
    return label is not None and class_name_problem(label) is None


class ScanWriter(ScanMoves):
    """Applies probe results to the database in batched transactions."""

    def __init__(
        self,
        project: IndexedFolder,
        rows: dict[str, KnownRow],
        gone: dict[str, KnownRow],
        counts: ScanCounts,
        started: float | None = None,
    ):
        self.project = project
        # Each row's indexed_at: when this scan started, before any file was read, so a
        # file written within its time stamp's tick after the read is hashed again by the
        # next scan (scanner.RACY_SECONDS)
        self.started = started
        self.rows = rows
        self.gone = gone
        self.gone_by_hash: dict[str, list[KnownRow]] = {}
        for row in gone.values():
            if row.hash:
                self.gone_by_hash.setdefault(row.hash, []).append(row)
        # What images on paths to probe held: bytes arriving with one of these hashes may
        # be that image moved (a folder renumbered, two files swapped), decided at the end.
        self.held = {r.hash for p, r in rows.items() if r.hash and not r.removed and p not in gone}
        self.deferred: list[ProbeResult] = []
        self.resolving = False
        self.counts = counts
        self.pending: list[Change] = []  # folder labels and splits, recorded as events
        self.batch_id: int | None = None  # the batch recording them (one for the scan)
        with project.db.reading() as conn:
            self._read_classes(conn)
            removed = "SELECT DISTINCT hash FROM images WHERE removed_at IS NOT NULL"
            self.removed_hashes = {r[0] for r in conn.execute(removed) if r[0]}
        self.thumbnail_failures: dict[str, int] = {}
        # Files the walk found unchanged may move while the scan runs (see
        # :meth:`_vanished_holder`); none to look for on a first scan.
        self.some_unchanged = counts.unchanged + counts.unchanged_skipped > 0
        self.held_still: set[str] = set()  # hashes whose every holder was found in place

    def _read_classes(self, conn: sqlite3.Connection) -> None:
        """Read the classes and aliases again, inside each write: a class renamed, merged
        or removed while this scan runs (by the app or another process) is followed, not
        brought back under its old name. The table is small; class edits never wait for
        a scan."""
        self.aliases = aliases(conn)
        # Folder names find classes and aliases in any Unicode form (folder_placement).
        self.class_index, self.alias_index = class_index(conn), NameIndex(self.aliases)

    def folder_placement(self, rel: str) -> tuple[Placement, str | None]:
        """Split and class a path's folders give, with renamed classes followed, and the
        reason the folder name cannot be a class (the file is then skipped)."""
        split, label = placement(rel)
        if label is None:
            return Placement(split, None), None
        problem = class_name_problem(label)
        if problem is not None:
            return Placement(split, None), f"class folder {label!r} is not usable: {problem}"
        label = label.strip()
        # The class as stored (an older version may have stored it NFD; placement gives
        # NFC), else the class a rename or merge moved it to (None: removed), else new.
        stored = self.class_index.find(label)
        if stored is None:
            alias = self.alias_index.find(label)
            stored = label if alias is None else self.aliases[alias]
        return Placement(split, stored), None

    def match_renames(
        self, candidates: list[str], stats: dict[str, tuple[int, int, int]]
    ) -> list[str]:
        """Match renamed files (same size and mtime as a vanished one) by hash, without
        decoding. ``stats``: each path's (size, mtime_ns, ctime_ns) from the walk.

        The moves are written in one transaction, their folder labels as one batch: a
        class folder renamed on disk is one change, which one undo takes back."""
        by_stat: dict[tuple[int, int], list[KnownRow]] = {}
        for row in self.gone.values():
            by_stat.setdefault((row.size, row.mtime_ns), []).append(row)
        rest, moves, taken = [], [], set()
        for rel in candidates:
            olds = by_stat.get(stats[rel][:2])
            here = self.rows.get(rel)
            if (here is None or here.removed) and olds and self.folder_placement(rel)[1] is None:
                try:
                    digest: str | None = hash_file(self.project.root / rel)
                except OSError:
                    digest = None  # unreadable: probed, never matched to a row without a hash
                old = next(
                    (r for r in olds if digest and r.hash == digest and r.id not in taken), None
                )
                if old is not None and (here is None or here.hash != digest):
                    moves.append((rel, old))
                    taken.add(old.id)
                    continue
            rest.append(rel)
        if moves:
            with self.project.db.write() as conn:
                self._read_classes(conn)
                for rel, old in moves:
                    self._vacate(conn, rel)
                    conn.execute(  # a rename moves the change time: the new one
                        "UPDATE images SET path = ?, ctime_ns = ?, indexed_at = ? WHERE id = ?",
                        (rel, stats[rel][2], self.started or time.time(), old.id),
                    )
                    self._move(conn, old, rel)
                self.apply_pending()
        return rest

    def write(self, results: list[ProbeResult]) -> None:
        if not results:
            return
        now = time.time() if self.started is None else self.started
        with self.project.db.write() as conn:
            self._read_classes(conn)
            for res in results:
                place, problem = self.folder_placement(res.path)
                if problem is not None and res.skip_reason is None:
                    res = replace(res, skip_reason=problem)
                if res.warning:
                    self.thumbnail_failures[res.warning] = (
                        self.thumbnail_failures.get(res.warning, 0) + 1
                    )
                fields = (*(getattr(res, c) for c in _PROBED), now)
                row = self.rows.get(res.path)
                if self._passing_failure(res, row):
                    # Moved away mid-scan, permissions: its bytes stay known, so the next
                    # scan still finds it if it moved, label and all.
                    assert row is not None
                    if row.skip_reason != res.skip_reason:
                        self.counts.changed += 1
                    else:
                        self.counts.count_unchanged(res.skip_reason)
                    conn.execute(
                        "UPDATE images SET skip_reason = ?, indexed_at = ? WHERE id = ?",
                        (res.skip_reason, now, row.id),
                    )
                    continue
                if self._defer(res, row):
                    self.deferred.append(res)
                    continue
                # A file moved here: onto a new path, or onto the path of an image removed
                # earlier (unless that image's own bytes came back).
                movable = row is None or (row.removed and row.hash != res.hash)
                old = self._take_gone(res.hash) if movable and res.hash else None
                if old is None and movable and res.hash and problem is None:
                    old = self._vanished_holder(conn, res.hash, res.path)
                if old is None and movable and res.hash and problem is None:
                    old = self._take_removed(conn, res.hash, res.path)
                if old is not None and problem is None:
                    self._vacate(conn, res.path)
                    conn.execute(_UPDATE + ", path = ? WHERE id = ?", (*fields, res.path, old.id))
                    self._move(conn, old, res.path)
                    continue
                if row is not None and row.removed and row.hash != res.hash and not res.skip_reason:
                    # Other bytes at the path of an image removed earlier: a new image, with
                    # its folder's label. The removed one keeps its label, status and
                    # history, under a retired path. Not for a file that cannot be read
                    # (a restore caught mid-copy): the row comes back, and the next scan
                    # sees the whole file as a change to it.
                    self._vacate(conn, res.path)
                    row = None
                if row is not None:
                    fine_now = folder_name_fine_now(row.path, row.skip_reason)
                    if fine_now and place.label and not row.removed:
                        self._folder_label_now(conn, row, place.label)
                    if row.removed:
                        self._count_added(res)
                    elif (row.hash, row.skip_reason) != (res.hash, res.skip_reason):
                        self.counts.changed += 1
                    else:
                        self.counts.count_unchanged(res.skip_reason)
                    conn.execute(_UPDATE + " WHERE id = ?", (*fields, row.id))
                else:
                    self._count_added(res)
                    image_id = conn.execute(
                        _INSERT, (*fields, res.path, place.split, place.label)
                    ).lastrowid
                    if place.label:
                        self.pending.append(Change(image_id or 0, label=place.label))
            # In the same transaction: a row never lands without its folder label, even
            # if the process dies right after this batch.
            self.apply_pending()

    def _folder_label_now(self, conn: sqlite3.Connection, row: KnownRow, label: str) -> None:
        """The folder's class for a file a scan skipped for its folder's name, which a
        class may have now (:func:`folder_name_fine_now`): as a new file gets it."""
        conn.execute("UPDATE images SET folder_label = ? WHERE id = ?", (label, row.id))
        if row.label is None:
            self.pending.append(Change(row.id, label=label))

    def _count_added(self, res: ProbeResult) -> None:
        if res.skip_reason:
            self.counts.added_skipped += 1
        else:
            self.counts.added += 1

    def write_problems(self, problems: dict[str, str]) -> None:
        if problems:
            self.write([ProbeResult(path, skip_reason=reason) for path, reason in problems.items()])

    def warnings(self) -> list[str]:
        return [
            f"{counted(n, 'thumbnail')} could not be written "
            f"({why.removeprefix('thumbnail not written: ')}); the images are indexed and "
            "their thumbnails are made again when needed"
            for why, n in self.thumbnail_failures.items()
        ]

    @staticmethod
    def _passing_failure(res: ProbeResult, row: KnownRow | None) -> bool:
        """A known image that could not be read this time for a reason that may pass."""
        known = row is not None and not row.removed and bool(row.hash)
        return known and res.hash is None and transient_reason(res.skip_reason)

    def _still_holds(self, rel: str, indexed: tuple[int, int, int | None], digest: str) -> bool:
        """Whether the file at ``rel`` is still the indexed one: its size and times as
        indexed, else its bytes (a file that cannot be read is given the benefit)."""
        path = self.project.root / rel
        try:
            if stat_matches(os.stat(path), indexed):
                return True
            return hash_file(path) == digest
        except FileNotFoundError:
            return False
        except OSError:
            return True

    def apply_pending(self) -> None:
        """Record pending folder labels and splits (joins the caller's transaction)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        with self.project.db.write() as conn:
            found = {c.label for c in pending if isinstance(c.label, str)}
            # As the folders hold them (``Bag`` and ``bag``: two folders, two classes).
            add_classes(conn, sorted(found), explicit=False, case_twins=True)
            # One batch for the whole scan, though written in several transactions: an
            # undo of "the scan's folder labels" takes them all. Not one undone meanwhile:
            # labels added to it would stand, and it could not be undone again.
            if self.batch_id is not None and batch_undone(conn, self.batch_id):
                self.batch_id = None
            self.batch_id, _ = apply_changes(
                self.project.db,
                pending,
                source="import",
                description="folder labels from scan",
                batch_id=self.batch_id,
            )


# Columns filled from a ProbeResult, in the order the statements below expect them.
_PROBED = (
    "size",
    "mtime_ns",
    "ctime_ns",
    "hash",
    "width",
    "height",
    "format",
    "mode",
    "frames",
    "phash",
    "skip_reason",
)
_UPDATE = (
    "UPDATE images SET "
    + ", ".join(f"{c} = ?" for c in _PROBED)
    + ", indexed_at = ?, removed_at = NULL"
)
_INSERT = (
    f"INSERT INTO images({', '.join(_PROBED)}, indexed_at, path, split, folder_label) "
    f"VALUES ({', '.join('?' * (len(_PROBED) + 4))})"
)
