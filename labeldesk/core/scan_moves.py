"""The scan writer's moves: results held back until every path is probed, images whose
bytes reappear elsewhere (their row keeps its id, label and history), paths freed for
them, and rows gone. Mixed into :class:`~labeldesk.core.scan_writer.ScanWriter`."""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

from .imageio import ProbeResult
from .labels import RETIRED, Change, where_it_was
from .layout import Placement, placement
from .scan_rows import KnownRow, ScanCounts

if TYPE_CHECKING:
    from .interfaces import IndexedFolder


class ScanMoves:
    """Moves, deferred results and removals of a :class:`ScanWriter` (see the module)."""

    if TYPE_CHECKING:  # the writer's, as ScanWriter sets and defines them
        project: IndexedFolder
        rows: dict[str, KnownRow]
        gone: dict[str, KnownRow]
        gone_by_hash: dict[str, list[KnownRow]]
        held: set[str]
        deferred: list[ProbeResult]
        resolving: bool
        counts: ScanCounts
        pending: list[Change]
        aliases: dict[str, str | None]
        removed_hashes: set[str]
        some_unchanged: bool
        held_still: set[str]

        def folder_placement(self, rel: str) -> tuple[Placement, str | None]: ...
        def write(self, results: list[ProbeResult]) -> None: ...
        def _still_holds(
            self, rel: str, indexed: tuple[int, int, int | None], digest: str
        ) -> bool: ...

    def _defer(self, res: ProbeResult, row: KnownRow | None) -> bool:
        """Whether to wait with ``res`` until every path is probed: other bytes at a known
        image's path, or bytes that an image on a path being probed held. Which image they
        are depends on what the other paths now hold (:meth:`resolve_moves`)."""
        if res.hash is None or res.skip_reason or self.resolving:
            return False
        if row is not None and not row.removed and row.hash is not None:
            return row.hash != res.hash
        return res.hash in self.held

    def resolve_moves(self) -> None:
        """After every path was probed: apply the results held back by :meth:`_defer`.

        An image whose path now holds other bytes, and whose own bytes went to another
        path or whose path took another image's bytes, becomes a vanished row first: its
        bytes elsewhere take it over as a move (its id, label and history follow the
        picture, as when a folder is renumbered), and if they are nowhere it is removed.
        Other bytes at a path with no such link are an edit in place: the row stays."""
        deferred, self.deferred = self.deferred, []
        if not deferred:
            return
        found_at: dict[str, set[str]] = {}
        for res in deferred:
            found_at.setdefault(res.hash or "", set()).add(res.path)
        changed = []
        for res in deferred:
            row = self.rows.get(res.path)
            if row is not None and not row.removed and row.hash not in (None, res.hash):
                changed.append((row, res.hash or ""))
        held_by: dict[str, list[int]] = {}
        for row, _ in changed:
            held_by.setdefault(row.hash or "", []).append(row.id)
        for digest, rows in self.gone_by_hash.items():
            held_by.setdefault(digest, []).extend(r.id for r in rows if r.path in self.gone)
        with self.project.db.write() as conn:
            for row, now_here in changed:
                left = bool(found_at.get(row.hash or "", set()) - {row.path})
                came = any(other != row.id for other in held_by.get(now_here, ()))
                if not (left or came) and now_here:
                    came = self._vanished_holder(conn, now_here, row.path) is not None
                if left or came:
                    self._vacate(conn, row.path)
                    self.gone[row.path] = row
                    self.gone_by_hash.setdefault(row.hash or "", []).insert(0, row)
            self.resolving = True
            try:
                self.write(deferred)
            finally:
                self.resolving = False

    def _vanished_holder(self, conn: sqlite3.Connection, digest: str, rel: str) -> KnownRow | None:
        """An image with bytes ``digest`` that the walk found unchanged but whose file no
        longer holds them: it was moved (to ``rel``) while this scan ran, after the walk
        looked at it (``mv X Y`` landing mid-scan; one side of a swap). It becomes a
        vanished row, so it moves with its label and history as if the move had come
        before the scan; otherwise the picture would arrive as a new image, or as an edit
        of the image it replaced, and its own row would keep the wrong picture or be taken
        for removed. What its old path holds now is left to the next scan."""
        if not self.some_unchanged or digest in self.held_still:
            return None  # (each hash's holders looked at once a scan: copies cost no more)
        found = conn.execute(
            "SELECT id, path, size, mtime_ns, ctime_ns, folder_label, label, skip_reason, split "
            "FROM images WHERE hash = ? AND removed_at IS NULL AND path != ?",
            (digest, rel),
        ).fetchall()
        for image_id, at, size, mtime_ns, ctime_ns, folder_label, label, skipped, split in found:
            if at in self.rows or at in self.gone or at.startswith(RETIRED):
                continue  # probed or gone already: the move logic sees it there
            if self._still_holds(at, (size, mtime_ns, ctime_ns), digest):
                continue
            row = KnownRow(image_id, at, size, mtime_ns, digest, False, folder_label, label,
                           skipped, split)  # fmt: skip
            self.gone[at] = row
            self.gone_by_hash.setdefault(digest, []).insert(0, row)
            if skipped:  # counted so by the walk
                self.counts.unchanged_skipped -= 1
            else:
                self.counts.unchanged -= 1
            return row
        self.held_still.add(digest)
        return None

    def _take_gone(self, digest: str) -> KnownRow | None:
        for row in self.gone_by_hash.get(digest, []):
            if row.path in self.gone:
                return row
        return None

    def _take_removed(self, conn: sqlite3.Connection, digest: str, rel: str) -> KnownRow | None:
        """An image an earlier scan found removed whose bytes are back, at ``rel`` (a folder
        moved out for a while and back under another name): the latest removed."""
        if digest not in self.removed_hashes:  # most files: no query
            return None
        found = conn.execute(
            "SELECT id, path, size, mtime_ns, hash, folder_label, label, skip_reason, split "
            "FROM images WHERE hash = ? AND removed_at IS NOT NULL AND path != ? "
            "ORDER BY removed_at DESC, id DESC LIMIT 1",
            (digest, rel),
        ).fetchone()
        if found is None:
            return None
        at = found[1]
        if (here := self.rows.get(at)) is not None and here.id == found[0]:
            del self.rows[at]  # its path is free once it moves: a file there is new
        original = where_it_was(at)
        image_id, _, size, mtime_ns, digest, folder_label, label, skipped, split = found
        return KnownRow(
            image_id, original, size, mtime_ns, digest, True, folder_label, label, skipped, split
        )

    def _vacate(self, conn: sqlite3.Connection, rel: str) -> None:
        """Free ``rel`` for a file moved onto it: the removed image that had that path
        keeps its row and history under a path no file can have (relative paths never
        start with "/"); versions keep the paths they recorded."""
        row = self.rows.pop(rel, None)
        if row is not None:
            conn.execute(
                "UPDATE images SET path = ? WHERE id = ?", (f"{RETIRED}{row.id}/{rel}", row.id)
            )

    def _move(self, conn: sqlite3.Connection, old: KnownRow, new_path: str) -> None:
        """A file that reappeared under ``new_path``: the row keeps its id and history.

        Moving it into another class or split folder changes its label or split (as
        events), unless a person had changed that since the folder last set it. The
        label and split are read again here, in the write: one set while this scan was
        decoding is a person's change too. A file renamed, or moved, within its class
        folder (or to the folder of that name in another split) keeps its label and the
        class its folder gave it: read while the class was removed, that would be none,
        and once an undo brought the class back the next rename would relabel it."""
        if (gone := self.gone.get(old.path)) is not None and gone.id == old.id:
            del self.gone[old.path]  # (not for an image removed by an earlier scan)
        self.counts.moved += 1
        place, _ = self.folder_placement(new_path)
        before, _ = self.folder_placement(old.path)
        label, split, folder_label = conn.execute(
            "SELECT label, split, folder_label FROM images WHERE id = ?", (old.id,)
        ).fetchone()
        other_folder = placement(new_path).label != placement(where_it_was(old.path)).label
        conn.execute(
            "UPDATE images SET folder_label = ?, removed_at = NULL WHERE id = ?",
            (place.label if other_folder else folder_label, old.id),
        )
        # The folder's class as it is called now (renamed or merged since, or removed).
        folder_class = self.aliases.get(folder_label, folder_label)
        change: dict[str, object] = {}
        if other_folder and place.label != folder_class and label == folder_class:
            change["label"] = place.label
        if place.split != before.split and split == before.split:
            change["split"] = place.split
        if change:
            self.pending.append(Change(old.id, **change))

    def mark_removed(self) -> None:
        if not self.gone:
            return
        now = time.time()
        with self.project.db.write() as conn:
            conn.executemany(
                "UPDATE images SET removed_at = ? WHERE id = ?",
                [(now, row.id) for row in self.gone.values()],
            )
        unusable = sum(1 for row in self.gone.values() if row.skip_reason)
        self.counts.removed += len(self.gone) - unusable
        self.counts.removed_skipped += unusable
