"""A scan removes the thumbnail temporaries of killed processes, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys

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
    for path in (dead, mine, alive, other):
        path.write_bytes(b"half a jpeg")
    link = folder / f"{DIGEST[:-1]}1.jpg.{_dead_pid()}.tmp"
    link.symlink_to(other)
    elsewhere = project.thumbs_dir / "other" / f"{DIGEST}.jpg.{_dead_pid()}.tmp"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"x")
    thumbs_before = {p for p in project.thumbs_dir.rglob("*.jpg")}

    project.scan(workers=1)

    assert not dead.exists()
    assert mine.exists() and alive.exists() and other.exists() and elsewhere.exists()
    assert link.is_symlink()
    assert {p for p in project.thumbs_dir.rglob("*.jpg")} == thumbs_before  # real ones kept


def test_a_project_without_thumbnails_yet_sweeps_nothing(tmp_path):
    assert sweep(tmp_path / "thumbs") == 0
    (tmp_path / "file").write_text("x")
    assert sweep(tmp_path / "file") == 0
