"""Reproducing a dataset version after files changed on disk: what cannot be written as
it was is named, image by image with why, and never written with today's bytes."""

from __future__ import annotations

import json

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.interop.export import ExportOptions, export


def test_a_version_export_names_each_image_it_could_not_write_and_why(
    project, imagefolder, tmp_path, capsys
):
    """It said "2 images of the version are gone … e.g. <the first>": an image whose
    file is still there but holds other bytes was called gone, and the others were not
    named (a person retraining from the version could not tell which were left out)."""
    root, _ = imagefolder
    path = str(project.path)
    assert main(["version", path, "create", "before"]) == 0
    (root / "train/cat/cat0.jpg").unlink()
    write_image(root / "train/dog/dog0.jpg", seed=777)  # the same name, other bytes
    assert main(["scan", path]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["export", path, str(out), "--version", "before"]) == 0
    text = capsys.readouterr().out
    assert "left out: 3 unlabeled, 2 missing\n" in text
    assert "2 images of the version were not written" in text
    assert "gone or changed since" in text and "labeldesk-export.json" in text
    assert "train/cat/cat0.jpg (removed from the folder since)" in text
    assert "train/dog/dog0.jpg (its content changed since the version)" in text
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert {m["path"] for m in manifest["missing"]} == {
        "train/cat/cat0.jpg",
        "train/dog/dog0.jpg",
    }
    assert not (out / "train/dog/dog0.jpg").exists()  # today's bytes are not passed off


def test_the_missing_text_names_a_few_then_counts_the_rest():
    from labeldesk.interop.export_texts import missing_text
    from labeldesk.interop.writing import ExportReport

    gone = [{"path": f"cat/{i}.png", "reason": "removed from the folder since"} for i in range(7)]
    text = missing_text(ExportReport("/tmp/out", "imagefolder", missing=gone))
    assert text.startswith("7 images of the version were not written")
    assert "cat/0.png (removed from the folder since)" in text and "cat/2.png" in text
    assert "cat/3.png" not in text and text.endswith("and 4 more")
    one = missing_text(ExportReport("/tmp/out", "imagefolder", missing=gone[:1]))
    assert one.startswith("1 image of the version was not written, as its file is gone")
    assert one.endswith(": cat/0.png (removed from the folder since)")
    odd = [{"path": "cat/two\nlines.png", "reason": "removed from the folder since"}]
    text = missing_text(ExportReport("/tmp/out", "imagefolder", missing=odd))
    assert "\n" not in text and "'cat/two\\nlines.png'" in text  # one line, name quoted


def test_each_missing_image_carries_the_version_s_hash_label_and_split(
    project, imagefolder, tmp_path
):
    """`missing` named an image by path and reason only: a person with a backup of the
    folder could not tell which bytes the version had (the path may hold others there
    too), nor where the file goes in a class-folder export. The version's content hash,
    label and split are there now, in `--json` and the manifest."""
    from labeldesk.core.indexed_files import hash_file

    root, _ = imagefolder
    path = str(project.path)
    before = hash_file(root / "train/dog/dog0.jpg")
    assert main(["version", path, "create", "v1"]) == 0
    project.set_label("train/dog/dog0.jpg", "cat")
    project.set_splits({"train/dog/dog0.jpg": "val"})
    write_image(root / "train/dog/dog0.jpg", seed=777)  # the same name, other bytes
    assert main(["scan", path]) == 0
    out = tmp_path / "out"
    report = export(project, out, "imagefolder", ExportOptions(version="v1"))
    assert report.missing == [
        {
            "path": "train/dog/dog0.jpg",
            "reason": "its content changed since the version",
            "hash": before,
            "label": "dog",
            "split": "train",
            "status": None,
        }
    ]
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert manifest["missing"] == report.missing


@pytest.mark.parametrize("fmt", ["imagefolder", "webdataset"])
def test_a_version_s_file_moved_or_edited_before_a_rescan_is_named_with_what_to_do(
    project, imagefolder, tmp_path, fmt
):
    """A version's file moved, renamed or deleted since the last scan was listed under
    `failed` as "No such file or directory", by path alone: not what to do (a rescan
    finds a moved file, and the export then writes it under the version's name), nor,
    as `missing` says, which bytes, label and split the version had there. Both now."""
    from labeldesk.core.indexed_files import hash_file

    root, _ = imagefolder
    path = str(project.path)
    moved, edited = "train/cat/cat0.jpg", "train/dog/dog0.jpg"
    hashes = {p: hash_file(root / p) for p in (moved, edited)}
    assert main(["version", path, "create", "v1"]) == 0
    project.set_label(moved, "dog")  # (the version's label is the one said)
    (root / moved).rename(root / "train/cat/renamed.jpg")
    write_image(root / edited, seed=777)  # the same name, other bytes
    report = export(project, tmp_path / "out", fmt, ExportOptions(version="v1"))
    assert sorted(report.failed, key=lambda row: row["path"]) == [
        {"path": moved, "hash": hashes[moved], "label": "cat", "split": "train", "status": None,
         "reason": (
            "its file is gone since it was indexed: moved, renamed or deleted (rescan the "
            "project: a file moved or renamed is then found and exported)"
        )},
        {"path": edited, "hash": hashes[edited], "label": "dog", "split": "train", "status": None,
         "reason": "its file changed since it was indexed (rescan the project)"},
    ]  # fmt: skip
    manifest = json.loads((tmp_path / "out/labeldesk-export.json").read_text())
    assert manifest["failed"] == report.failed
    assert main(["scan", path]) == 0  # as it says: the moved file is found and written
    again = export(project, tmp_path / "again", fmt, ExportOptions(version="v1"))
    assert again.failed == [] and [m["path"] for m in again.missing] == [edited]
