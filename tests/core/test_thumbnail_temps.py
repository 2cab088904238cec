"""A scan removes the thumbnail temporaries of killed processes, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from labeldesk.core.thumbnail_temps import sweep

DIGEST = "ab" + "0" * 62


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process ids and symlinks")
def test_a_scan_removes_only_temporaries_of_dead_processes(project):
    folder = project.thumbs_dir / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    dead = folder / f"{DIGEST}.jpg.{_dead_pid()}.tmp"
    mine = folder / f"{DIGEST}.jpg.{os.getpid()}.tmp"  # this process may be writing it
    alive = folder / f"{DIGEST}.jpg.{os.getppid()}.tmp"  # another live process's
    other = folder / "notes.tmp"  # not a name LabelDesk gives
    fresh = folder / f"{DIGEST[:-1]}2.jpg.{_dead_pid()}.tmp"  # may be another host's write
    for path in (dead, mine, alive, other, fresh):
        path.write_bytes(b"half a jpeg")
    hour_ago = time.time() - 3600
    for path in (dead, mine, alive, other):
        os.utime(path, (hour_ago, hour_ago))
    link = folder / f"{DIGEST[:-1]}1.jpg.{_dead_pid()}.tmp"
    link.symlink_to(other)
    elsewhere = project.thumbs_dir / "other" / f"{DIGEST}.jpg.{_dead_pid()}.tmp"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"x")
    os.utime(elsewhere, (hour_ago, hour_ago))
    thumbs_before = {p for p in project.thumbs_dir.rglob("*.jpg")}

    project.scan(workers=1)

    assert not dead.exists()
    assert mine.exists() and alive.exists() and other.exists() and elsewhere.exists()
    assert fresh.exists()  # too new to judge
    assert link.is_symlink()
    assert {p for p in project.thumbs_dir.rglob("*.jpg")} == thumbs_before  # real ones kept


def test_a_project_without_thumbnails_yet_sweeps_nothing(tmp_path):
    assert sweep(tmp_path / "thumbs") == 0
    (tmp_path / "file").write_text("x")
    assert sweep(tmp_path / "file") == 0


@pytest.mark.parametrize("fails", ["unlink", "scandir"])
def test_a_folder_it_may_not_change_leaves_the_scan_working(project, monkeypatch, fails):
    """Another user's folder, a read-only mount: the temporary stays, the scan works."""
    from labeldesk.core import thumbnail_temps

    folder = project.thumbs_dir / "cd"
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f"cd{'0' * 62}.jpg.{_dead_pid()}.tmp"
    temp.write_bytes(b"x")
    os.utime(temp, (time.time() - 3600,) * 2)
    real = getattr(os, fails)

    def refused(path, *args, **kwargs):
        if str(path).startswith(str(folder)):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(thumbnail_temps.os, fails, refused)
    counts = project.scan(workers=1)
    assert temp.exists() and counts.added == 0


def test_a_pid_no_system_has_is_not_a_crash(tmp_path):
    folder = tmp_path / "thumbs" / "ab"
    folder.mkdir(parents=True)
    (folder / f"{DIGEST}.jpg.99999999999.tmp").write_bytes(b"x")
    assert sweep(tmp_path / "thumbs") == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process ids")
def test_a_temporary_named_with_its_thread_is_swept_too(project):
    folder = project.thumbs_dir / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    dead = folder / f"{DIGEST}.jpg.{_dead_pid()}.{12345}.tmp"  # a loader thread's
    mine = folder / f"{DIGEST}.jpg.{os.getpid()}.{12345}.tmp"
    for path in (dead, mine):
        path.write_bytes(b"half a jpeg")
        os.utime(path, (time.time() - 3600,) * 2)
    assert sweep(project.thumbs_dir) == 1
    assert not dead.exists() and mine.exists()
