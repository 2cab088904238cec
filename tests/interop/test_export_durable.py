"""An export is on the disk before it says done: every file it wrote, the manifest last,
and every folder (the rename into place included) synced (fsync). Before, nothing was:
after a power cut, an export `labeldesk export` had reported could come back with empty
or cut files that its manifest still listed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from labeldesk.cli import main
from labeldesk.interop.export import EXPORTERS, ExportOptions, export
from labeldesk.interop.export_target import MANIFEST

FORMATS = [(fmt, "copy") for fmt in EXPORTERS.names()] + [
    ("imagefolder", "hardlink"),
    ("imagefolder", "symlink"),
]


@pytest.fixture
def synced(monkeypatch):
    """Record each fsync as the (device, inode) it synced, in order."""
    calls: list[tuple[int, int]] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        calls.append((st.st_dev, st.st_ino))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


def node(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def last_sync(calls: list[tuple[int, int]], path: Path) -> int:
    """Where ``path`` was last synced among ``calls`` (ValueError: never)."""
    return len(calls) - 1 - calls[::-1].index(node(path))


def check_all_synced(calls: list[tuple[int, int]], out: Path) -> None:
    files, folders = [], [out]
    for parent, dirs, names in os.walk(out):
        folders += [Path(parent, d) for d in dirs if not os.path.islink(Path(parent, d))]
        files += [Path(parent, n) for n in names if not os.path.islink(Path(parent, n))]
    manifest = out / MANIFEST
    assert manifest in files and len(files + folders) > 3
    # a hard link to an image: the export wrote its name (its folder's sync), not its bytes
    written = [p for p in files if os.stat(p).st_nlink == 1]
    unsynced = [p.relative_to(out).as_posix() for p in written + folders if node(p) not in calls]
    assert unsynced == []
    # the manifest after every other file it lists, the export's folder after the
    # manifest (its entry), and the folder it sits in last (the rename into place)
    assert all(last_sync(calls, p) < last_sync(calls, manifest) for p in written if p != manifest)
    assert last_sync(calls, manifest) < last_sync(calls, out) < last_sync(calls, out.parent)


@pytest.mark.parametrize(("fmt", "link"), FORMATS)
def test_every_file_and_folder_of_an_export_is_synced_before_it_returns(
    project, tmp_path, synced, fmt, link
):
    out = tmp_path / "exports" / "out"
    export(project, out, fmt, ExportOptions(link=link, include_unlabeled=True))
    check_all_synced(synced, out)
    linked = [p for p in out.rglob("*.jpg") if not p.is_symlink() and os.stat(p).st_nlink > 1]
    assert bool(linked) == (link == "hardlink")
    # the folders it made above the export: each one's entry in its own folder
    assert last_sync(synced, tmp_path) > last_sync(synced, out)


def test_an_overwrite_is_synced_too(project, tmp_path, synced):
    out = tmp_path / "out"
    export(project, out)
    project.set_label("_unlabeled/u0.png", "dog")
    synced.clear()
    export(project, out, options=ExportOptions(overwrite=True))
    check_all_synced(synced, out)


def test_the_command_says_done_only_once_the_export_is_synced(
    project, tmp_path, monkeypatch, capsys
):
    """What `labeldesk export` had printed by each fsync: nothing yet, up to the last one
    (the export's folder's parent, after the rename)."""
    printed: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        printed.append(len(sys.stdout.getvalue()))  # (capsys's stdout)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("exported 16 images") and printed and max(printed) == 0
