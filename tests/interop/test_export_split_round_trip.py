"""Labeled images without a split of their own (labeled in the app, or in a folder with
no split folders) count as train, and every export writes them there; reading the export
back into its project must not store `train` for them ("6 images changed: 6 splits"
although nobody changed anything). The manifest lists them under ``no_split``, so every
format LabelDesk writes reads back with no change at all."""

from __future__ import annotations

import json
import os

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from labeldesk.cli import main
from labeldesk.core.label_files import apply_label_rows
from labeldesk.core.labels import last_event_id
from labeldesk.core.versions import create_version
from labeldesk.interop.export import EXPORTERS, ExportOptions, export
from labeldesk.interop.formats import read_labels

# format -> what `labeldesk import` may be given, below the export folder
READ_FROM = {
    "imagefolder": [""],
    "csv": ["labels.csv"],
    "parquet": ["labels.parquet"],
    "hf": ["", "train"],
    "fiftyone": ["", "train"],
    "labelstudio": ["tasks.json"],
    "webdataset": ["", "train-000000.tar"],
}
NO_SPLIT = ["train/cat/cat1.jpg", "val/dog/dog0.jpg", "_unlabeled/u0.png"]  # labeled, no split


def stored(project) -> dict[str, tuple]:
    """{path: (label, split, status)} as stored: a split not set is None, not train."""
    rows = project.db.query(
        "SELECT path, label, split, status FROM images WHERE removed_at IS NULL"
    )
    return {r[0]: tuple(r[1:]) for r in rows}


@pytest.fixture
def unsplit(project):
    """conftest's project (train/val/test, two unlabeled images without a split) with
    three labeled images that have no split, one of them verified."""
    project.set_splits({p: None for p in NO_SPLIT[:2]})
    project.set_label(NO_SPLIT[2], "cat")
    project.set_status([NO_SPLIT[0]], "verified")
    state = stored(project)
    assert [state[p][1] for p in NO_SPLIT] == [None] * 3
    return project


def test_every_export_format_is_listed():
    assert sorted(READ_FROM) == sorted(EXPORTERS.names())


@pytest.mark.parametrize("unlabeled", [False, True], ids=["labeled", "with-unlabeled"])
@pytest.mark.parametrize("fmt", sorted(READ_FROM))
def test_an_export_read_back_into_its_project_changes_nothing(unsplit, tmp_path, fmt, unlabeled):
    before, event = stored(unsplit), last_event_id(unsplit.db)
    out = tmp_path / "out"
    report = export(unsplit, out, fmt, ExportOptions(include_unlabeled=unlabeled))
    assert report.per_split["train"] >= 6  # written where they count: train
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    # (FiftyOne writes them apart, in unassigned/, not among train: none to list; see
    # test_fiftyone_no_split.py)
    listed = 0 if fmt == "fiftyone" else 3 + (2 if unlabeled and fmt == "hf" else 0)
    assert len(manifest["no_split"]) == listed
    for read in READ_FROM[fmt]:
        _, rows = read_labels(out / read)
        assert rows.problems == []
        assert apply_label_rows(unsplit, rows) == 0, read
        assert stored(unsplit) == before
    assert last_event_id(unsplit.db) == event  # no batch, nothing to undo


@pytest.mark.parametrize("fmt", ["imagefolder", "csv", "webdataset"])
def test_the_import_command_says_nothing_changed(unsplit, tmp_path, capsys, fmt):
    out = tmp_path / "out"
    assert main(["export", str(unsplit.path), str(out), "--format", fmt]) == 0
    assert main(["import", str(unsplit.path), str(out / READ_FROM[fmt][0])]) == 0
    said = capsys.readouterr().out.strip()
    assert "0 labels applied: nothing changed (the " in said
    assert said.endswith(" images it names are already as it says)")


def test_a_version_export_read_back_gives_no_split_either(unsplit, tmp_path):
    create_version(unsplit.db, "v1")
    unsplit.set_labels({p: "dog" for p in NO_SPLIT})  # the project moved on
    out = tmp_path / "out"
    export(unsplit, out, "csv", ExportOptions(version="v1"))
    apply_label_rows(unsplit, read_labels(out / "labels.csv")[1])
    state = stored(unsplit)
    assert [state[p][:2] for p in NO_SPLIT] == [("cat", None), ("dog", None), ("cat", None)]


def test_made_splits_are_the_exports_own(unsplit, tmp_path):
    """--make-splits gives every image a split: reading it back sets them."""
    out = tmp_path / "out"
    export(unsplit, out, "csv", ExportOptions(make_splits=(0.6, 0.2, 0.2)))
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert manifest["no_split"] == []


def test_a_split_edited_in_the_file_is_applied(unsplit, tmp_path):
    """Only a row that still says train (what the export wrote) gives no split."""
    out = tmp_path / "out"
    export(unsplit, out, "csv")
    csv = out / "labels.csv"
    text = csv.read_text()
    row = next(line for line in text.splitlines() if line.startswith("images/train/cat/cat1"))
    csv.write_text(text.replace(row, row.replace(",train,", ",val,")))
    assert apply_label_rows(unsplit, read_labels(csv)[1]) == 1
    state = stored(unsplit)
    assert state["train/cat/cat1.jpg"][1] == "val"
    assert [state[p][1] for p in NO_SPLIT[1:]] == [None, None]


def test_another_project_reads_them_without_a_split(unsplit, imagefolder, tmp_path):
    from labeldesk.core.create import create_and_index

    root, _ = imagefolder
    out = tmp_path / "out"
    export(unsplit, out, "imagefolder")
    os.rename(out, tmp_path / "copy")
    other, _ = create_and_index(tmp_path / "other", root, workers=1)
    with other:
        apply_label_rows(other, read_labels(tmp_path / "copy")[1])
        state = stored(other)
        assert state["val/dog/dog0.jpg"] == ("dog", "val", None)  # its folder's split
        assert state["_unlabeled/u0.png"] == ("cat", None, None)
