"""Incremental indexing of the image folder into the project database.

A scan walks the tree (stat only), compares size, mtime and status-change time (ctime:
a rename or a write moves it, and no tool sets it back) with what the database holds,
and decodes only new or changed files, in parallel worker processes that also write the
thumbnails. A file whose content reappears under another path is a move: the row keeps
its id, so its label history follows it; also when that path still exists with other
bytes (a renumbered folder, two swapped files: ScanWriter.resolve_moves, once every path
is probed). A removed image comes back only with its own bytes, at its old path or
any other (a folder moved out for a while and back renamed); other bytes at its path
are a new image. Results are written in batches as they arrive, so a cancelled scan
keeps what it finished and the next scan continues from there.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from .copy_temps import sweep_copy
from .display import counted
from .imageio import ProbeResult
from .indexed_files import hash_file, racy_change_time
from .probe_pool import probe_all
from .progress import CancelToken, Progress, ProgressCallback, no_progress
from .scan_rows import KnownRow, ScanCounts, transient_reason
from .scan_writer import ScanWriter, folder_name_fine_now
from .sql_lists import IN_LIST, json_list
from .thumbnail_temps import sweep
from .walk import walk_images

if TYPE_CHECKING:
    from .interfaces import IndexedFolder

log = logging.getLogger(__name__)

WRITE_BATCH = 256
HASH_THREADS = 8  # at most, and never more than the machine's cores
HASH_CHUNK = 1024


def scan(
    project: IndexedFolder,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    workers: int | None = None,
) -> ScanCounts:
    """Bring the database in line with the folder; return what changed."""
    started = time.time()
    cancel = cancel or CancelToken()
    progress(Progress(0, 0, "listing files"))
    walked = walk_images(
        project.root, exclude=project.scan_excludes(), follow_outside=project.follows_outside_links
    )
    walked_at = time.time()  # every file's times were read by now (_racy)
    counts = ScanCounts()
    swept = sweep(project.thumbs_dir)  # what a killed scan left half-written
    if swept:
        log.info("removed %d thumbnail temporaries left by stopped processes", swept)
    copies = sum(sweep_copy(path) for path in walked.copy_temporaries)  # and a killed copy
    if copies:
        log.info("removed %d copy temporaries left by stopped processes", copies)
    if walked.labeldesk_folders:
        shown = _first_five(sorted(walked.labeldesk_folders))
        counts.warnings.append(
            f"left out {counted(len(walked.labeldesk_folders), 'folder')} LabelDesk made "
            f"inside the image folder (another project or an export): {shown}"
        )
    if walked.linked_twice:
        links = len(walked.linked_twice)
        shown = _first_five([f"{link} -> {to or '.'}" for link, to in walked.linked_twice])
        counts.warnings.append(
            f"{counted(links, 'symbolic link')} inside the image folder "
            f"{'leads' if links == 1 else 'lead'} to a folder indexed at its own path: its "
            f"images are indexed there (with that path's class and split), not again: {shown}"
        )
    # What an unchanged file is compared on, as plain tuples: at 1M images the full rows
    # cost seconds to build, and only new, changed, vanished and unusable files need them.
    known = _load_stats(project)
    to_probe: list[str] = []
    first_seen: list[str] = []  # indexed before change times were kept (schema 13)
    to_hash: list[str] = []  # the change time alone moved
    racy: list[str] = []  # as indexed, but indexed in their mtime's tick (_racy)
    unusable: set[str] = set()  # of those lists, files that cannot be used
    for rel, stat in walked.files.items():
        state = known.get(rel)
        if (
            state is None
            or state[0] != stat[0]
            or state[1] != stat[1]
            or transient_reason(state[3])
            or folder_name_fine_now(rel, state[3])
        ):
            to_probe.append(rel)
        elif state[2] in (stat[2], None) and _racy(state, walked_at):
            racy.append(rel)
            if state[3]:
                unusable.add(rel)
        elif state[2] == stat[2]:
            counts.count_unchanged(state[3])
        else:
            (first_seen if state[2] is None else to_hash).append(rel)
            if state[3]:
                unusable.add(rel)
    to_hash += racy
    same = _same_bytes(project, to_hash, cancel, progress, set(racy))
    to_probe += [rel for rel in to_hash if rel not in same]
    settled = [*first_seen, *same]
    for rel in settled:
        counts.count_unchanged(rel in unusable)
    if settled:
        checked = [(rel, known[rel]) for rel in racy if rel in same]
        proven = _proven(project, started, [(rel, st) for rel, st in checked if st is not None])
        with project.db.write() as conn:
            conn.executemany(  # read now: no longer racy (started: see ScanWriter)
                "UPDATE images SET ctime_ns = ?, indexed_at = ? WHERE path = ?",
                [(walked.files[rel][2], proven.get(rel, started), rel) for rel in settled],
            )
    live = [p for p, state in known.items() if state is not None]
    gone_paths = [p for p in live if p not in walked.files and p not in walked.problems]
    rows = {r.path: r for r in _load_rows(project, [*to_probe, *gone_paths, *walked.problems])}
    gone = {p: rows[p] for p in gone_paths}
    if live and not walked.files and not walked.problems:
        counts.emptied = len(live)
        counts.warnings.append(nothing_found(project, len(live)))

    writer = ScanWriter(project, rows, gone, counts, started)
    writer.write_problems(walked.problems)
    to_probe = writer.match_renames(to_probe, walked.files)

    total = len(to_probe)
    progress(Progress(0, total, "decoding images"))
    pending: list[ProbeResult] = []
    for done, result in enumerate(
        probe_all(str(project.root), str(project.thumbs_dir), to_probe, workers, cancel), start=1
    ):
        pending.append(result)
        if len(pending) >= WRITE_BATCH:
            writer.write(pending)
            pending = []
            progress(Progress(done, total, "decoding images"))
    writer.write(pending)
    counts.warnings += writer.warnings()
    if cancel.cancelled:
        counts.cancelled = True  # held-back results are dropped: the next scan probes them
    else:
        writer.resolve_moves()
        writer.mark_removed()
    counts.seconds = time.time() - started
    _log_scan(project, started, counts, len(walked.problems))
    progress(Progress(total, total, "done"))
    return counts


def nothing_found(project: IndexedFolder, indexed: int) -> str:
    """The warning for an image folder that holds no image now, where there were some:
    a drive not mounted, a folder emptied by mistake."""
    return (
        f"no images found in {project.root}, where {indexed:,} were indexed: they are "
        "marked removed (their labels are kept, and they come back with their files). "
        "Is the drive or share mounted?"
    )


def _first_five(names: list[str]) -> str:
    """Names for a warning: the first five, then how many more."""
    more = f", … and {len(names) - 5:,} more" if len(names) > 5 else ""
    return ", ".join(names[:5]) + more


# How close to the time a file was read its mtime may be and still be racy. FAT keeps
# times to 2 s (and no change time: Linux reports the mtime), exFAT on Linux through FUSE
# and HFS+ to 1 s: bytes rewritten at the same size within that tick after a scan read
# them leave size, mtime and change time as indexed, and would pass for unchanged for
# good. Such a file is hashed again by the next scan (as git does with its index); a
# second to spare for times rounded up rather than down.
RACY_SECONDS = 3
#
# A file whose mtime lies ahead of the clock (a camera's wrong clock, a share or a FAT
# mount whose times are shifted by hours) stayed racy, and was hashed at every scan,
# until the clock caught up with it, which may be never. The rule for it: a rewrite that
# keeps the mtime, made by the clock that gave it (right or wrong), falls within one
# tick of the write that gave it, and that write came before the scan that recorded it.
# So once a scan that started RACY_SECONDS or more after that scan finished has hashed
# the file and found the bytes indexed, no such rewrite can still come, and the file is
# marked proven (_proven_at). Only a write when this computer's clock shows that mtime
# could keep it then: a proven file is hashed again when the clock comes within
# RACY_SECONDS of its mtime. A quicker rescan proves nothing (the next one does).

Stats = tuple[int, int, int | None, str | None, float]


def _racy(state: Stats, now: float) -> bool:
    """Whether the file's indexed mtime or change time is too close to when it was read
    to prove that the bytes indexed are those it holds now (``now``: its times were read
    by then).

    The change time: a tool that puts the old mtime back (``cp --preserve=timestamps``
    of a picture of the same size) leaves it the only sign of a rewrite, and where change
    times are whole seconds (ext3, small-inode ext4, many network and FUSE file systems)
    a rewrite in the second of the copy the scan read keeps that too. No tool sets a
    change time back, so one more hash by the next scan settles it. A change time with a
    fraction of a second comes from a fine clock, which a later write moves; one ahead
    of this computer's clock (a share's clock) is left to the size and mtime: it would
    be hashed at every scan."""
    mtime, ctime, indexed_at = state[1], state[2], state[4]
    if ctime is not None and racy_change_time(ctime, indexed_at, now, RACY_SECONDS):
        return True
    if indexed_at == _proven_at(mtime):
        return mtime <= (now + RACY_SECONDS) * 1e9
    return mtime >= (indexed_at - RACY_SECONDS) * 1e9


def _proven_at(mtime_ns: int) -> float:
    """The ``indexed_at`` of a proven file (see RACY_SECONDS): just past its mtime's
    racy time, which no scan's start time equals in practice."""
    return mtime_ns / 1e9 + RACY_SECONDS + 1


def _proven(
    project: IndexedFolder, started: float, same: list[tuple[str, Stats]]
) -> dict[str, float]:
    """Of the racy files this scan hashed and found as indexed (path, stats), those whose
    mtime lies ahead of the clock and that this scan proves: path -> their new
    ``indexed_at``. Proof needs a start RACY_SECONDS after the end of the scan that
    last read them (its start is their ``indexed_at``; a killed scan logged no end)."""
    ahead = [(rel, state) for rel, state in same if state[1] > (started + RACY_SECONDS) * 1e9]
    if not ahead:
        return {}
    with project.db.reading() as conn:
        ended = {r[0]: r[1] for r in conn.execute("SELECT started_at, finished_at FROM scans")}
    return {
        rel: _proven_at(state[1])
        for rel, state in ahead
        if started >= ended.get(state[4], started) + RACY_SECONDS
    }


def _load_stats(project: IndexedFolder) -> dict[str, Stats | None]:
    """path -> (size, mtime_ns, ctime_ns, skip reason, indexed_at) of every row, None for
    a removed one. ``indexed_at``: the start of the scan that last read the file (the
    time it was written, in projects indexed by earlier versions), never later than the
    read; or, for a file whose mtime lies ahead of the clock, :func:`_proven_at`."""
    with project.db.reading() as conn:
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: a million sqlite3.Row objects cost seconds
        cursor.execute(
            "SELECT path, size, mtime_ns, ctime_ns, skip_reason, removed_at IS NOT NULL, "
            "indexed_at FROM images"
        )
        return {r[0]: None if r[5] else (r[1], r[2], r[3], r[4], r[6]) for r in cursor}


def _same_bytes(
    project: IndexedFolder,
    paths: list[str],
    cancel: CancelToken,
    progress: ProgressCallback,
    as_walked: set[str],
) -> set[str]:
    """Those of ``paths`` whose bytes still hash as indexed. A change time moves with a
    rename or a write, but also with a hard link made to the file (by another tool:
    an export's own ``--hardlink`` records the new times), new permissions or attributes:
    such files are hashed, not decoded again, on a few threads (hashing and reading let
    go of the GIL). Of ``as_walked`` (files the walk found as indexed), one gone by the
    time it is hashed counts as the walk found it: the scan's checks of a file moved
    mid-scan (ScanWriter.resolve_moves) take it from there, as for any unchanged file."""
    if not paths:
        return set()
    query = f"SELECT path, hash FROM images WHERE path {IN_LIST}"
    stored: dict[str, str | None] = {
        r[0]: r[1] for r in project.db.query(query, (json_list(paths),))
    }

    def same(rel: str) -> bool:
        if cancel.cancelled or stored.get(rel) is None:
            return False  # probed: a cancelled scan probes nothing more
        try:
            return hash_file(project.root / rel) == stored[rel]
        except FileNotFoundError:
            return rel in as_walked
        except OSError:
            return False  # probed: the probe says what is wrong with it

    found: set[str] = set()
    with ThreadPoolExecutor(min(HASH_THREADS, os.cpu_count() or 1)) as pool:
        for start in range(0, len(paths), HASH_CHUNK):  # a chunk's futures at a time
            progress(Progress(start, len(paths), "checking files whose change time moved"))
            part = paths[start : start + HASH_CHUNK]
            found.update(rel for rel, ok in zip(part, pool.map(same, part), strict=True) if ok)
    return found


def _load_rows(project: IndexedFolder, paths: list[str]) -> Iterator[KnownRow]:
    """The full rows of ``paths`` (those the database has)."""
    if not paths:
        return
    for r in project.db.query(
        "SELECT id, path, size, mtime_ns, hash, removed_at IS NOT NULL, folder_label, label, "
        f"skip_reason, split FROM images WHERE path {IN_LIST}",
        (json_list(paths),),
    ):
        yield KnownRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], r[8], r[9])


def _log_scan(project: IndexedFolder, started: float, counts: ScanCounts, problems: int) -> None:
    with project.db.write() as conn:
        conn.execute(
            "INSERT INTO scans(started_at, finished_at, added, removed, changed, moved, skipped) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                started,
                time.time(),
                counts.added,
                counts.removed,
                counts.changed,
                counts.moved,
                problems,
            ),
        )
