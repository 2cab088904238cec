"""A re-scan on a drive whose times are coarse (FAT keeps an mtime to 2 s and no change
time: Linux reports the mtime for it; exFAT through FUSE keeps whole seconds). Bytes
rewritten at the same size within the tick the scan read them in leave size, mtime and
change time as indexed: the next scan hashes such a file again instead of taking it for
unchanged for good. Found on a real FAT and exFAT mount: the project kept the first
bytes' hash, thumbnail and label source while the file held others."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import calls_of
from PIL import Image

from labeldesk.core import probe_pool, scan_writer, scanner
from labeldesk.core.create import create_and_index
from labeldesk.core.indexed_files import hash_file
from labeldesk.core.project import open_project
from labeldesk.core.walk import walk_images


def _bmp(path, value: int) -> None:
    """A 16 x 16 BMP: every one of them has the same size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((16, 16, 3), value, np.uint8)).save(path, "BMP")


def fat_times(monkeypatch) -> None:
    """The walk reports each file's change time as its mtime, as Linux does on FAT."""

    def walk(*args, **kwargs):
        walked = walk_images(*args, **kwargs)
        walked.files = {rel: (size, mtime, mtime) for rel, (size, mtime, _) in walked.files.items()}
        return walked

    monkeypatch.setattr(scanner, "walk_images", walk)


def _as_on_fat(project) -> None:
    """What the first scan stored, had it run on FAT: the change time is the mtime."""
    with project.db.write() as conn:
        conn.execute("UPDATE images SET ctime_ns = mtime_ns")


def _written(path, value: int, mtime_ns: int) -> None:
    _bmp(path, value)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def _index(tmp_path, values: dict[str, tuple[int, int]]):
    root = tmp_path / "images"
    for name, (value, mtime_ns) in values.items():
        _written(root / name, value, mtime_ns)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    _as_on_fat(project)
    return root, project


def _stored_hash(project, rel: str) -> str:
    return project.db.scalar("SELECT hash FROM images WHERE path = ?", (rel,))  # type: ignore[return-value]


def _tick_now() -> int:
    """The 2-second tick FAT gives a file written now."""
    return int(time.time()) // 2 * 2 * 10**9


def test_bytes_rewritten_in_the_tick_of_the_scan_are_seen_by_the_next(tmp_path, monkeypatch):
    fat_times(monkeypatch)
    tick = _tick_now()
    root, project = _index(tmp_path, {"cat/a.bmp": (0, tick), "cat/b.bmp": (40, tick)})
    before = _stored_hash(project, "cat/a.bmp")
    _written(root / "cat/a.bmp", 200, tick)  # same size, same 2-s time, no change time

    counts = scanner.scan(open_project(tmp_path / "proj"), workers=1)

    assert counts.changed == 1 and counts.unchanged == 1
    now = hash_file(root / "cat/a.bmp")
    assert now != before
    assert _stored_hash(project, "cat/a.bmp") == now


def _no_reading(monkeypatch) -> None:
    def fail(*args, **kwargs):
        pytest.fail(f"read a file: {args[:1]}")

    monkeypatch.setattr(scanner, "hash_file", fail)
    monkeypatch.setattr(probe_pool, "probe_file", fail)
    monkeypatch.setattr(scan_writer, "hash_file", fail)


def test_files_older_than_the_scan_are_not_read_again(tmp_path, monkeypatch):
    fat_times(monkeypatch)
    old = (int(time.time()) - 3600) // 2 * 2 * 10**9
    _index(tmp_path, {"cat/a.bmp": (0, old), "cat/b.bmp": (40, old)})
    _no_reading(monkeypatch)

    counts = scanner.scan(open_project(tmp_path / "proj"), workers=1)

    assert counts.unchanged == 2 and counts.changed == 0


def test_a_recent_file_checked_again_is_settled_once_its_tick_is_past(tmp_path, monkeypatch):
    fat_times(monkeypatch)
    tick = _tick_now()
    _index(tmp_path, {"cat/a.bmp": (0, tick)})
    hashed = calls_of(monkeypatch, scanner, "hash_file", str)
    assert scanner.scan(open_project(tmp_path / "proj"), workers=1).unchanged == 1
    assert len(hashed) == 1  # hashed, the bytes as indexed: unchanged

    assert scanner.scan(open_project(tmp_path / "proj"), workers=1).unchanged == 1
    assert len(hashed) == 2  # read in the same tick again: still not proof

    # A scan once the file's tick is past (its clock moved on) reads it a last time ...
    later = time.time() + 2 * scanner.RACY_SECONDS
    monkeypatch.setattr(scanner, "time", SimpleNamespace(time=lambda: later))
    assert scanner.scan(open_project(tmp_path / "proj"), workers=1).unchanged == 1
    assert len(hashed) == 3
    # ... and the scans after it read nothing
    later += 60
    _no_reading(monkeypatch)
    assert scanner.scan(open_project(tmp_path / "proj"), workers=1).unchanged == 1
