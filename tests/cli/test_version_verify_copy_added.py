"""`labeldesk version PROJECT verify OUT` of an export of the labels of its day, after a
copy of one of its pictures was added to the image folder under a path that sorts first.

Before, each image of the state now took an exported picture in path order, so the new
copy (``test/cat/a-copy.jpg``) took the file the export wrote for ``train/cat/cat0.jpg``:
that image was "not in the export" although it was, the file's label was compared with
the copy's, and a CSV export's file was said to be "renamed since it was exported (the
row and the manifest edited to match)", blaming an edit nobody made. Now the image the
export names for a picture keeps it; only the copy added since is not in the export.
"""

from __future__ import annotations

import json
import shutil

import pytest

from labeldesk.cli import main
from labeldesk.interop.export_target import MANIFEST

CAT0 = "train/cat/cat0.jpg"
COPY = "test/cat/a-copy.jpg"  # the same picture; "test/" sorts before "train/"


@pytest.mark.parametrize("fmt", ["imagefolder", "csv", "labelstudio"])
def test_a_copy_added_since_takes_no_exported_file(project, imagefolder, tmp_path, capsys, fmt):
    root, _ = imagefolder
    path, out = str(project.path), tmp_path / "out"
    assert main(["export", path, str(out), "--format", fmt]) == 0
    shutil.copyfile(root / CAT0, root / COPY)
    assert main(["scan", path]) == 0
    capsys.readouterr()
    code = main(["version", path, "verify", str(out), "--json"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and found["intact"] is False  # the state changed since: said so
    assert found["files"] == [], found["files"]  # no file of the export was edited
    assert [row["path"] for row in found["not_exported"]] == [COPY]
    assert found["labels"] == [], found["labels"]  # cat0's file still says cat, train


def test_an_export_of_the_labels_of_its_day_is_compared_with_the_project_now(
    project, imagefolder, tmp_path, capsys
):
    """Its sections named "the version", which an export of the labels of its day is
    not: "images of the version not in the export", "…; the version: train/cat/cat1.jpg,
    dog (train)". They now say what it is compared with: the project as it is now."""
    root, _ = imagefolder
    path, out = str(project.path), tmp_path / "out"
    assert main(["export", path, str(out)]) == 0
    shutil.copyfile(root / CAT0, root / COPY)
    assert main(["label", path, "train/cat/cat1.jpg", "dog"]) == 0
    assert main(["scan", path]) == 0
    capsys.readouterr()
    assert main(["version", path, "verify", str(out)]) == 1
    text = capsys.readouterr().out
    assert "images in the project now that are not in the export (1):\n  " + COPY in text
    assert "labels, splits or statuses in the export that differ from the project's now" in text
    assert "train/cat/cat1.jpg: cat (train); the project now: train/cat/cat1.jpg, dog (train)" in (
        text
    )
    assert "the version" not in text


def test_an_image_added_since_an_export_of_its_day_is_said_to_be_new(
    project, imagefolder, tmp_path, capsys
):
    """An image copied into the image folder after the export was listed as "(cat, not
    listed by the export)", as if the export had left it out unsaid: it could not have
    listed it. Its file is newer than the export's manifest, so the report says it was
    added (or changed) since. An image that was there all along and is chosen only now
    (labeled since; the export held labeled images) is said neutrally."""
    root, _ = imagefolder
    path, out = str(project.path), tmp_path / "out"
    assert main(["export", path, str(out)]) == 0
    shutil.copyfile(root / CAT0, root / COPY)
    assert main(["scan", path]) == 0
    assert main(["label", path, "_unlabeled/u0.png", "dog"]) == 0
    capsys.readouterr()
    assert main(["version", path, "verify", str(out)]) == 1
    text = capsys.readouterr().out
    assert f"  {COPY} (cat, added to the image folder or changed since the export was " in text
    assert "  _unlabeled/u0.png (dog, not in the export, which gives no reason)" in text
    assert "not listed by the export" not in text
    assert main(["version", path, "verify", str(out), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)["not_exported"]
    assert {r["path"]: r["since_export"] for r in rows} == {COPY: True, "_unlabeled/u0.png": False}


def test_an_image_missing_from_a_versions_export_is_still_not_listed(project, tmp_path, capsys):
    """A version's images were all there when it was exported: one the export lacks and
    does not list is said so, as before (and has no since_export)."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--version", "v1"]) == 0
    manifest = json.loads((out / MANIFEST).read_text())
    gone = next(f for f in manifest["image_hashes"] if f.startswith("train/dog/"))
    (out / gone).unlink()
    del manifest["image_hashes"][gone]
    manifest["files"] = [f for f in manifest["files"] if f["path"] != gone]
    (out / MANIFEST).write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["version", path, "verify", "v1", str(out), "--json"]) == 1
    [row] = json.loads(capsys.readouterr().out)["not_exported"]
    assert row["listed"] is None and "since_export" not in row
