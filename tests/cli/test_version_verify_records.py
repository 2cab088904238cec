"""`labeldesk version PROJECT verify NAME OUT` compares everything the export's own files
record with the version, and checks what its manifest says against those files.

Before: a review status changed in any format that writes one (a CSV's ``status`` column,
Parquet's, Hugging Face's metadata, FiftyOne's ``labeldesk_status``, Label Studio's
``data.status``, a WebDataset sample's ``.json``), an unlabeled image moved to another
split, a WebDataset ``classes.txt`` reordered with every ``.cls`` renumbered to match
(so class indices name other classes), each with the manifest's file list brought up to
date, all passed for the version (exit 0); a FiftyOne export written as one dataset (all
train) was reported as differing from the version it was; an image of the version that
the recorded options leave out was "not the version's"; a manifest naming another format
than its files was not said. WebDataset shards were read three times; now once.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from cli.test_version_verify_labels import resync, verify, verify_says
from labeldesk.cli import main
from labeldesk.core.indexed_files import content_hash

ALL = ["--include-unlabeled", "--include-excluded"]
KEPT, EXCLUDED_ONE = "train/cat/cat1.jpg", "train/dog/dog1.jpg"
U1 = "_unlabeled/u1.png"  # unlabeled, given the split val


def _version(project, tmp_path) -> str:
    """v1: KEPT verified, EXCLUDED_ONE excluded, U1 unlabeled in val."""
    path = str(project.path)
    assert main(["review", path, "keep", KEPT]) == 0
    assert main(["review", path, "exclude", EXCLUDED_ONE]) == 0
    rows = tmp_path / "split.csv"
    rows.write_text(f"path,label,split\n{U1},,val\n")
    assert main(["label", path, "--csv", str(rows)]) == 0
    assert main(["version", path, "create", "v1"]) == 0
    return path


def _rewrite_shards(out: Path, edit) -> None:
    """Every member of every shard through ``edit(name, data) -> data``."""
    for shard in out.glob("*.tar"):
        with tarfile.open(shard) as tar:
            members = [(m, tar.extractfile(m).read()) for m in tar if m.isfile()]
        with tarfile.open(shard, "w") as tar:
            for member, data in members:
                data = edit(member.name, data)
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))


def _csv(out: Path) -> None:
    text = (out / "labels.csv").read_text()  # (status, then the label it was given for)
    assert text.count(",verified,cat\n") == 1
    (out / "labels.csv").write_text(text.replace(",verified,cat\n", ",,cat\n"))


def _parquet(out: Path) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(out / "labels.parquet")
    rows = [{**r, "status": None if r["status"] == "verified" else r["status"]}
            for r in table.to_pylist()]  # fmt: skip
    pq.write_table(type(table).from_pylist(rows, schema=table.schema), out / "labels.parquet")


def _hf(out: Path) -> None:
    import pyarrow.parquet as pq

    file = out / "train/metadata.parquet"
    table = pq.read_table(file)
    rows = [{**r, "status": None if r["status"] == "verified" else r["status"]}
            for r in table.to_pylist()]  # fmt: skip
    pq.write_table(type(table).from_pylist(rows, schema=table.schema), file)


def _fiftyone(out: Path) -> None:
    file = out / "train/labels.json"
    labels = json.loads(file.read_text())
    statuses = labels["labeldesk_status"]
    [key] = [k for k, v in statuses.items() if v == "verified"]
    del statuses[key]
    file.write_text(json.dumps(labels))


def _labelstudio(out: Path) -> None:
    tasks = json.loads((out / "tasks.json").read_text())
    [task] = [t for t in tasks if t["data"].get("status") == "verified"]
    del task["data"]["status"]
    (out / "tasks.json").write_text(json.dumps(tasks))


def _webdataset(out: Path) -> None:
    def edit(name: str, data: bytes) -> bytes:
        if not name.endswith(".json"):
            return data
        record = json.loads(data)
        record.pop("status", None) if record.get("status") == "verified" else None
        return json.dumps(record).encode()

    _rewrite_shards(out, edit)


UNVERIFY = {
    "csv": _csv,
    "parquet": _parquet,
    "hf": _hf,
    "fiftyone": _fiftyone,
    "labelstudio": _labelstudio,
    "webdataset": _webdataset,
}


@pytest.mark.parametrize("fmt", list(UNVERIFY))
def test_a_review_status_changed_in_the_export_is_found(project, tmp_path, capsys, fmt):
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1", *ALL]) == 0
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"], found  # (no false alarm first)
    UNVERIFY[fmt](out)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["files"] == []
    [row] = found["labels"]
    assert (row["label"], row["split"], row["status"]) == ("cat", "train", None)
    assert (row["version_path"], row["version_label"], row["version_status"]) == (
        KEPT,
        "cat",
        "verified",
    )
    text = verify_says(capsys, project, "v1", out)
    assert "labels, splits or statuses in the export that are not the version's (1):" in text
    assert f"cat (train); the version: {KEPT}, cat (train, verified)" in text


def _csv_split(out: Path) -> str:
    text = (out / "labels.csv").read_text()
    assert f"images/{U1},,val," in text
    (out / "labels.csv").write_text(text.replace(f"images/{U1},,val,", f"images/{U1},,train,"))
    return f"images/{U1}"


def _folder_split(out: Path) -> str:
    (out / "train/_unlabeled").mkdir()
    os.rename(out / "val/_unlabeled/u1.png", out / "train/_unlabeled/u1.png")
    os.rmdir(out / "val/_unlabeled")
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    hashes = manifest["image_hashes"]
    hashes["train/_unlabeled/u1.png"] = hashes.pop("val/_unlabeled/u1.png")
    (out / "labeldesk-export.json").write_text(json.dumps(manifest))
    return "train/_unlabeled/u1.png"


@pytest.mark.parametrize("fmt, edit", [("csv", _csv_split), ("imagefolder", _folder_split)])
def test_an_unlabeled_images_split_changed_in_the_export_is_found(
    project, tmp_path, capsys, fmt, edit
):
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1", *ALL]) == 0
    moved = edit(out)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["files"] == []
    [row] = found["labels"]
    assert (row["path"], row["label"], row["split"]) == (moved, None, "train")
    assert (row["version_path"], row["version_label"], row["version_split"]) == (U1, None, "val")


def test_imagefolder_says_statuses_are_not_checked(project, tmp_path, capsys):
    """Class folders hold no review status: not compared, and the report says so in
    words the app's Verify window shows as well. Before, the note named command-line
    options there, spoke of "the version's statuses" for an export of the labels of its
    day, and of what "they chose": "its files are class folders alone (ImageFolder;
    Hugging Face where the folders give every label, so it writes no metadata), which
    hold no review status (verified, excluded): the version's statuses are not in it to
    compare; which images they chose for it (excluded ones left out unless
    --include-excluded, --exclude-unverified) is checked"."""
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--version", "v1", *ALL]) == 0
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"] and found["labels"] == []
    said = "review statuses (verified, excluded) are not compared: class folders alone"
    [note] = [note for note in found["notes"] if note.startswith(said)]
    assert "(ImageFolder, or Hugging Face without metadata) have no place for them" in note
    assert "which images it holds, as its options chose them by status, is checked" in note
    assert "--" not in note and "version" not in note and "they" not in note


def test_a_webdataset_class_list_reordered_with_its_indices_is_found(project, tmp_path, capsys):
    """Every .cls renumbered to match a reversed classes.txt: each .cls still names its
    .json's label, but class 0 is now dog for the training code that reads the indices."""
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--format", "webdataset", "--version", "v1"]) == 0
    names = (out / "classes.txt").read_text().splitlines()
    assert names == ["cat", "dog"]
    (out / "classes.txt").write_text("dog\ncat\n")
    _rewrite_shards(out, lambda n, d: str(1 - int(d)).encode() if n.endswith(".cls") else d)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["labels"] == []
    [row] = found["files"]
    assert row["path"] == "classes.txt"
    assert row["why"].startswith("lists the classes dog, cat: not the export's classes")


def test_a_shard_image_replaced_under_its_json_is_named(project, tmp_path, capsys):
    """A sample's image bytes swapped for another picture, its .json (and hash) kept."""
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--format", "webdataset", "--version", "v1"]) == 0
    other = (project.root / "_unlabeled/u0.png").read_bytes()
    _rewrite_shards(out, lambda n, d: other if n == "train-0000000.jpg" else d)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert {
        "path": "train-000000.tar:train-0000000 (image)",
        "why": "holds other bytes than the picture its .json's hash names",
    } in found["files"]


def test_an_image_the_recorded_options_leave_out_is_said_so(project, tmp_path, capsys):
    """An unlabeled image of the version added to an export written without
    --include-unlabeled (its CSV row and manifest entries added to match)."""
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--format", "csv", "--version", "v1"]) == 0
    data = (project.root / "_unlabeled/u0.png").read_bytes()
    (out / "images/_unlabeled").mkdir()
    (out / "images/_unlabeled/u0.png").write_bytes(data)
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    manifest["image_hashes"]["images/_unlabeled/u0.png"] = content_hash(data)
    (out / "labeldesk-export.json").write_text(json.dumps(manifest))
    with open(out / "labels.csv", "a") as f:
        f.write(f"images/_unlabeled/u0.png,,,{content_hash(data)},,,,,,\n")
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found.get("intact", True), found
    [row] = found["not_in_version"]
    assert row["path"] == "images/_unlabeled/u0.png"
    assert row["version_path"] == "_unlabeled/u0.png"
    assert row["left_out_by"] == "unlabeled (no --include-unlabeled)"
    [line] = found["manifest"]
    assert "leave out (1 unlabeled (no --include-unlabeled))" in line
    text = verify_says(capsys, project, "v1", out)
    assert "(the version's _unlabeled/u0.png, left out as unlabeled" in text


def test_a_manifest_that_names_another_format_is_said_so(project, tmp_path, capsys):
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--format", "csv", "--version", "v1"]) == 0
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    manifest["format"] = "imagefolder"
    (out / "labeldesk-export.json").write_text(json.dumps(manifest))
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert found["manifest"] == [
        "its manifest says it was written as imagefolder, but its files are not that "
        "format's (labels.csv): another export's manifest, or one edited"
    ]
    # (read as class folders, every image's label would be "images": not listed)
    assert found["labels"] == []
    assert (
        "its labels, splits and statuses are not read back: its files are not the format "
        "its manifest names" in found["notes"]
    )


def test_a_fiftyone_export_of_train_alone_is_the_version(project, tmp_path, capsys):
    """One dataset (OUT/labels.json) when every image is train: its files give no split,
    which was reported as every image differing from the version (train)."""
    path, out = _version(project, tmp_path), tmp_path / "out"
    opts = ["--exclude-unverified", "--format", "fiftyone"]
    assert main(["export", path, str(out), "--version", "v1", *opts]) == 0
    assert (out / "labels.json").is_file()
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"] and found["labels"] == [], found


def test_each_shard_is_read_once(project, tmp_path, capsys, monkeypatch):
    """A shard was opened three times (its SHA-256, its samples' hashes, its labels)."""
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--format", "webdataset", "--version", "v1",
                 *ALL, "--shard-size", "3"]) == 0  # fmt: skip
    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file, *args, **kwargs):
        opened.append(os.fspath(file)) if isinstance(file, str | Path) else None
        return real_open(file, *args, **kwargs)

    def spy_os_open(file, *args, **kwargs):
        opened.append(os.fspath(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    code, found = verify(capsys, project, "v1", out)
    monkeypatch.undo()
    assert code == 0 and found["ok"], found
    shards = sorted(str(p) for p in out.glob("*.tar"))
    assert len(shards) >= 4
    assert sorted(p for p in opened if p.endswith(".tar")) == shards


def test_an_image_listed_as_missing_whose_file_is_there_now_is_said_so(project, tmp_path, capsys):
    """An image deleted from the export and added to the manifest's ``missing`` (the file
    list made to match) read as an export that had to leave it out; now the report says
    what it takes on trust, and that the version's file is in the image folder."""
    path, out = _version(project, tmp_path), tmp_path / "out"
    assert main(["export", path, str(out), "--version", "v1"]) == 0
    (out / "train/dog/dog0.jpg").unlink()
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    content = manifest["image_hashes"].pop("train/dog/dog0.jpg")
    gone = "removed from the folder since"
    manifest["missing"] = [
        {"path": "train/dog/dog0.jpg", "reason": gone, "hash": content, "label": "dog",
         "split": "train"}
    ]  # fmt: skip
    (out / "labeldesk-export.json").write_text(json.dumps(manifest))
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and found["intact"] and not found["complete"]
    [row] = found["not_exported"]
    assert (row["path"], row["listed"]) == ("train/dog/dog0.jpg", "missing")
    assert found["notes"][-2:] == [
        "that 1 image of the version was left out because its file was gone, changed or "
        "unreadable when it was written is taken from its manifest: no file of the export "
        "can say so",
        "1 image it lists as missing (train/dog/dog0.jpg) is in the image folder now as the "
        "version had it (put back since, or its manifest was edited): export the version "
        "again to have it",
    ]
