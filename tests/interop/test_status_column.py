"""Review statuses travel with the labels: LabelDesk's CSV and Parquet manifests write a
``status`` column and its WebDataset records a ``status`` key, and a label file's status
(CSV, JSON, Parquet, WebDataset) is read back, so an export imported into this project or
another keeps what people verified or excluded."""

from __future__ import annotations

import csv
import json

import pytest

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows, read_label_file
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import read_labels

SOURCE = {"csv": "labels.csv", "parquet": "labels.parquet", "webdataset": ""}
VERIFIED, EXCLUDED = "train/cat/cat0.jpg", "train/dog/dog0.jpg"


def statuses(project) -> dict[str, str | None]:
    frame = project.images()
    return {
        p: (s if isinstance(s, str) else None)
        for p, s in zip(frame.path, frame.status, strict=True)
    }


@pytest.mark.parametrize("fmt", ["csv", "parquet", "webdataset"])
def test_an_export_carries_statuses_into_another_project(project, imagefolder, tmp_path, fmt):
    root, _ = imagefolder
    project.set_status([VERIFIED], "verified")
    project.set_status([EXCLUDED], "excluded")
    out = tmp_path / "out"
    export(project, out, fmt, ExportOptions(include_excluded=True))
    other, _ = create_and_index(tmp_path / "other", root, workers=1)
    assert set(statuses(other).values()) == {None}

    _, rows = read_labels(out / SOURCE[fmt])
    changed = apply_label_rows(other, rows, dry_run=True)
    assert changed == 2  # the labels are the same: only the statuses change
    assert apply_label_rows(other, rows) == 2
    assert statuses(other) == statuses(project)
    assert statuses(other)[VERIFIED] == "verified" and statuses(other)[EXCLUDED] == "excluded"
    other.undo()
    assert set(statuses(other).values()) == {None}
    other.close()


def test_the_csv_manifest_writes_the_status_last(project, tmp_path):
    project.set_status([VERIFIED], "verified")
    export(project, tmp_path / "out", "csv")
    with open(tmp_path / "out" / "labels.csv", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    # readers that take columns by position keep theirs: the status, and the label each
    # "verified" was given for, come last
    assert list(table[0])[-2:] == ["status", "verified_label"]
    by_status = {r["path"].split("images/", 1)[1]: r["status"] for r in table}
    assert by_status[VERIFIED] == "verified"
    assert {s for p, s in by_status.items() if p != VERIFIED} == {""}
    bound = {r["path"].split("images/", 1)[1]: r["verified_label"] for r in table}
    assert bound[VERIFIED] == "cat" and {b for p, b in bound.items() if p != VERIFIED} == {""}


def test_a_file_sets_and_keeps_statuses(project, tmp_path):
    project.set_status(["train/dog/dog1.jpg"], "verified")
    f = tmp_path / "labels.json"
    f.write_text(
        json.dumps(
            [
                {"path": "train/cat/cat0.jpg", "label": "cat", "status": "Excluded"},
                {"path": "train/dog/dog1.jpg", "label": "dog", "status": ""},  # kept
                {"path": "train/dog/dog0.jpg", "label": "cat", "status": "verified"},
            ]
        )
    )
    assert apply_label_rows(project, read_label_file(f)) == 2
    now = statuses(project)
    assert now["train/cat/cat0.jpg"] == "excluded" and now["train/dog/dog1.jpg"] == "verified"
    # a relabel clears verified, unless the file verifies the new label itself
    assert now["train/dog/dog0.jpg"] == "verified"
    assert project.images().set_index("path").label["train/dog/dog0.jpg"] == "cat"


@pytest.mark.parametrize(
    "cells",
    [
        ["ok", "verified"],  # another tool's column
        ["None", ""],  # a script's str(None): it once cleared an exclusion
        ["verifed", "excluded"],  # a typo: not half of the file's statuses
    ],
)
def test_a_status_column_of_other_words_is_not_read_and_says_so(project, tmp_path, cells):
    project.set_status(["train/cat/cat0.jpg"], "excluded")
    f = tmp_path / "labels.csv"
    f.write_text(
        f"path,label,status\ntrain/cat/cat0.jpg,cat,{cells[0]}\ntrain/cat/cat1.jpg,dog,{cells[1]}\n"
    )
    rows = read_label_file(f)
    assert rows.problems == [] and all(r.status == "" for r in rows)
    assert f"holds {cells[0]!r} (line 2), not verified, excluded or unreviewed: it is not read" in (
        rows.status_note
    )
    assert apply_label_rows(project, rows) == 1  # the label only
    now = statuses(project)
    assert now["train/cat/cat0.jpg"] == "excluded" and now["train/cat/cat1.jpg"] is None


def test_two_status_columns_or_one_named_as_the_label_are_not_read(project, tmp_path):
    """(A header naming the status twice was refused as a whole.)"""
    f = tmp_path / "twice.csv"
    f.write_text("path,label,status,Status\ntrain/cat/cat0.jpg,dog,verified,excluded\n")
    rows = read_label_file(f)
    assert rows.problems == [] and [r.status for r in rows] == [""]
    assert rows.status_note.startswith("two columns are named status: neither is read")
    f = tmp_path / "as_label.csv"
    f.write_text("path,status\ntrain/cat/cat0.jpg,verified\n")
    from labeldesk.core.label_file_formats import Columns

    rows = read_label_file(f, Columns(label="status"))
    assert [(r.label, r.status) for r in rows] == [("verified", "")]


def test_one_image_given_two_statuses_is_a_bad_row(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,status\ntrain/cat/cat0.jpg,cat,verified\n./train/cat/cat0.jpg,cat,excluded\n"
    )
    with pytest.raises(
        LabelFileError, match=r"line 3: .*marked excluded here but verified on line 2"
    ):
        apply_label_rows(project, read_label_file(f))
    assert set(statuses(project).values()) == {None}


def test_a_status_given_once_for_an_image_named_twice_is_taken(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,split,status\ntrain/cat/cat0.jpg,cat,,\ntrain/cat/cat0.jpg,cat,val,excluded\n"
    )
    assert apply_label_rows(project, read_label_file(f)) == 1
    row = project.images().set_index("path").loc["train/cat/cat0.jpg"]
    assert (row.status, row.split) == ("excluded", "val")


def test_the_command_line_says_when_a_status_column_was_not_read(project, tmp_path, capsys):
    from labeldesk.cli import main

    f = tmp_path / "labels.csv"
    f.write_text("path,label,status\ntrain/cat/cat0.jpg,dog,pending\n")
    assert main(["import", str(project.path), str(f)]) == 0
    out = capsys.readouterr().out
    assert "1 label applied" in out and "holds 'pending' (line 2)" in out
    assert main(["label", str(project.path), "--csv", str(f), "--json"]) == 0
    assert "holds 'pending'" in json.loads(capsys.readouterr().out)["status_note"]


def test_parquet_and_hugging_face_say_when_a_status_column_is_not_read(project, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from labeldesk.interop.formats import read_labels

    table = pa.table({"path": ["train/cat/cat0.jpg"], "label": ["cat"], "status": [1]})
    pq.write_table(table, tmp_path / "ints.parquet")
    assert "holds int64, not text" in read_labels(tmp_path / "ints.parquet")[1].status_note
    table = pa.table(
        {"path": ["train/cat/cat0.jpg"], "label": ["cat"], "status": ["verified"], "Status": ["x"]}
    )
    pq.write_table(table, tmp_path / "twice.parquet")
    rows = read_labels(tmp_path / "twice.parquet")[1]
    assert [r.status for r in rows] == [""] and rows.status_note.startswith("two columns")
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "metadata.csv").write_text("file_name,label,status\na.png,cat,ok\n")
    fmt, rows = read_labels(hf)
    assert fmt == "hf" and "holds 'ok'" in rows.status_note


def test_an_import_says_what_it_changed_by_kind(project, tmp_path, capsys):
    """A file that changes statuses and splits is not reported as "labels applied"; the
    counts are by kind, from the batch written, and ``--json`` carries them."""
    from labeldesk.cli import main

    project.set_status(["train/cat/cat1.jpg"], "verified")
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,split,status\n"
        "train/cat/cat0.jpg,cat,,verified\n"  # a status only
        "train/dog/dog0.jpg,dog,val,excluded\n"  # a split and a status
        "train/cat/cat1.jpg,dog,,\n"  # a label (its "verified" is cleared: not counted)
        "train/dog/dog1.jpg,dog,,\n"  # as it is: nothing
    )
    assert main(["import", str(project.path), str(f)]) == 0
    out = capsys.readouterr().out
    assert "3 images changed: 1 label, 1 split, 2 review statuses" in out
    assert "applied" not in out
    project.undo()
    assert main(["label", str(project.path), "--csv", str(f), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["applied"] == 3
    assert data["changed"] == {"labels": 1, "labels_removed": 0, "splits": 1, "statuses": 2}
    assert main(["label", str(project.path), "--csv", str(f), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)  # again: the project holds it all now
    assert data["applied"] == 0 and not any(data["changed"].values())
    cleared = tmp_path / "cleared.csv"  # reviews taken back, labels kept: statuses changed
    cleared.write_text(
        "path,label,status\ntrain/cat/cat0.jpg,cat,unreviewed\ntrain/dog/dog0.jpg,dog,unreviewed\n"
    )
    assert main(["import", str(project.path), str(cleared)]) == 0
    assert "2 images changed: 2 review statuses" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fmt", "source"), [("labelstudio", "tasks.json"), ("hf", ""), ("fiftyone", "")]
)
def test_label_studio_and_hugging_face_metadata_carry_statuses(
    project, imagefolder, tmp_path, fmt, source
):
    """Label Studio tasks keep a status in ``data.status`` and Hugging Face metadata in a
    ``status`` column; both were dropped, so excluded images came back as ordinary ones."""
    root, _ = imagefolder
    project.set_status([VERIFIED], "verified")
    project.set_status([EXCLUDED], "excluded")
    out = tmp_path / "out"
    options = ExportOptions(include_excluded=True, include_unlabeled=True)  # hf: metadata
    report = export(project, out, fmt, options)
    assert report.statuses_not_written == 0
    other, _ = create_and_index(tmp_path / "other", root, workers=1)
    _, rows = read_labels(out / source)
    apply_label_rows(other, rows)
    assert statuses(other)[VERIFIED] == "verified" and statuses(other)[EXCLUDED] == "excluded"
    assert {p for p, s in statuses(other).items() if s} == {VERIFIED, EXCLUDED}
    other.close()


def test_hugging_face_metadata_with_statuses_still_loads_in_datasets(project, tmp_path):
    import os

    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import datasets

    project.set_status([EXCLUDED], "excluded")
    out = tmp_path / "out"
    export(project, out, "hf", ExportOptions(include_excluded=True, include_unlabeled=True))
    datasets.disable_progress_bars()
    loaded = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "c"))
    found = [s for split in loaded.values() for s in split["status"]]
    assert found.count("excluded") == 1 and set(found) == {"excluded", None}


@pytest.mark.parametrize("fmt", ["imagefolder"])
def test_an_export_that_cannot_keep_statuses_says_so(project, tmp_path, capsys, fmt):
    from labeldesk.cli import main

    project.set_status([VERIFIED], "verified")
    project.set_status([EXCLUDED], "excluded")
    out = tmp_path / "out"
    args = ["export", str(project.path), str(out), "--format", fmt, "--include-excluded"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "2 verified or excluded images were written without their status" in text
    csv_args = ["export", str(project.path), str(tmp_path / "csv"), "--include-excluded"]
    assert main([*csv_args, "--format", "csv", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["statuses_not_written"] == 0


def test_unreviewed_in_a_file_clears_a_status_and_undo_brings_it_back(project, tmp_path):
    """No file could clear a status: empty keeps it, and any other word made the whole
    column unread. ``unreviewed``, the word LabelDesk shows for none, clears it."""
    project.set_status(["train/cat/cat0.jpg"], "excluded")
    project.set_status(["train/dog/dog0.jpg"], "verified")
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,status\n"
        "train/cat/cat0.jpg,cat,Unreviewed\n"
        "train/dog/dog0.jpg,dog,unreviewed\n"
        "train/cat/cat1.jpg,cat,unreviewed\n"  # none to clear: no change
    )
    rows = read_label_file(f)
    assert rows.problems == [] and rows.status_note == ""
    assert apply_label_rows(project, rows, dry_run=True) == 2
    assert statuses(project)["train/cat/cat0.jpg"] == "excluded"  # a dry run writes nothing
    assert apply_label_rows(project, rows) == 2
    now = statuses(project)
    assert now["train/cat/cat0.jpg"] is None and now["train/dog/dog0.jpg"] is None
    project.undo()
    now = statuses(project)
    assert now["train/cat/cat0.jpg"] == "excluded" and now["train/dog/dog0.jpg"] == "verified"
    f.write_text(
        "path,label,status\ntrain/cat/cat0.jpg,cat,unreviewed\ntrain/cat/cat0.jpg,cat,verified\n"
    )
    with pytest.raises(LabelFileError, match="marked verified here but unreviewed on line 2"):
        apply_label_rows(project, read_label_file(f))


def test_a_dry_run_counts_by_kind_as_the_import_then_does(project, tmp_path):
    """The import form's preview: what a dry run counts, label removed included, is
    what the batch written afterwards counts."""
    project.set_status(["train/dog/dog0.jpg"], "verified")
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,status,split\n"
        "train/cat/cat0.jpg, ,,\n"  # a label removed
        "train/dog/dog0.jpg,cat,,\n"  # relabeled: its "verified" goes, not counted apart
        "train/cat/cat1.jpg,cat,excluded,\n"
        "train/dog/dog1.jpg,dog,,test\n"
    )
    rows = read_label_file(f)
    assert apply_label_rows(project, rows, dry_run=True) == 4
    preview = rows.would_change
    assert (preview.removed, preview.labels, preview.statuses) == (1, 2, 1)
    again = read_label_file(f)
    apply_label_rows(project, again)
    assert preview == again.applied
