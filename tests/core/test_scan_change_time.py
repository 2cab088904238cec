"""A re-scan compares each file's status-change time (ctime) too: bytes rewritten with
the size and time of before are seen; a file whose change time alone moved (a hard link
made to it) is hashed, not decoded. (Two files of one size and time swapped by renaming:
test_scan_moves.)"""

from __future__ import annotations

import os
import sqlite3
import time

import numpy as np
import pytest
from PIL import Image

from labeldesk.core import db, probe_pool
from labeldesk.core.create import create_and_index
from labeldesk.core.indexed_files import hash_file
from labeldesk.core.project import Project, open_project

SAME_TIME_NS = 1_600_000_000 * 10**9  # every file's mtime, as an archive extracts them


def _bmp(path, value: int) -> None:
    """A 16 x 16 BMP: every one of them has the same size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((16, 16, 3), value, np.uint8)).save(path, "BMP")


def _indexed(tmp_path, values: dict[str, int]) -> tuple:
    root = tmp_path / "images"
    for name, value in values.items():
        _bmp(root / name, value)
        os.utime(root / name, ns=(SAME_TIME_NS, SAME_TIME_NS))
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    time.sleep(0.05)  # change times tick coarsely: what follows lands on a later one
    return root, project


def _no_reading(monkeypatch) -> None:
    """Neither decoded (the probe) nor hashed (the scanner's and the writer's checks)."""
    from labeldesk.core import scan_writer, scanner

    def fail(*args, **kwargs):
        pytest.fail(f"read a file: {args[:1]}")

    for module, name in (
        (probe_pool, "probe_file"),
        (scanner, "hash_file"),
        (scan_writer, "hash_file"),
    ):
        monkeypatch.setattr(module, name, fail)


def _stored_hash(project: Project, rel: str) -> str:
    return project.db.scalar("SELECT hash FROM images WHERE path = ?", (rel,))  # type: ignore[return-value]


def test_bytes_rewritten_with_the_old_time_put_back_are_a_change(tmp_path):
    root, project = _indexed(tmp_path, {"a.bmp": 0, "b.bmp": 80})
    before = os.stat(root / "a.bmp")
    _bmp(root / "a.bmp", 200)  # same size: a BMP of the same dimensions
    os.utime(root / "a.bmp", ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(root / "a.bmp")
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    counts = project.scan(workers=1)

    assert (counts.changed, counts.unchanged) == (1, 1)
    assert _stored_hash(project, "a.bmp") == hash_file(root / "a.bmp")
    project.close()


def test_a_file_whose_change_time_alone_moved_is_hashed_not_decoded_and_found_the_same(
    tmp_path, monkeypatch
):
    """A hard link made to it by another tool moves its change time."""
    root, project = _indexed(tmp_path, {"a.bmp": 0, "b.bmp": 80})
    os.link(root / "a.bmp", tmp_path / "exported.bmp")
    now = os.stat(root / "a.bmp").st_ctime_ns
    assert now != project.db.scalar("SELECT ctime_ns FROM images WHERE path = 'a.bmp'")
    monkeypatch.setattr(probe_pool, "probe_file", lambda *a, **k: pytest.fail("decoded a file"))

    counts = project.scan(workers=1)

    assert (counts.changed, counts.moved, counts.unchanged) == (0, 0, 2)
    assert project.db.scalar("SELECT ctime_ns FROM images WHERE path = 'a.bmp'") == now
    project.close()


def test_a_project_indexed_before_change_times_were_kept_gets_them_without_reading(
    tmp_path, monkeypatch
):
    root, project = _indexed(tmp_path, {"a.bmp": 0, "b.bmp": 80})
    project.close()
    conn = sqlite3.connect(tmp_path / "proj" / db.DB_FILENAME)  # made as schema 12 made it
    conn.execute("ALTER TABLE images DROP COLUMN ctime_ns")
    conn.execute("ALTER TABLE label_batches DROP COLUMN file")  # (schema 15's)
    conn.execute("PRAGMA user_version = 12")
    conn.commit()
    conn.close()
    project = open_project(tmp_path / "proj")
    _no_reading(monkeypatch)

    counts = project.scan(workers=1)

    assert counts.unchanged == 2
    stored = dict(project.db.query("SELECT path, ctime_ns FROM images"))
    assert stored == {p: os.stat(root / p).st_ctime_ns for p in ("a.bmp", "b.bmp")}
    project.close()


def test_a_renamed_file_is_not_read_again_on_the_next_scan(tmp_path, monkeypatch):
    root, project = _indexed(tmp_path, {"a.bmp": 0, "b.bmp": 80})
    os.rename(root / "a.bmp", root / "renamed.bmp")
    assert project.scan(workers=1).moved == 1
    _no_reading(monkeypatch)

    assert project.scan(workers=1).unchanged == 2
    project.close()


def test_a_folder_copied_with_its_times_kept_is_hashed_not_decoded(tmp_path, monkeypatch):
    """``cp -a`` to another disk, then ``scan --images NEW``: every change time is new."""
    import shutil

    root, project = _indexed(tmp_path, {"a.bmp": 0, "b.bmp": 80})
    shutil.copytree(root, tmp_path / "copy")  # copy2: the modification times are kept
    project.relocate(tmp_path / "copy")
    monkeypatch.setattr(probe_pool, "probe_file", lambda *a, **k: pytest.fail("decoded a file"))

    counts = project.scan(workers=1)

    assert (counts.unchanged, counts.changed, counts.moved) == (2, 0, 0)
    stored = dict(project.db.query("SELECT path, ctime_ns FROM images"))
    assert stored == {p: os.stat(tmp_path / "copy" / p).st_ctime_ns for p in ("a.bmp", "b.bmp")}
    project.close()


def test_bytes_rewritten_in_the_change_time_tick_of_the_scan_are_seen_by_the_next(
    tmp_path, monkeypatch
):
    """A picture copied in with its time kept (``cp --preserve=timestamps``: an old mtime,
    a change time of now) and scanned at once, then written over at the same size with
    the time put back, in the tick the scan read it in: where change times are coarse
    (whole seconds: ext3, small-inode ext4, network and FUSE file systems) size, mtime
    and change time are all as indexed. The next scan hashes such a file again. (A change
    time with a fraction of a second is from a fine clock, which a later write moves:
    such a file is not read again, test_a_renamed_file_is_not_read_again_on_the_next_scan.)"""
    from labeldesk.core import scanner
    from labeldesk.core.walk import walk_images

    in_tick: dict[str, int] = {}  # path -> the coarse change time the walk reports

    def coarse_walk(*args, **kwargs):
        walked = walk_images(*args, **kwargs)
        walked.files = {
            rel: (size, mtime, in_tick.get(rel, ctime))
            for rel, (size, mtime, ctime) in walked.files.items()
        }
        return walked

    monkeypatch.setattr(scanner, "walk_images", coarse_walk)
    root, project = _indexed(tmp_path, {"a.bmp": 0, "b.bmp": 80})
    read_at = project.db.scalar("SELECT indexed_at FROM images WHERE path = 'a.bmp'")
    tick = int(read_at) * 10**9  # the whole second the scan read the files in
    in_tick.update({"a.bmp": tick, "b.bmp": tick})
    with project.db.write() as conn:  # what the scan had stored on such a file system
        conn.execute("UPDATE images SET ctime_ns = ?", (tick,))
    before = os.stat(root / "a.bmp")
    _bmp(root / "a.bmp", 200)  # same size, the old time put back, the same tick
    os.utime(root / "a.bmp", ns=(before.st_atime_ns, before.st_mtime_ns))

    counts = project.scan(workers=1)

    assert (counts.changed, counts.unchanged) == (1, 1)
    assert _stored_hash(project, "a.bmp") == hash_file(root / "a.bmp")
    project.close()
