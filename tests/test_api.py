"""The notebook API and the command line give the same rows (the CLI calls the API)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import labeldesk as ld
from labeldesk.cli import main


def cli_rows(capsys, *args: str) -> list[dict]:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("command", "call"),
    [
        (["predict"], lambda p: ld.predictions(p)),
        (["predict", "--label", "ant", "--predicted", "bee"],
         lambda p: ld.predictions(p, label="ant", predicted="bee")),
        (["issues"], lambda p: ld.issues(p)),
        (["issues", "--all"], lambda p: ld.issues(p, include_all=True)),
        (["queue", "-n", "7"], lambda p: ld.queue(p, n=7)),
        (["similar", "train/ant/ant0.png", "-k", "5"],
         lambda p: ld.similar(p, "train/ant/ant0.png", k=5)),
        (["outliers", "-n", "4"], lambda p: ld.outliers(p, n=4)),
    ],
)  # fmt: skip
def test_cli_json_equals_the_notebook_rows(clustered, capsys, command, call):
    project, _ = clustered
    data = call(project)
    assert isinstance(data, pd.DataFrame) and "path" in data.columns
    expected = cli_rows(capsys, command[0], str(project.path), *command[1:])
    assert ld.api.records(data) == expected
    assert len(expected) > 0 or command[0] == "predict"


def test_missing_values_are_none_and_columns_stay_when_empty(clustered):
    project, _ = clustered
    unlabeled = ld.predictions(project)
    assert unlabeled.label.isna().any()
    assert all(v is None for v in unlabeled.label if not isinstance(v, str))
    empty = ld.predictions(project, label="ant", predicted="ant").iloc[0:0]
    assert list(empty.columns) == ["path", "predicted", "confidence", "label", "split"]
    none = ld.issues(project).iloc[0:0]
    assert list(none.columns) == [
        "path", "label", "suggested", "score", "flagged", "verified", "judged", "split"
    ]  # fmt: skip


def test_duplicates_and_expected_errors(clustered):
    project, flipped = clustered
    groups = ld.duplicates(project)
    assert list(groups.columns)[:3] == ["group", "kind", "path"]
    assert ld.expected_errors(project) >= 1
    assert set(flipped) <= set(ld.issues(project).path)


def test_export_returns_its_report(clustered, tmp_path):
    project, _ = clustered
    seen = []
    report = ld.export(project, tmp_path / "out", format="csv", progress=seen.append)
    assert report["written"] == 105 and report["format"] == "csv"
    assert seen and seen[-1].done == seen[-1].total


def test_importing_labeldesk_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, labeldesk; labeldesk.issues; "
        "print(sorted({'torch', 'pandas', 'faiss', 'PySide6'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "torch" not in out.stdout and "PySide6" not in out.stdout


def test_model_values_agree_with_the_listings_by_image_id(clustered):
    """One join by id: the per-image table says what predict, issues and outliers say."""
    project, _ = clustered
    values = ld.model_values(project)
    images = project.images()
    assert values.index.equals(images.index) and (values.path == images.path).all()
    assert list(values.predicted.cat.categories) == project.classes()
    by_path = values.set_index("path")
    preds = ld.predictions(project).set_index("path")
    assert (by_path.predicted[preds.index].astype(object) == preds.predicted).all()
    assert (by_path.confidence[preds.index].round(4) == preds.confidence.astype(float)).all()
    scored = ld.issues(project, include_all=True).set_index("path")
    assert (by_path.issue_score[scored.index].round(6) == scored.score.astype(float)).all()
    assert (by_path.suggested[scored.index].astype(object) == scored.suggested).all()
    assert set(by_path.index[by_path.flagged]) == set(ld.issues(project).path)
    unusual = ld.outliers(project, n=0).set_index("path")
    assert np.allclose(by_path.outlier_score[unusual.index], unusual.score.astype(float))
    assert by_path.issue_score.isna().sum() == len(values) - len(scored)


def test_versions_in_a_notebook_match_the_cli(clustered, tmp_path, capsys):
    project, _ = clustered
    made = ld.create_version(project, "v1", note="first")
    assert made["name"] == "v1" and made["images"] > 0
    table = ld.versions(project)
    assert list(table.name) == ["v1"] and table.note[0] == "first"
    images = project.images()
    path = images.path[images.label.notna()].iloc[0]
    project.set_label(path, None)
    diff = ld.version_diff(project, "v1")
    assert [row["path"] for row in diff["labels_changed"]] == [path]
    assert main(["version", str(project.path), "diff", "v1", "current", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == diff


def test_export_takes_the_clis_spellings_of_a_class_map_and_splits(clustered, tmp_path):
    project, _ = clustered
    first, *_ = project.classes()
    as_dict = ld.export(project, tmp_path / "a", class_map={first: None}, make_splits="80/10/10")
    as_text = ld.export(project, tmp_path / "b", class_map=f"{first}=-", make_splits="80/10/10")
    assert as_dict["written"] == as_text["written"] < 105
    assert as_dict["made_splits"] == as_text["made_splits"] and as_dict["made_splits"]
    assert not (tmp_path / "a" / "train" / first).exists()


def test_embed_takes_the_runtime_the_command_line_takes(project):
    """`labeldesk embed --runtime` had no counterpart: ld.embed(p, runtime=…) was a
    TypeError, so a notebook could not pick the engine."""
    with pytest.raises(ld.LabelDeskError, match="unknown runtime 'tpu'"):
        ld.embed(project, runtime="tpu", progress=lambda _: None)


def test_refusing_to_replace_an_export_names_the_api_argument(clustered, tmp_path):
    """A notebook user is told ``overwrite=True``, not the CLI's ``--overwrite``."""
    project, _ = clustered
    ld.export(project, tmp_path / "out", format="csv")
    with pytest.raises(ld.LabelDeskError, match="earlier export") as err:
        ld.export(project, tmp_path / "out", format="csv")
    assert "overwrite=True" in str(err.value) and "--overwrite" not in str(err.value)
    assert ld.export(project, tmp_path / "out", format="csv", overwrite=True)["written"] == 105


def test_a_listings_times_are_timestamps_and_json_keeps_seconds(clustered, capsys):
    """ld.versions' created_at was float seconds; a frame's time is a UTC Timestamp now,
    and records() (what --json prints) gives the same seconds back."""
    project, _ = clustered
    none_yet = ld.versions(project)
    assert len(none_yet) == 0 and str(none_yet.created_at.dtype) == "datetime64[us, UTC]"
    made = ld.create_version(project, "v1", note="first")
    table = ld.versions(project)
    assert str(table.created_at.dtype) == "datetime64[us, UTC]"
    assert abs(table.created_at[0].timestamp() - made["created_at"]) < 1e-6
    assert main(["version", str(project.path), "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    (row,) = ld.api.records(table)
    assert isinstance(row["created_at"], float)
    assert row["created_at"] == pytest.approx(listed[0]["created_at"], abs=1e-6)


def test_new_project_takes_empty_labels_as_the_error_says(tmp_path):
    """A labels file whose label column is empty in every row is refused: the error told
    a notebook user to "give --empty-labels", which ld.new_project had no argument for."""
    from helpers import make_imagefolder

    make_imagefolder(tmp_path / "images")
    f = tmp_path / "labels.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,\ntrain/dog/dog0.jpg,\n")
    with pytest.raises(ld.LabelDeskError, match="is empty in all 2 rows") as err:
        ld.new_project(tmp_path / "p", tmp_path / "images", labels=f, progress=False)
    assert "empty_labels=True" in str(err.value) and "--empty-labels" not in str(err.value)
    assert not (tmp_path / "p").exists()
    with ld.new_project(
        tmp_path / "p", tmp_path / "images", labels=f, empty_labels=True, progress=False
    ) as p:
        labels = p.images().set_index("path").label
        assert pd.isna(labels["train/cat/cat0.jpg"]) and pd.isna(labels["train/dog/dog0.jpg"])
        assert labels["train/cat/cat1.jpg"] == "cat"  # (not named: its folder's label)
    nulls = tmp_path / "labels.json"  # (a file without columns: its own words)
    nulls.write_text(json.dumps({"train/cat/cat0.jpg": None, "train/dog/dog0.jpg": None}))
    with pytest.raises(ld.LabelDeskError, match="give no label") as err:
        ld.new_project(tmp_path / "q", tmp_path / "images", labels=nulls, progress=False)
    assert "pass empty_labels=True" in str(err.value) and "--empty" not in str(err.value)
