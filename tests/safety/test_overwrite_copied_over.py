"""`export --overwrite` replaces an earlier export only as LabelDesk wrote it. A person's
own file copied over an exported one with the same size and its old modification time
(``cp -p``, ``rsync -a`` and a Mac's Finder keep that time; same-size images are common:
BMPs or uncompressed TIFFs of one resolution) passed the size-and-time check and was
deleted with the old export. Its change time, which no copy can set back, now has its
bytes compared with the manifest's digest: the replacement is refused and the file
kept. An export copied whole (every change time new) or re-linked by another
``--hardlink`` export still holds the bytes written, and is replaced as before."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from labeldesk.cli import main
from safety.killed_runs import run, tree

pytestmark = pytest.mark.slow  # a project made by a child process: seconds


def _an_exported_image(out: Path) -> Path:
    return min(p for p in out.rglob("*.png"))


def test_a_same_size_file_copied_over_with_its_old_time_is_not_deleted(small, tmp_path, capsys):
    project, _, _ = small
    out = tmp_path / "out"
    run(["export", project, out])
    exported = _an_exported_image(out)
    mine = tmp_path / "mine.png"  # the person's retouched picture: same size, other bytes
    mine.write_bytes(bytes(reversed(exported.read_bytes())))
    os.utime(mine, (1_000_000_000, 1_000_000_000))  # older than the export
    shutil.copy2(mine, exported)  # cp -p: bytes and modification time
    assert exported.stat().st_size == mine.stat().st_size
    before = tree(out)

    code = main(["export", str(project), str(out), "--overwrite"])

    assert code == 1
    err = capsys.readouterr().err
    assert "edited since it was exported" in err and exported.name in err, err
    assert tree(out) == before  # nothing replaced, the person's file kept
    assert exported.read_bytes() == mine.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["images", "mine.png", "out", "proj"]


def test_an_export_copied_whole_or_linked_again_is_still_replaced(small, tmp_path, capsys):
    project, _, _ = small
    run(["export", project, tmp_path / "first"])
    shutil.copytree(tmp_path / "first", tmp_path / "copy")  # cp -a: every change time new
    assert main(["export", str(project), str(tmp_path / "copy"), "--overwrite"]) == 0
    run(["export", project, tmp_path / "linked", "--hardlink"])
    run(["export", project, tmp_path / "again", "--hardlink"])  # the files' change time moves
    assert main(["export", str(project), str(tmp_path / "linked"), "--overwrite"]) == 0
    digests = {
        rel: hashlib.sha256((tmp_path / "copy" / rel).read_bytes()).hexdigest()
        for rel, kind in tree(tmp_path / "copy").items()
        if kind != "dir"
    }
    assert digests == {rel: kind for rel, kind in tree(tmp_path / "first").items() if kind != "dir"}
