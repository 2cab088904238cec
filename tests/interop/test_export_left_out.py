"""The export summary's "left out" counts every image it did not write: the ones the
options left out, and those that failed or are gone. It said "left out: nothing" and
then listed an image it had left out."""

from __future__ import annotations

import json

from labeldesk.cli import main


def test_a_failed_image_is_counted_as_left_out(project, imagefolder, tmp_path, capsys):
    root, _ = imagefolder
    (root / "train/cat/cat0.jpg").unlink()  # vanished since the scan
    assert main(["export", str(project.path), str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    assert "exported 15 images of the current labels" in text
    assert "left out: 3 unlabeled, 1 failed\n" in text and "nothing" not in text
    assert "1 image could not be read and was left out" in text


def test_a_missing_image_of_a_version_is_counted_as_left_out(
    project, imagefolder, tmp_path, capsys
):
    root, _ = imagefolder
    path = str(project.path)
    assert main(["version", path, "create", "before"]) == 0
    (root / "train/cat/cat0.jpg").unlink()
    assert main(["scan", path]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    args = ["export", path, str(out), "--version", "before", "--include-unlabeled"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "exported 18 images of version before" in text
    assert "left out: 1 missing\n" in text and "nothing" not in text
    assert "1 image of the version was not written, as its file is gone or changed" in text
    assert "train/cat/cat0.jpg (removed from the folder since)" in text
    assert json.loads((out / "labeldesk-export.json").read_text())["images"] == 18


def test_one_image_is_counted_in_words(project, tmp_path, capsys):
    project.set_labels({p: None for p in project.images().path if p != "train/cat/cat0.jpg"})
    assert main(["export", str(project.path), str(tmp_path / "out")]) == 0
    assert "exported 1 image of the current labels" in capsys.readouterr().out
