"""`labeldesk version PROJECT verify` of an export whose manifest's `renamed` map (the
files written under another name than their image's path in the version: every file
of a Hugging Face export not at its path, names made unique or safe) was edited.

Before, every such edit passed (exit 0) in the Hugging Face, ImageFolder, FiftyOne and
Label Studio exports: an entry leading a file to another image's path (which
`labeldesk import` into the project follows where a picture is at several places or was
edited since: the label goes to that image), one leading it outside the image folder
(`../x.png`, `/etc/passwd`), and in every format (CSV and Parquet too) one naming a
file outside the export, or a map that is no map. Each is now a line of its own."""

from __future__ import annotations

import json

import pytest

from cli.test_version_verify_labels import export_v1, resync, verify

# each format's file of the version's train/cat/cat0.jpg and cat1.jpg
CAT0 = {
    "hf": "train/cat/cat0.jpg",
    "imagefolder": "train/cat/cat0.jpg",
    "fiftyone": "train/data/train/cat/cat0.jpg",
    "labelstudio": "images/train/cat/cat0.jpg",
    "csv": "images/train/cat/cat0.jpg",
}
FORMATS = list(CAT0)
EDITED = "the manifest was edited since it was exported"


def _edit_map(out, entries: dict[str, object] | list[str]) -> None:
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    if isinstance(entries, list):
        manifest["renamed"] = entries
    else:
        manifest.setdefault("renamed", {}).update(entries)
    (out / "labeldesk-export.json").write_text(json.dumps(manifest))
    resync(out)


@pytest.mark.parametrize("fmt", ["hf", "imagefolder", "fiftyone", "labelstudio"])
def test_an_entry_leading_a_file_to_another_image_is_found(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"], found
    _edit_map(out, {CAT0[fmt]: "train/dog/dog0.jpg"})
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["ok"] and found["labels"] == []
    [said] = found["files"]
    assert said["path"] == CAT0[fmt]
    assert said["why"].startswith(
        "it holds the picture the version has at train/cat/cat0.jpg, but the manifest's "
        f"renamed map leads it to train/dog/dog0.jpg: {EDITED}; labeldesk import"
    )


@pytest.mark.parametrize("fmt", ["hf", "imagefolder", "fiftyone", "labelstudio"])
def test_two_files_led_to_one_image_are_found(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    cat1 = CAT0[fmt].replace("cat0", "cat1")
    _edit_map(out, {cat1: "train/cat/cat0.jpg"})
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and [f["path"] for f in found["files"]] == [cat1]
    assert (
        "but the manifest's renamed map leads it to train/cat/cat0.jpg"
        in (found["files"][0]["why"])
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("led", ["../x.png", "/etc/passwd", "C:\\x.png"])
def test_an_entry_leading_outside_the_image_folder_is_found(project, tmp_path, capsys, fmt, led):
    out = export_v1(project, tmp_path, fmt)
    _edit_map(out, {CAT0[fmt]: led})
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and found["labels"] == []
    [said] = found["files"]  # (once: a CSV's name check leaves it to this line)
    assert said == {"path": CAT0[fmt], "why": (
        f"the manifest's renamed map leads it to {json.dumps(led)}, a path outside the project's "
        "image folder (the export records each file's path in the version): "
        f"{EDITED}; labeldesk import would lead its row there"
    )}  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_entries_naming_paths_outside_the_export_are_found(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    _edit_map(out, {"../x.png": "train/cat/cat0.jpg", "/abs.png": "a.png", CAT0[fmt]: 5})
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and found["labels"] == []
    assert [f["path"] for f in found["files"]] == ["labeldesk-export.json"] * 3
    assert sorted(f["why"] for f in found["files"]) == [
        f"its renamed map leads {json.dumps(CAT0[fmt])} to 5, not to a path: {EDITED}",
        'its renamed map names "../x.png", a path outside the export (it names only '
        f'files it wrote in it), and leads it to "train/cat/cat0.jpg": {EDITED}',
        'its renamed map names "/abs.png", a path outside the export (it names only '
        f'files it wrote in it), and leads it to "a.png": {EDITED}',
    ]


def test_a_map_that_is_no_map_is_found(project, tmp_path, capsys):
    out = export_v1(project, tmp_path, "hf")
    _edit_map(out, ["train/cat/cat0.jpg"])
    code, found = verify(capsys, project, "v1", out)
    assert code == 1
    [said] = found["files"]
    assert said["path"] == "labeldesk-export.json"
    assert said["why"].startswith("its renamed is not a map of the files the export wrote")


@pytest.mark.parametrize("fmt", ["imagefolder", "fiftyone"])
def test_a_file_renamed_with_its_entry_leading_to_its_image_passes(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    new = CAT0[fmt].replace("cat0", "renamed")
    (out / CAT0[fmt]).rename(out / new)
    if fmt == "fiftyone":  # (its labels.json key follows the file)
        labels = json.loads((out / "train/labels.json").read_text())
        labels["labels"]["train/cat/renamed"] = labels["labels"].pop("train/cat/cat0")
        (out / "train/labels.json").write_text(json.dumps(labels))
    resync(out, moved={CAT0[fmt]: new})
    _edit_map(out, {new: "train/cat/cat0.jpg"})
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"], found


def test_two_copies_led_to_one_image_are_found(project, tmp_path, capsys):
    """Copies of a picture at two paths: the map leading both files to one of them."""
    import shutil

    from labeldesk.cli import main
    from labeldesk.core.project import open_project

    root, path = project.root, str(project.path)
    shutil.copyfile(root / "train/cat/cat0.jpg", root / "train/cat/copy.jpg")
    assert main(["scan", path]) == 0
    assert main(["label", path, "train/cat/copy.jpg", "cat"]) == 0
    out = export_v1(project, tmp_path, "imagefolder")
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"], found
    _edit_map(out, {"train/cat/copy.jpg": "train/cat/cat0.jpg"})
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and found["labels"] == []
    [said] = found["files"]
    assert said["path"] == "train/cat/copy.jpg"
    assert said["why"].startswith(
        "the manifest's renamed map leads it to train/cat/cat0.jpg, as it does "
        "train/cat/cat0.jpg: two files for one image of the version"
    )

    # what it would do: the copy relabeled since, the export imported to put v1's
    # labels back leads both rows to cat0.jpg, and the copy keeps the label of today
    assert main(["label", path, "train/cat/copy.jpg", "dog"]) == 0
    main(["import", path, str(out)])
    capsys.readouterr()
    with open_project(project.path) as reopened:
        labels = reopened.images().set_index("path").label
    assert labels["train/cat/copy.jpg"] == "dog"


def test_a_name_like_a_drive_in_the_version_passes(project, tmp_path, capsys):
    """`c:x.png` is a name on Linux (no drive): a file renamed to it is led back to it."""
    import shutil

    from labeldesk.cli import main

    root, path = project.root, str(project.path)
    shutil.copyfile(root / "train/cat/cat0.jpg", root / "c:x.jpg")
    assert main(["scan", path]) == 0
    assert main(["label", path, "c:x.jpg", "cat"]) == 0
    out = export_v1(project, tmp_path, "hf")  # (train/cat/c:x.jpg: no split of its own)
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert manifest["renamed"]["train/cat/c:x.jpg"] == "c:x.jpg"
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"], found
