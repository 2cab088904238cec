"""A file whose mtime lies ahead of the clock (a camera with a wrong clock, a share or a
FAT mount whose times are shifted by hours) was hashed again at every scan, for as long
as its mtime stayed ahead: scanner._racy took it for written in the tick the scan read
it in. Now a later scan that finds its bytes as indexed proves it, once that scan
started a few seconds after the one that read it had ended; it is hashed again only when
the clock comes close to its mtime. A file rewritten in the tick after a scan read it is
still hashed by the next scan."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import calls_of
from PIL import Image

from core.test_scan_coarse_times import fat_times
from labeldesk.core import scanner
from labeldesk.core.create import create_and_index
from labeldesk.core.indexed_files import hash_file
from labeldesk.core.project import open_project

DAY_NS = 86400 * 10**9
A = "cat/a.bmp"


def _bmp(path, value: int, mtime_ns: int) -> None:
    """A 16 x 16 BMP (all of the same size in bytes) with the given mtime."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((16, 16, 3), value, np.uint8)).save(path, "BMP")
    os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def clock(monkeypatch):
    """The scanner's clock, set by the test: [seconds]; it starts after the real clock,
    so the first scan (real time) has ended before any of the test's."""
    now = [time.time() + 100]
    monkeypatch.setattr(scanner, "time", SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """Every file a scan hashes to check it is as indexed."""
    return calls_of(monkeypatch, scanner, "hash_file", str)


def _index(tmp_path, mtime_ns: int, fat: bool = False):
    root = tmp_path / "images"
    _bmp(root / A, 0, mtime_ns)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    if fat:
        with project.db.write() as conn:
            conn.execute("UPDATE images SET ctime_ns = mtime_ns")
    project.close()
    return root


def _scan(tmp_path):
    with open_project(tmp_path / "proj") as project:
        return scanner.scan(project, workers=1)


def test_a_future_dated_file_is_hashed_once_not_at_every_scan(tmp_path, clock, hashed):
    _index(tmp_path, time.time_ns() + DAY_NS)  # tomorrow, by the camera's clock
    for _ in range(4):
        clock[0] += 60
        assert _scan(tmp_path).unchanged == 1
    assert len(hashed) == 1  # was 4: racy at every scan until tomorrow


def test_a_rescan_right_after_the_scan_proves_nothing(tmp_path, clock, hashed):
    _index(tmp_path, time.time_ns() + DAY_NS)
    with open_project(tmp_path / "proj") as project:
        ended = project.db.scalar("SELECT max(finished_at) FROM scans")
    clock[0] = ended + 1  # within RACY_SECONDS of the end of the scan that read it
    _scan(tmp_path)
    assert len(hashed) == 1
    clock[0] += 1  # and again: the scan before ended a second ago
    _scan(tmp_path)
    assert len(hashed) == 2
    clock[0] += 60
    _scan(tmp_path)
    clock[0] += 60
    _scan(tmp_path)
    assert len(hashed) == 3  # the first scan long enough after another proves it


def test_a_proven_file_is_hashed_again_when_the_clock_reaches_its_time(
    tmp_path, clock, hashed, monkeypatch
):
    fat_times(monkeypatch)  # no change time: only size and mtime tell a rewrite
    mtime = (time.time_ns() + DAY_NS) // (2 * 10**9) * 2 * 10**9
    root = _index(tmp_path, mtime, fat=True)
    for _ in range(3):
        clock[0] += 60
        _scan(tmp_path)
    assert len(hashed) == 1
    # Tomorrow: a program rewrites it at the same size in its mtime's 2-s tick.
    clock[0] = mtime / 1e9
    _bmp(root / A, 200, mtime)
    counts = _scan(tmp_path)
    assert counts.changed == 1
    with open_project(tmp_path / "proj") as project:
        stored = project.db.scalar("SELECT hash FROM images WHERE path = ?", (A,))
    assert stored == hash_file(root / A)


def test_bytes_rewritten_just_after_the_scan_are_seen_by_the_next(tmp_path, clock, monkeypatch):
    """As on a FAT mount whose times are shifted ahead: the mtime lies in the future,
    and a rewrite in the same tick right after the scan leaves it as indexed."""
    fat_times(monkeypatch)
    mtime = (time.time_ns() + DAY_NS) // (2 * 10**9) * 2 * 10**9
    root = _index(tmp_path, mtime, fat=True)
    _bmp(root / A, 200, mtime)
    clock[0] += 60
    assert _scan(tmp_path).changed == 1


def test_a_file_settled_later_stays_settled(tmp_path, clock, hashed):
    """Once the clock has passed a future-dated file's time and it was read again, it
    is settled as any older file: no more hashing."""
    mtime = time.time_ns() + DAY_NS
    _index(tmp_path, mtime)
    clock[0] += 60
    _scan(tmp_path)
    clock[0] += 60
    _scan(tmp_path)
    assert len(hashed) == 1
    clock[0] = mtime / 1e9 + 60
    _scan(tmp_path)
    clock[0] += 60
    _scan(tmp_path)
    clock[0] += 60
    _scan(tmp_path)
    clock[0] += 60
    _scan(tmp_path)
    assert len(hashed) == 2  # once more, after its time: then settled
