"""Label files without a label column refuse a label that is null in every entry, as a
CSV's empty label column is refused (``--empty-labels`` applies it): a JSON or JSON Lines
file, a headerless CSV, a FiftyOne dataset whose ``labels.json`` gives ``null`` for
every image (its export of images not labeled yet). Before, each unlabeled every image
it named in one silent batch. A Label Studio export never unlabels: one whose tasks have
no annotation is refused saying so (before: "the file has no rows")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import cli_json, imagefolder_project, labels_by_path, refused_import


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    return imagefolder_project(tmp_path, capsys)


PATHS = ["train/cat/cat0.jpg", "train/cat/cat1.jpg", "train/dog/dog0.jpg"]


def _json(tmp_path: Path) -> Path:
    f = tmp_path / "labels.json"
    f.write_text(json.dumps({p: None for p in PATHS}))
    return f


def _json_list(tmp_path: Path) -> Path:
    f = tmp_path / "labels.json"
    f.write_text(json.dumps([{"path": p, "label": None} for p in PATHS]))
    return f


def _json_lines(tmp_path: Path) -> Path:
    f = tmp_path / "labels.jsonl"
    f.write_text("".join(json.dumps({"path": p, "label": ""}) + "\n" for p in PATHS))
    return f


def _headerless_csv(tmp_path: Path) -> Path:
    f = tmp_path / "labels.csv"
    f.write_text("".join(f"{p},\n" for p in PATHS))
    return f


@pytest.mark.parametrize("make", [_json, _json_list, _json_lines, _headerless_csv])
def test_a_label_null_in_every_entry_is_refused_unless_asked(proj, tmp_path, capsys, make):
    f = make(tmp_path)
    doc = refused_import(capsys, proj, f)
    assert "all 3 " in doc["error"] and "give no label (null or empty)" in doc["error"]
    assert "--empty-labels" in doc["error"]

    code, doc = cli_json(capsys, "import", proj, str(f), "--empty-labels")
    assert code == 0 and doc["changed"]["labels_removed"] == 3
    assert all(labels_by_path(proj)[p] is None for p in PATHS)
    assert doc["notes"] == [f"3 of 3 {doc['notes'][0].split()[3]} give no label: they "
                            "unlabel their images"]  # fmt: skip


def test_one_null_entry_still_unlabels_its_image(proj, tmp_path, capsys):
    f = tmp_path / "labels.json"
    f.write_text(json.dumps({PATHS[0]: None}))  # how a file removes one label
    code, _ = cli_json(capsys, "import", proj, str(f))
    assert code == 0 and labels_by_path(proj)[PATHS[0]] is None


def _fiftyone_nulled(proj: str, tmp_path: Path, capsys, keep: int = 0) -> Path:
    out = tmp_path / "fo"
    assert cli_json(capsys, "export", proj, str(out), "--format", "fiftyone")[0] == 0
    for labels in sorted(out.glob("*/labels.json")):
        data = json.loads(labels.read_text())
        data["labels"] = {
            k: (v if n < keep else None) for n, (k, v) in enumerate(data["labels"].items())
        }
        labels.write_text(json.dumps(data))
        keep = 0  # (the first dataset's first ``keep`` labels stay)
    return out


def test_a_fiftyone_dataset_of_null_labels_is_refused(proj, tmp_path, capsys):
    out = _fiftyone_nulled(proj, tmp_path, capsys)
    doc = refused_import(capsys, proj, out)
    assert "all 16 entries give no label (null or empty)" in doc["error"]
    code, doc = cli_json(capsys, "import", proj, str(out), "--empty-labels")
    assert code == 0 and doc["changed"]["labels_removed"] == 16


def test_a_fiftyone_dataset_of_mostly_null_labels_is_applied_and_said(proj, tmp_path, capsys):
    out = _fiftyone_nulled(proj, tmp_path, capsys, keep=2)
    code, doc = cli_json(capsys, "import", proj, str(out))
    assert code == 0 and doc["changed"]["labels_removed"] == 14
    assert doc["notes"] == ["14 of 16 entries give no label: they unlabel their images"]


def _choice(label: str) -> list[dict[str, object]]:
    return [{"from_name": "choice", "to_name": "image", "type": "choices",
             "value": {"choices": [label]}}]  # fmt: skip


def test_a_label_studio_export_without_annotations_says_so(proj, tmp_path, capsys):
    f = tmp_path / "tasks.json"
    tasks = [{"id": n, "data": {"image": f"/data/local-files/?d={p}"}, "annotations": []}
             for n, p in enumerate(PATHS)]  # fmt: skip
    f.write_text(json.dumps(tasks))
    doc = refused_import(capsys, proj, f)
    assert "none of its 3 tasks has an annotation with a choice" in doc["error"]
    assert "every image keeps its label" in doc["error"] and "--predictions" not in doc["error"]
    assert "has no rows" not in doc["error"]

    for task in tasks:  # tasks imported with a model's predictions alone
        task["predictions"] = [{"result": _choice("dog")}]
    f.write_text(json.dumps(tasks))
    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 1 and "3 have predictions: read them with --predictions" in doc["error"]
    code, doc = cli_json(capsys, "import", proj, str(f), "--predictions")
    assert code == 0 and doc["applied"] == 2  # (dog0 is a dog already)


def test_webdataset_samples_of_null_labels_are_refused(proj, tmp_path, capsys):
    from helpers import shard

    images = tmp_path / "images"
    samples = {
        f"s{n}": {"jpg": (images / p).read_bytes(), "json": b'{"label": null}'}
        for n, p in enumerate(PATHS)
    }
    f = tmp_path / "shards" / "data-000000.tar"
    f.parent.mkdir()
    shard(f, samples)
    doc = refused_import(capsys, proj, f)
    assert "all 3 samples give no label (null or empty)" in doc["error"]
    code, doc = cli_json(capsys, "import", proj, str(f), "--empty-labels")
    assert code == 0 and doc["changed"]["labels_removed"] == 3


def test_new_over_an_export_of_null_labels_makes_a_project_of_no_labels(proj, tmp_path, capsys):
    # (another tool's export: its folders are a layout, so no image holds a label the
    # file's nulls could take away; before, `new` refused it as `import` does)
    out = _fiftyone_nulled(proj, tmp_path, capsys)
    code, doc = cli_json(capsys, "new", str(tmp_path / "q"), "--images", str(out),
                         "--labels", str(out))  # fmt: skip
    assert code == 0, doc
    assert set(labels_by_path(str(tmp_path / "q")).values()) == {None}
    assert len(labels_by_path(str(tmp_path / "q"))) == 16
    # nothing was unlabeled, and the summary does not say it was
    assert doc["labels"]["notes"] == ["16 of 16 entries give no label: their images stay unlabeled"]


def test_new_over_a_csv_of_null_labels_still_refuses_it_where_folders_label(tmp_path, capsys):
    from helpers import make_imagefolder

    make_imagefolder(tmp_path / "images")
    code, doc = cli_json(capsys, "new", str(tmp_path / "q"), "--images",
                         str(tmp_path / "images"), "--labels", str(_json(tmp_path)))  # fmt: skip
    assert code == 1 and "give no label (null or empty)" in doc["error"]
    assert not (tmp_path / "q").exists()


@pytest.mark.parametrize("nothing_to_unlabel", [False, True])
def test_a_mostly_empty_label_column_is_said_as_what_it_does(nothing_to_unlabel):
    from types import SimpleNamespace

    from labeldesk.core.empty_labels import empty_labels_note

    found = SimpleNamespace(
        empty_labels=3, label_rows=4, label_column="label", unit="row", json=False,
        nothing_to_unlabel=nothing_to_unlabel,
    )  # fmt: skip
    said = empty_labels_note(found)
    assert said.startswith("the label column 'label' is empty in 3 of 4 rows: ")
    assert said.endswith(
        "those rows' images stay unlabeled"
        if nothing_to_unlabel
        else "those rows unlabel their images"
    )
