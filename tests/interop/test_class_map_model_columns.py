"""The model's columns of a CSV or Parquet export with a class map, and
``--exclude-flagged`` under one: they speak of the export's classes, not the project's.

The clustered project's planted errors (``train/ant/ant0.png``, ``ant1.png``) are bee
images labeled ant: flagged, suggested bee. Merged into one class by the map, ant and
bee are the same label in the export, so nothing speaks against those labels there."""

from __future__ import annotations

import csv

import pandas as pd

from labeldesk.interop.export import ExportOptions, export, parse_class_map


def csv_rows(folder) -> dict[str, dict[str, str]]:
    """The rows of ``folder/labels.csv`` by the image's project path."""
    text = (folder / "labels.csv").read_text(encoding="utf-8")
    return {r["path"].removeprefix("images/"): r for r in csv.DictReader(text.splitlines())}


def test_predicted_and_suggested_name_the_exports_classes(clustered, tmp_path):
    project, _ = clustered
    export(project, tmp_path / "plain", "csv", ExportOptions())
    plain = csv_rows(tmp_path / "plain")
    assert {r["predicted"] for r in plain.values()} == {"ant", "bee", "cow"}
    options = ExportOptions(
        class_map=parse_class_map("ant=insect,bee=insect,cow=-"), include_unlabeled=True
    )
    export(project, tmp_path / "c", "csv", options)
    export(project, tmp_path / "p", "parquet", options)
    rows = csv_rows(tmp_path / "c")
    assert {r["label"] for r in rows.values()} == {"insect", ""}
    assert {r["predicted"] for r in rows.values()} == {"insect", ""}
    assert {r["suggested"] for r in rows.values()} <= {"insect", ""}
    # an unlabeled image the model takes for a cow (a class the map drops): no guess
    cow_like = [p for p, r in rows.items() if p.startswith("_unlabeled/") and not r["predicted"]]
    assert cow_like and all(rows[p]["confidence"] == "" for p in cow_like)
    table = pd.read_parquet(tmp_path / "p/labels.parquet")
    assert set(table.predicted.dropna()) == {"insect"} and table.predicted.isna().sum() == len(
        cow_like
    )
    assert set(table.suggested.dropna()) <= {"insect"}


def test_a_flag_the_map_merges_away_is_not_written(clustered, tmp_path):
    project, flipped = clustered
    export(project, tmp_path / "plain", "csv", ExportOptions())
    plain = csv_rows(tmp_path / "plain")
    assert all(plain[p]["flagged"] == "true" and plain[p]["suggested"] == "bee" for p in flipped)
    agreeing = [p for p, r in plain.items() if r["suggested"] == r["label"]]
    assert agreeing and all(plain[p]["label_quality"] for p in agreeing)

    merged = ExportOptions(class_map=parse_class_map("ant=insect,bee=insect"))
    export(project, tmp_path / "merged", "csv", merged)
    rows = csv_rows(tmp_path / "merged")
    for path in flipped:  # as for a label the model does not judge
        assert rows[path]["label"] == "insect" and rows[path]["suggested"] == "insect"
        assert rows[path]["flagged"] == "" and rows[path]["label_quality"] == ""
    # a label the model agrees with keeps its score, merged or not
    assert all(rows[p]["label_quality"] == plain[p]["label_quality"] for p in agreeing)

    renamed = ExportOptions(class_map=parse_class_map("ant=formica"))
    export(project, tmp_path / "renamed", "csv", renamed)
    kept = csv_rows(tmp_path / "renamed")
    assert all(kept[p]["flagged"] == "true" and kept[p]["suggested"] == "bee" for p in flipped)


def test_exclude_flagged_keeps_an_image_the_map_merges_into_its_suggestion(clustered, tmp_path):
    project, flipped = clustered
    alone = export(project, tmp_path / "alone", "csv", ExportOptions(include_flagged=False))
    assert alone.left_out["flagged"] >= 2
    assert not set(flipped) & set(csv_rows(tmp_path / "alone"))
    options = ExportOptions(
        include_flagged=False, class_map=parse_class_map("ant=insect,bee=insect")
    )
    merged = export(project, tmp_path / "merged", "csv", options)
    assert set(flipped) <= set(csv_rows(tmp_path / "merged"))
    assert merged.left_out["flagged"] == alone.left_out["flagged"] - len(flipped)
    # a map that keeps ant and bee apart leaves them out as before
    options = ExportOptions(include_flagged=False, class_map=parse_class_map("ant=formica"))
    apart = export(project, tmp_path / "apart", "csv", options)
    assert apart.left_out["flagged"] == alone.left_out["flagged"]
    assert not set(flipped) & set(csv_rows(tmp_path / "apart"))


def test_a_merging_map_asks_the_model_only_where_its_judgement_is_written(
    clustered, tmp_path, monkeypatch
):
    """Folders of images carry no model columns: an ImageFolder export with a merging map
    must not compute the model's label issues (all the project's predictions) first."""
    import labeldesk.ml.issues as issues

    project, _ = clustered
    asked = []
    real = issues.label_issues
    monkeypatch.setattr(issues, "label_issues", lambda *a, **k: asked.append(1) or real(*a, **k))
    options = ExportOptions(class_map=parse_class_map("ant=insect,bee=insect"))
    export(project, tmp_path / "folders", "imagefolder", options)
    assert asked == []
    export(project, tmp_path / "table", "csv", options)
    assert asked == [1]
