"""A FAT or exFAT drive (most USB sticks) mounted on Linux refuses ``chmod`` (EPERM), so
``shutil.copystat`` failed after each image's bytes were copied and every image of an
export there failed. The bits are a nicety: the copy keeps its times and goes on."""

from __future__ import annotations

import errno
import json
import os

import pytest

from labeldesk.cli import main


@pytest.fixture
def no_chmod(monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", refuse)


@pytest.mark.parametrize("fmt", ["imagefolder", "csv"])
def test_an_export_to_a_disk_that_refuses_chmod_copies_every_image(
    project, imagefolder, tmp_path, capsys, no_chmod, fmt
):
    root, _ = imagefolder
    out = tmp_path / "stick" / "out"
    out.parent.mkdir()
    assert main(["export", str(project.path), str(out), "--format", fmt, "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    images = [p for p in out.rglob("*") if p.suffix in (".jpg", ".png")]
    assert done["written"] == len(images) > 0 and not done.get("failed")
    originals = {(p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    for copy in images:  # an original's bytes, and its times came along
        assert (copy.read_bytes(), copy.stat().st_mtime_ns) in originals


def test_adding_images_to_a_disk_that_refuses_chmod_copies_them(project, tmp_path, no_chmod):
    from helpers import write_image

    from labeldesk.core.add_images import copy_unlabeled

    new = tmp_path / "new"
    write_image(new / "x.png", fmt="PNG", seed=77)
    added = copy_unlabeled(project, new, ["x.png"], "new")
    assert added.paths == ["_unlabeled/new/x.png"] and added.skipped == []
    copy = project.root / added.paths[0]
    assert copy.stat().st_mtime_ns == (new / "x.png").stat().st_mtime_ns
