"""`labeldesk version PROJECT verify NAME OUT` reads each format's labels back.

Before, verify trusted the manifest for the labels: a label changed inside a label file
(a CSV row, a Label Studio annotation, an image moved to another class folder), or two
pictures swapped, with the manifest's file list brought up to date to match, passed for
the version (exit 0). The manifest is a file of the export like any other: the labels,
splits and pictures are now read from the export itself and compared with the project's
database."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from labeldesk.cli import main

MANIFEST = "labeldesk-export.json"
CAT0 = "train/cat/cat0.jpg"


def verify(capsys, project, name, out):
    capsys.readouterr()
    code = main(["version", str(project.path), "verify", name, str(out), "--json"])
    return code, json.loads(capsys.readouterr().out)


def verify_says(capsys, project, name, out) -> str:
    """What `labeldesk version verify` prints (no --json) of an export that is not the
    version as exported (exit 1)."""
    capsys.readouterr()
    assert main(["version", str(project.path), "verify", name, str(out)]) == 1
    return capsys.readouterr().out


def export_v1(project, tmp_path, fmt: str) -> Path:
    """Version "v1" of ``project`` created and exported as ``fmt`` (unlabeled images too)
    to ``tmp_path``/out."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1",
                 "--include-unlabeled"]) == 0  # fmt: skip
    return out


def resync(out: Path, moved: dict[str, str] | None = None) -> None:
    """The manifest edited to match the folder: every file's size and SHA-256 as it is
    now (and ``moved`` files' entries under their new names)."""
    manifest = json.loads((out / MANIFEST).read_text())
    files = []
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if rel == MANIFEST or p.is_dir():
            continue
        data = p.read_bytes()
        files.append({"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    manifest["files"] = files
    for old, new in (moved or {}).items():
        for key in ("image_hashes", "renamed"):
            if old in manifest.get(key, {}):
                manifest[key][new] = manifest[key].pop(old)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))


def _class_folder(out: Path) -> dict[str, str]:
    os.rename(out / CAT0, out / "train/dog/cat0.jpg")
    return {CAT0: "train/dog/cat0.jpg"}


def _csv(out: Path) -> None:
    text = (out / "labels.csv").read_text()
    assert f"images/{CAT0},cat," in text
    (out / "labels.csv").write_text(text.replace(f"images/{CAT0},cat,", f"images/{CAT0},dog,"))


def _parquet(out: Path) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(out / "labels.parquet")
    rows = table.to_pylist()
    for row in rows:
        if row["path"] == f"images/{CAT0}":
            row["label"] = "dog"
    pq.write_table(type(table).from_pylist(rows, schema=table.schema), out / "labels.parquet")


def _fiftyone(out: Path) -> None:
    labels = json.loads((out / "train/labels.json").read_text())
    key = "train/cat/cat0"
    assert labels["labels"][key] == labels["classes"].index("cat")
    labels["labels"][key] = labels["classes"].index("dog")
    (out / "train/labels.json").write_text(json.dumps(labels))


def _labelstudio(out: Path) -> None:
    tasks = json.loads((out / "tasks.json").read_text())
    [task] = [t for t in tasks if t["data"]["image"].endswith(CAT0)]
    for annotation in task["annotations"]:
        for result in annotation["result"]:
            result["value"]["choices"] = ["dog"]
    (out / "tasks.json").write_text(json.dumps(tasks))


def _webdataset(out: Path, json_too: bool = True) -> None:
    """CAT0's sample made a dog: its KEY.cls (class 1 in classes.txt) and, unless
    ``json_too`` is false, its KEY.json."""
    shard = out / "train-000000.tar"
    with tarfile.open(shard) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar if m.isfile()]
    [key] = [m.name.split(".")[0] for m, data in members
             if m.name.endswith(".json") and json.loads(data)["path"] == CAT0]  # fmt: skip
    with tarfile.open(shard, "w") as tar:
        for member, data in members:
            if member.name == f"{key}.json" and json_too:
                data = json.dumps({**json.loads(data), "label": "dog"}).encode()
            elif member.name == f"{key}.cls":
                data = b"1"
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


RELABEL = {
    "imagefolder": _class_folder,
    "hf": _class_folder,
    "csv": _csv,
    "parquet": _parquet,
    "fiftyone": _fiftyone,
    "labelstudio": _labelstudio,
    "webdataset": _webdataset,
}


@pytest.mark.parametrize("fmt", list(RELABEL))
def test_a_label_changed_in_the_export_with_its_manifest_made_to_match_is_found(
    project, tmp_path, capsys, fmt
):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1"]) == 0
    resync(out, RELABEL[fmt](out))
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["ok"] and not found["intact"]
    assert found["files"] == [] and found["not_in_version"] == []
    [row] = found["labels"]
    assert (row["label"], row["split"]) == ("dog", "train")
    assert (row["version_path"], row["version_label"], row["version_split"]) == (
        CAT0,
        "cat",
        "train",
    )
    text = verify_says(capsys, project, "v1", out)
    assert "labels, splits or statuses in the export that are not the version's (1):" in text
    assert "dog (train); the version: train/cat/cat0.jpg, cat (train)" in text


def test_two_pictures_swapped_with_the_manifest_made_to_match_are_found(project, tmp_path, capsys):
    """Each image file's bytes are hashed as they are, not taken from the manifest."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--version", "v1"]) == 0
    cat, dog = out / CAT0, out / "train/dog/dog0.jpg"
    cat_bytes, dog_bytes = cat.read_bytes(), dog.read_bytes()
    cat.write_bytes(dog_bytes)
    dog.write_bytes(cat_bytes)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    why = "holds other bytes than the image the manifest names"
    assert found["files"] == [
        {"path": CAT0, "why": why},
        {"path": "train/dog/dog0.jpg", "why": why},
    ]


def test_a_webdataset_class_index_changed_alone_is_found(project, tmp_path, capsys):
    """Training code reads KEY.cls (an index into classes.txt), LabelDesk's reader
    KEY.json's label: a .cls that no longer names the label its .json gives is named."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", "webdataset", "--version", "v1"]) == 0
    _webdataset(out, json_too=False)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    [row] = found["files"]
    assert row["path"].startswith("train-000000.tar:") and row["path"].endswith(".cls")
    assert row["why"] == "class 1 (dog) in classes.txt, but its .json says cat"


@pytest.mark.parametrize("fmt", list(RELABEL))
@pytest.mark.parametrize(
    "options",
    [
        ["--include-unlabeled"],
        ["--class-map", "cat=feline"],
        ["--make-splits", "50/25/25", "--seed", "3"],
    ],
    ids=["unlabeled", "class-map", "make-splits"],
)
def test_labels_read_back_from_an_untouched_export_are_the_version(
    project, tmp_path, capsys, fmt, options
):
    """No false alarm: every format, with the options that change labels and splits."""
    path, out = str(project.path), tmp_path / "out"
    project.set_label("_unlabeled/u0.png", "dog")  # labeled, no split: written as train
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1", *options]) == 0
    code, found = verify(capsys, project, "v1", out)
    assert found.get("labels") == [] and found["files"] == []
    assert code == 0 and found["ok"], found


def test_a_label_given_to_an_unlabeled_image_in_the_export_is_found(project, tmp_path, capsys):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", "csv", "--version", "v1",
                 "--include-unlabeled"]) == 0  # fmt: skip
    text = (out / "labels.csv").read_text()
    assert "images/_unlabeled/u0.png,," in text
    (out / "labels.csv").write_text(
        text.replace("images/_unlabeled/u0.png,,", "images/_unlabeled/u0.png,cat,")
    )
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    [row] = found["labels"]
    assert (row["path"], row["label"]) == ("images/_unlabeled/u0.png", "cat")
    # (paired with the version's unlabeled image of that picture: every image is compared)
    assert (row["version_path"], row["version_label"]) == ("_unlabeled/u0.png", None)
    text = verify_says(capsys, project, "v1", out)
    assert (
        "images/_unlabeled/u0.png: cat (no split); the version: _unlabeled/u0.png, "
        "unlabeled (no split)" in text
    )
