"""An export where every image failed (the image folder is there but empty: an unplugged
drive's mount point) is an error, not "0 written, N failed" with exit 0: a script could
not tell. It says the images could not be read, what to check, and leaves nothing behind.
Some images failed and some written stays a success (documented)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from labeldesk.cli import main


def _empty_the_folder(root):
    for child in list(root.iterdir()):
        shutil.rmtree(child) if child.is_dir() else child.unlink()


@pytest.mark.parametrize("fmt", ["imagefolder", "csv"])
def test_an_empty_mount_point_is_an_error_and_leaves_nothing(
    project, imagefolder, tmp_path, capsys, fmt
):
    root, _ = imagefolder
    _empty_the_folder(root)
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out), "--format", fmt, "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ImageRootError"
    assert re.match(r"nothing was exported: none of the \d+ images could be read", error["error"])
    assert "mounted" in error["error"] and "--images" in error["error"]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["images", "proj"])


def test_an_earlier_export_is_kept_when_nothing_can_be_read(project, imagefolder, tmp_path):
    root, _ = imagefolder
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out)]) == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    _empty_the_folder(root)
    assert main(["export", str(project.path), str(out), "--overwrite"]) == 1
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_some_written_and_some_failed_still_succeeds(project, imagefolder, tmp_path, capsys):
    root, _ = imagefolder
    (root / "train/cat/cat0.jpg").unlink()
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out), "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in done["failed"]] == ["train/cat/cat0.jpg"]
    assert done["written"] > 0


def test_all_files_changed_since_the_scan_says_to_rescan(project, imagefolder, tmp_path):
    """Every file rewritten since the scan: the fix is a rescan, not a drive."""
    from labeldesk.core.errors import ImageRootError
    from labeldesk.interop.export import ExportOptions, export

    root, _ = imagefolder
    for path in list(project.images().path):
        (root / path).write_bytes((root / path).read_bytes() + b"changed")
    with pytest.raises(ImageRootError, match=r"changed since they were indexed.*labeldesk scan"):
        export(project, tmp_path / "out", "csv", ExportOptions())
    assert not (tmp_path / "out").exists()
