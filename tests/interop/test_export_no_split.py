"""Images without a split (the unlabeled pool) keep having none when an export is read
back: into its own project (a round trip changes nothing), and into another one. The
Hugging Face export writes them into train/ (datasets loads nothing outside its split
folders) and its manifest lists them; the summary says where they went."""

from __future__ import annotations

import json
import os

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import read_labels

POOL = [f"_unlabeled/u{i}.png" for i in range(3)]  # conftest's images without a split
# format -> what `labeldesk import` is given, below the export folder
READ_FROM = {
    "imagefolder": "",
    "csv": "labels.csv",
    "parquet": "labels.parquet",
    "hf": "",
    "fiftyone": "",
    "labelstudio": "tasks.json",
    "webdataset": "",
}


def state(project):
    """{path: (label, split)}, None where there is none."""
    frame = project.images(include_skipped=False)
    labels = frame.label.astype(object).where(frame.label.notna(), None)
    splits = frame.split.astype(object).where(frame.split.notna(), None)
    return dict(zip(frame.path, zip(labels, splits, strict=True), strict=True))


@pytest.mark.parametrize("fmt", sorted(READ_FROM))
def test_an_export_read_back_into_its_project_changes_nothing(project, tmp_path, fmt):
    """Hugging Face's train/_unlabeled/ gave the pool the train split ("3 images
    changed: 3 splits")."""
    project.set_label("train/cat/cat0.jpg", None)  # unlabeled in a split: keeps it
    before = state(project)
    assert [before[p] for p in POOL] == [(None, None)] * 3
    out = tmp_path / "out"
    export(project, out, fmt, ExportOptions(include_unlabeled=True))
    _, rows = read_labels(out / READ_FROM[fmt])
    assert apply_label_rows(project, rows) == 0
    assert state(project) == before


@pytest.mark.parametrize("read", ["", "train", "train/metadata.jsonl"])
def test_a_hugging_face_export_read_into_another_project_gives_the_pool_no_split(
    project, imagefolder, tmp_path, read
):
    root, _ = imagefolder
    out = tmp_path / "out"
    export(project, out, "hf", ExportOptions(include_unlabeled=True))
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert manifest["no_split"] == [f"train/{p}" for p in POOL]
    # a copy of the export, read into another project over the same images
    copy = tmp_path / "copy"
    os.rename(out, copy)
    other, _ = create_and_index(tmp_path / "other", root, workers=1)
    with other:
        _, rows = read_labels(copy / read)
        pool = [row for row in rows.rows if row.path.endswith(tuple(POOL))]
        assert len(pool) == 3 and {row.split for row in pool} == {None}
        if not read:
            apply_label_rows(other, rows)
            assert [state(other)[p] for p in POOL] == [(None, None)] * 3
            assert state(other) == state(project)


def test_the_summary_says_the_pool_went_into_train(project, tmp_path, capsys):
    """It said "unassigned 3" although the files went into train/."""
    out = tmp_path / "out"
    args = ["export", str(project.path), str(out), "--format", "hf", "--include-unlabeled"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "(test 4, train 11, val 4)" in text and "unassigned" not in text
    assert "3 images without a split went into train/" in text
    assert len(list((out / "train/_unlabeled").iterdir())) == 3
    assert main([*args[:2], str(tmp_path / "again"), *args[3:], "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["per_split"] == {"test": 4, "train": 11, "val": 4}
    assert report["no_split_in"] == {"train": 3}
    assert main(["import", str(project.path), str(out)]) == 0
    assert "0 labels applied" in capsys.readouterr().out
