"""`labeldesk version verify` of an ImageFolder export of a version that has no labeled
image, only unlabeled ones in the splits (found by tests/safety/version_fuzz.py, seed 308).

The export writes them where an ImageFolder export always does, ``<split>/_unlabeled/``,
but with no class folder the check read no split back and reported every one of them as
*unlabeled (no split); the version: …, unlabeled (test)*: an untouched export was not the
version."""

from __future__ import annotations

import shutil

from cli.test_version_verify_labels import resync, verify
from labeldesk.cli import main


def _unlabeled_version(project, tmp_path):
    project.set_labels({path: None for path in project.images().path})
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", "imagefolder", "--version", "v1",
                 "--include-unlabeled"]) == 0  # fmt: skip
    assert (out / "test" / "_unlabeled" / "cat0.jpg").is_file()
    return out


def test_an_export_of_unlabeled_images_alone_is_the_version(project, tmp_path, capsys):
    out = _unlabeled_version(project, tmp_path)
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["ok"], found["labels"], found["files"]) == (0, True, [], [])


def test_an_unlabeled_image_moved_to_another_split_is_named(project, tmp_path, capsys):
    """Its split is read from its folder: moved to train/_unlabeled/, the manifest edited
    to match, it is named as in another split than the version's."""
    out = _unlabeled_version(project, tmp_path)
    moved = {"test/_unlabeled/cat0.jpg": "train/_unlabeled/cat0.jpg"}
    shutil.move(out / "test/_unlabeled/cat0.jpg", out / "train/_unlabeled/cat0.jpg")
    resync(out, moved)
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["files"]) == (1, [])
    [row] = found["labels"]
    assert (row["path"], row["split"]) == ("train/_unlabeled/cat0.jpg", "train")
    assert (row["version_path"], row["version_split"]) == ("test/cat/cat0.jpg", "test")
