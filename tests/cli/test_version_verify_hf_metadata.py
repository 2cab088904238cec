"""`labeldesk version PROJECT verify` of a Hugging Face export, with or without metadata.

LabelDesk's hf export writes per-split metadata (labels, review statuses) unless its
class folders alone give every label, when datasets reads them as a ClassLabel. Before,
verify took either layout for the other: the metadata removed from an export that has
it (unlabeled images, review statuses), with the manifest's file list made to match,
passed for the version (exit 0) though datasets then reads ``_unlabeled`` as a class and
the statuses are gone; metadata added to one without it (labels read as text, not a
ClassLabel) passed too."""

from __future__ import annotations

import json

from cli.test_version_verify_labels import resync, verify
from labeldesk.cli import main


def _export(project, tmp_path, *options: str):
    path, out = str(project.path), tmp_path / "out"
    assert main(["review", path, "keep", "train/cat/cat1.jpg"]) == 0
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", "hf", "--version", "v1", *options]) == 0
    return out


def test_metadata_removed_from_an_export_that_has_it_is_found(project, tmp_path, capsys):
    out = _export(project, tmp_path, "--include-unlabeled")
    written = sorted(out.glob("*/metadata.*"))
    assert written  # (unlabeled images and a status: the folders alone cannot say)
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"], found
    for file in written:
        file.unlink()
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["files"] == []
    [said] = found["manifest"]
    assert said.startswith("it holds no metadata file (<split>/metadata.jsonl or .parquet)")


def test_metadata_added_to_an_export_without_it_is_found(project, tmp_path, capsys):
    out = _export(project, tmp_path)
    assert not list(out.glob("*/metadata.*"))  # (every image labeled, two classes)
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"], found
    notes = found["notes"]
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    for split in ("train", "val", "test"):
        rows = [
            {"file_name": f.removeprefix(f"{split}/"), "label": f.split("/")[1],
             **({"status": "verified"} if f == "train/cat/cat1.jpg" else {"status": None})}
            for f in sorted(manifest["image_hashes"]) if f.startswith(f"{split}/")
        ]  # fmt: skip
        lines = "".join(json.dumps(row) + "\n" for row in rows)
        (out / split / "metadata.jsonl").write_text(lines)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["labels"] == []
    [said] = found["manifest"]
    assert said.startswith("it holds metadata (test/metadata.jsonl")
    # (as written, it holds no status: said, and what of them is checked)
    assert any("(ImageFolder, or Hugging Face without metadata)" in n for n in notes)
