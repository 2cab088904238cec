"""`labeldesk version PROJECT verify` of an export made when the version was recorded,
checked again after the version's files changed in the image folder (deleted, edited,
rescanned): the export is still the version as it was written.

The version's images whose files are gone now were expected with the version's label
before a ``--class-map`` renamed it (the export has ``feline`` where the version has
``cat``) and with no review status (the version's ``verified`` was not carried), so an
export untouched since it was written was reported as not the version."""

from __future__ import annotations

import json

import pytest

from cli.test_version_verify_labels import verify
from labeldesk.cli import main

CAT0 = "train/cat/cat0.jpg"


@pytest.mark.parametrize("fmt", ["csv", "imagefolder", "webdataset"])
def test_an_export_of_the_day_is_still_the_version_once_its_files_are_gone(
    project, imagefolder, tmp_path, capsys, fmt
):
    root, _ = imagefolder
    path, out = str(project.path), tmp_path / "out"
    (tmp_path / "status.csv").write_text(f"path,label,status\n{CAT0},cat,verified\n")
    assert main(["label", path, "--csv", str(tmp_path / "status.csv")]) == 0
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1",
                 "--class-map", "cat=feline"]) == 0  # fmt: skip
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["ok"], found["labels"]) == (0, True, [])
    (root / CAT0).unlink()
    assert main(["scan", path]) == 0
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["ok"], found["labels"], found["files"]) == (0, True, [], [])


def test_a_missing_image_carries_the_version_s_status(project, imagefolder, tmp_path, capsys):
    root, _ = imagefolder
    path, out = str(project.path), tmp_path / "out"
    (tmp_path / "status.csv").write_text(f"path,label,status\n{CAT0},cat,verified\n")
    assert main(["label", path, "--csv", str(tmp_path / "status.csv")]) == 0
    assert main(["version", path, "create", "v1"]) == 0
    (root / CAT0).unlink()
    assert main(["scan", path]) == 0
    capsys.readouterr()
    assert main(["export", path, str(out), "--version", "v1", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["missing"]
    assert (row["path"], row["label"], row["status"]) == (CAT0, "cat", "verified")


@pytest.mark.parametrize("fmt", ["imagefolder", "csv", "webdataset"])
@pytest.mark.parametrize("change", ["deleted", "corrupted"])
def test_an_image_labeled_without_a_split_is_still_the_version_s_once_gone(
    project, imagefolder, tmp_path, capsys, fmt, change
):
    """An unlabeled image labeled since (it has no split of its own, so it counts as
    train and the export lists it under no_split) whose file was deleted or rewritten
    after the export: the export of the day read back gives it no split, as written, but
    was expected with train (found by tests/safety/version_fuzz.py, seed 401)."""
    root, _ = imagefolder
    path, out, u0 = str(project.path), tmp_path / "out", "_unlabeled/u0.png"
    project.set_label(u0, "cat")
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1",
                 "--include-unlabeled"]) == 0  # fmt: skip
    if change == "deleted":
        (root / u0).unlink()
    else:
        (root / u0).write_bytes(b"no longer an image")
    assert main(["scan", path]) == 0
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["ok"], found["labels"], found["files"]) == (0, True, [], [])
