"""`labeldesk version PROJECT verify` of an export written with `--make-splits`.

Before: the splits such an export made were not checked at all (its manifest recorded
their sizes, not which image went where): an image moved from train to val in the
export, with the manifest's file list brought up to date, passed for the version (exit
0). The manifest now records the split made for each image (``made_split_of``), and the
splits read back from the export's files are compared with it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli.test_version_verify_labels import MANIFEST, resync, verify
from labeldesk.cli import main

MADE = ["--make-splits", "50/50", "--seed", "3"]


def _export(project, tmp_path, fmt: str) -> Path:
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1", *MADE]) == 0
    return out


def _to_val_imagefolder(out: Path) -> tuple[str, dict[str, str]]:
    """A train image moved to val/ (its class kept): (the version's path, moved)."""
    manifest = json.loads((out / MANIFEST).read_text())
    file = sorted(f for f in manifest["image_hashes"] if f.startswith("train/cat/"))[0]
    moved = "val/" + file.removeprefix("train/")
    os.rename(out / file, out / moved)
    return file, {file: moved}


def _to_val_csv(out: Path) -> tuple[str, dict[str, str]]:
    lines = (out / "labels.csv").read_text().splitlines(keepends=True)
    [n] = [n for n, line in enumerate(lines) if ",cat,train," in line][:1]
    lines[n] = lines[n].replace(",cat,train,", ",cat,val,")
    (out / "labels.csv").write_text("".join(lines))
    return lines[n].split(",")[0], {}


MOVE = {"imagefolder": _to_val_imagefolder, "csv": _to_val_csv}


@pytest.mark.parametrize("fmt", list(MOVE))
def test_an_image_moved_to_another_split_than_made_is_found(project, tmp_path, capsys, fmt):
    out = _export(project, tmp_path, fmt)
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"], found  # (no false alarm first)
    manifest = json.loads((out / MANIFEST).read_text())
    made = manifest["made_split_of"]
    assert len(made) == found["images"] and set(made.values()) == {"train", "val"}
    _, moved = MOVE[fmt](out)
    resync(out, moved)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["files"] == [], found
    [row] = found["labels"]
    assert (row["label"], row["split"]) == ("cat", "val")
    assert (row["version_label"], row["version_split"]) == ("cat", "train")
    assert made[row["version_path"]] == "train"


def test_the_recorded_split_edited_to_match_is_said_so(project, tmp_path, capsys):
    """The image moved and the split the manifest records for it edited to match: the
    sizes and per-class counts it reports then do not add up."""
    out = _export(project, tmp_path, "imagefolder")
    _, moved = _to_val_imagefolder(out)
    resync(out, moved)
    _, found = verify(capsys, project, "v1", out)
    [row] = found["labels"]
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["made_split_of"][row["version_path"]] = "val"
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["labels"] == []
    assert any(line.startswith("its manifest gives the made splits the sizes")
               for line in found["manifest"]), found["manifest"]  # fmt: skip
    assert any("per-class counts" in line for line in found["manifest"])


def test_an_older_make_splits_export_says_its_splits_are_not_checked(project, tmp_path, capsys):
    out = _export(project, tmp_path, "csv")
    manifest = json.loads((out / MANIFEST).read_text())
    del manifest["made_split_of"]  # (as an export before this one wrote it)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"]
    assert any("does not record the split made for each image" in n for n in found["notes"])


def test_the_sizes_a_manifest_gives_are_written_with_thousands_separators():
    """`version verify` wrote "train 4980" where every other command writes 4,980."""
    from labeldesk.interop.export_splits_check import check_made_splits

    said: list[str] = []
    sizes = {"train": 4980, "val": 1245, "test": "12000"}  # (the last: edited, as written)
    manifest = {"made_splits": {"sizes": sizes}}
    check_made_splits(said, manifest, {"a.png": "train"}, [("a.png", "cat")], [])
    assert said and "the sizes test 12000, train 4,980, val 1,245, but" in said[0], said
    assert "the splits it records are train 1:" in said[0], said
