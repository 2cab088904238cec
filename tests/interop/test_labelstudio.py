"""Label Studio JSON: LabelDesk's export (tasks, labeling config, images a local-files
storage serves) and its import of Label Studio's own export (fixtures/labelstudio_export.json
is a real Label Studio 1.23.2 snapshot export, its image references and class names
rewritten to the test images: see /work/notes/labelstudio.md)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from interop.label_states import by_content
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import ImportOptions, read_labels
from labeldesk.interop.formats.labelstudio_read import reference_path, result_label, task_label

FIXTURE = Path(__file__).parent / "fixtures" / "labelstudio_export.json"


def summary(rows):
    return [(r.path, r.label, r.split, r.line) for r in rows]


def test_label_studios_export_is_detected_and_read_by_task(tmp_path):
    name, rows = read_labels(FIXTURE)
    assert name == "labelstudio" and rows.unit == "entry" and rows.problems == []
    # 1: the newer of two annotations; 2: none; 3: cancelled; 5: an image of no project
    # here; 6: a URL; 7: an uploaded file (Label Studio's "7d2b3aee-" prefix taken off).
    assert summary(rows) == [
        ("images/_unlabeled/u0.png", "cat", None, 1),
        ("images/train/cat/cat0.jpg", "dog", "train", 4),
        ("images/train/cow/cow0.png", "dog", "train", 5),
        ("bucket/images/val/dog/dog1.jpg", "dog", None, 6),
        ("u1.png", "dog", None, 7),
    ]


def test_the_export_applies_by_path_suffix_and_lists_the_unmatched(project):
    _, rows = read_labels(FIXTURE)
    # changed: u0, u1, cat0 (u2 stays unlabeled, dog1 stays dog)
    assert apply_label_rows(project, rows, source="import") == 3
    frame = project.images().set_index("path")
    assert frame.label["_unlabeled/u0.png"] == "cat"
    assert frame.label["_unlabeled/u1.png"] == "dog"  # the upload
    assert pd.isna(frame.label["_unlabeled/u2.png"])  # its only annotation was cancelled
    assert (frame.label["train/cat/cat0.jpg"], frame.split["train/cat/cat0.jpg"]) == (
        "dog",
        "train",
    )
    assert frame.label["val/dog/dog1.jpg"] == "dog"
    assert rows.unmatched == ['entry 5: "images/train/cow/cow0.png" is not an image in the project']
    assert rows.by_name == 1  # only the upload was found by its file name alone


def test_predictions_on_request(tmp_path):
    _, rows = read_labels(FIXTURE, "labelstudio", ImportOptions(predictions=True))
    assert [(r.path, r.label, r.line) for r in rows] == [
        ("images/_unlabeled/u0.png", "cat", 1),
        ("images/_unlabeled/u1.png", "dog", 2),
        ("images/_unlabeled/u2.png", "dog", 3),
        ("images/train/cat/cat0.jpg", "dog", 4),
        ("images/train/cow/cow0.png", "dog", 5),
    ]
    quick = json.loads(FIXTURE.read_text())
    for n, task in enumerate(quick, 1):  # Label Studio's quick export: predictions as ids
        task["predictions"] = [n] if task["predictions"] else []
    f = tmp_path / "quick.json"
    f.write_text(json.dumps(quick))
    with pytest.raises(LabelFileError, match="by id only"):
        read_labels(f, "labelstudio", ImportOptions(predictions=True))
    assert len(read_labels(f)[1]) == 5  # the annotations still read


@pytest.mark.parametrize(
    ("ref", "path"),
    [
        ("/data/local-files/?d=my%20dir/a%2Bb.jpg", "my dir/a+b.jpg"),
        ("http://localhost:8080/data/local-files/?d=ds/train/x.png", "ds/train/x.png"),
        ("/data/upload/12/1a2b3c4d-cafe-photo.jpg", "cafe-photo.jpg"),
        ("https://cdn.example.com/bucket/train/cat/x%201.jpg", "bucket/train/cat/x 1.jpg"),
        ("s3://bucket/train/x.jpg", "train/x.jpg"),
        # a key's "#" and "?" are part of its name; a raw local-files path keeps its "&", "+"
        ("s3://bucket/train/a#2.png", "train/a#2.png"),
        ("gs://bucket/train/a?2.png", "train/a?2.png"),
        ("azure-blob://container/data/upload/a b.png", "data/upload/a b.png"),
        ("/data/local-files/?d=img/x&y.png", "img/x&y.png"),
        ("/data/local-files/?d=img/a+b#1?.png", "img/a+b#1?.png"),
        ("http://127.0.0.1:8080/data/local-files?d=img/x%23y.png", "img/x#y.png"),
        ("https://cdn.example.com/train/x.jpg?X-Amz-Signature=1#top", "train/x.jpg"),
        ("C:\\data\\x.jpg", "C:\\data\\x.jpg"),
        ("train/x.jpg", "train/x.jpg"),
    ],
)
def test_image_references_as_label_studio_writes_them(ref, path):
    assert reference_path(ref) == (path, None)


def task(image: str, *choices: str, kind: str = "choices") -> dict:
    result = [{"type": kind, "from_name": "choice", "value": {kind: list(choices)}}]
    return {"data": {"image": image}, "annotations": [{"result": result}]}


def test_bad_tasks_are_listed_by_entry_and_nothing_applied(project, tmp_path):
    tasks = [
        task("/data/local-files/?d=_unlabeled/u0.png", "cat"),
        task("/data/local-files/?d=../../etc/passwd", "cat"),
        task("data:image/png;base64,AAAA", "cat"),
        task("/data/upload/1/ab-u1.png", "cat", "dog"),
        task("u2.png", "cat", kind="rectanglelabels"),
        {"data": {"text": "hello"}, "annotations": task("u2.png", "cat")["annotations"]},
        "not a task",
        task("u2.png", "dog"),
    ]
    f = tmp_path / "tasks.json"
    f.write_text(json.dumps(tasks))
    name, rows = read_labels(f)
    assert name == "labelstudio"
    problems = dict(rows.problems)
    assert sorted(problems) == [2, 3, 4, 5, 6, 7]
    assert "leads out of the folder" in problems[2]
    assert "data: image" in problems[3]
    assert "multi-label" in problems[4]
    assert "not an image classification" in problems[5]
    assert "which data field is the image" in problems[6]
    assert "not a task" in problems[7]
    assert [r.line for r in rows] == [1, 8]  # the good tasks around the bad ones
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(project, rows, create_classes=True)
    assert err.value.problems[0].startswith("entry 2:")
    assert project.images().label.isna().sum() == 3  # nothing applied


def test_which_annotation_and_which_choices_count():
    def choice(name, label):
        return {"type": "choices", "from_name": name, "value": {"choices": [label]}}

    assert result_label([choice("choice", "cat"), choice("quality", "good")]) == ("cat", None)
    assert "several Choices" in str(result_label([choice("a", "cat"), choice("b", "dog")])[1])
    assert result_label([]) == (None, None)  # submitted without a choice: nothing to apply

    def annotation(ident, when, label, cancelled=False):
        return {"id": ident, "updated_at": when, "was_cancelled": cancelled,
                "result": [choice("choice", label)]}  # fmt: skip

    newest_by_time = [
        annotation(9, "2024-05-01T10:00:00Z", "cat"),
        annotation(3, "2024-05-02T09:00:00.5+00:00", "dog"),
        annotation(12, "2024-06-01T00:00:00Z", "bird", cancelled=True),
    ]
    assert task_label(newest_by_time, "annotations") == ("dog", None, True)
    assert task_label([newest_by_time[2]], "annotations") == (None, None, False)


def test_hostile_json_is_refused_before_parsing(tmp_path, monkeypatch):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(LabelFileError, match="nests 5000 levels"):
        read_labels(deep, "labelstudio")
    from labeldesk.core import label_bytes

    monkeypatch.setattr(label_bytes, "MAX_LABEL_FILE_BYTES", 1000)
    with pytest.raises(LabelFileError, match="bytes; label files over 1,000"):
        read_labels(FIXTURE, "labelstudio")


def test_export_writes_tasks_a_local_files_storage_serves(project, imagefolder, tmp_path):
    project.add_classes(['say "hi" & <go>'])
    project.set_label("_unlabeled/u0.png", 'say "hi" & <go>')
    out = tmp_path / "out"
    export(project, out, "labelstudio")
    tasks = json.loads((out / "tasks.json").read_text())
    assert len(tasks) == 17 and not any("predictions" in t for t in tasks)  # nothing embedded
    root, _ = imagefolder
    for task in tasks:
        rel = task["data"]["image"].removeprefix("/data/local-files/?d=")
        assert (out / rel).read_bytes() == (root / task["data"]["path"]).read_bytes()
        [annotation] = task["annotations"]
        [result] = annotation["result"]
        assert (result["from_name"], result["to_name"], result["type"]) == (
            "choice",
            "image",
            "choices",
        )
    config = ET.fromstring((out / "labeling_config.xml").read_text())
    image, choices = list(config)
    assert (image.tag, image.get("name"), image.get("value")) == ("Image", "image", "$image")
    assert (choices.get("name"), choices.get("toName")) == ("choice", "image")
    assert [c.get("value") for c in choices] == project.classes()


def test_export_carries_the_models_guesses_as_predictions(clustered, tmp_path):
    project, _ = clustered
    out = tmp_path / "out"
    export(project, out, "labelstudio", ExportOptions(include_unlabeled=True))
    tasks = json.loads((out / "tasks.json").read_text())
    with_predictions = [t for t in tasks if "predictions" in t]
    assert len(with_predictions) == len(tasks) == len(project.images())
    unlabeled = [t for t in tasks if "annotations" not in t]
    assert len(unlabeled) == 10
    from labeldesk.ml.image_values import model_values

    values = model_values(project)
    frame = project.images()
    ids = dict(zip(frame.path, frame.index, strict=True))
    for task in with_predictions:
        [prediction] = task["predictions"]
        assert prediction["model_version"].startswith("labeldesk:")
        guess = values.loc[ids[task["data"]["path"]]]
        assert prediction["result"][0]["value"]["choices"] == [guess.guess]
        assert prediction["score"] == pytest.approx(guess.guess_confidence, abs=1e-6)
    _, rows = read_labels(out / "tasks.json", "labelstudio", ImportOptions(predictions=True))
    assert len(rows) == len(tasks)


def test_round_trip_through_a_new_project_and_back_into_the_source(project, tmp_path):
    project.set_splits({"train/cat/cat1.jpg": "test"})
    project.set_label("_unlabeled/u0.png", "dog")
    labeled = {h: v for h, v in by_content(project).items() if v[0] is not None}
    out = tmp_path / "out"
    export(project, out, "labelstudio")
    copy, _ = create_and_index(tmp_path / "copy", out, workers=1)
    _, rows = read_labels(out / "tasks.json")
    assert apply_label_rows(copy, rows, create_classes=True) == len(labeled)
    assert by_content(copy) == labeled
    copy.close()
    # A Label Studio team relabels one task; the file comes back to the source project,
    # whose paths lack the export's images/ folder: they match by suffix.
    tasks = json.loads((out / "tasks.json").read_text())
    task = next(t for t in tasks if t["data"]["path"] == "val/cat/cat0.jpg")
    task["annotations"].append(
        {"result": [{"type": "choices", "from_name": "choice", "value": {"choices": ["dog"]}}],
         "updated_at": "2030-01-01T00:00:00Z"}
    )  # fmt: skip
    back = tmp_path / "back.json"
    back.write_text(json.dumps(tasks))
    apply_label_rows(project, read_labels(back)[1])
    assert project.images().set_index("path").label["val/cat/cat0.jpg"] == "dog"
    shutil.rmtree(out)


def test_labeldesk_import_detects_the_export_and_lists_the_unmatched(project, tmp_path, capsys):
    from labeldesk.cli import main

    project.close()
    assert main(["import", str(project.path), str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert "as labelstudio: 3 labels applied" in out  # what changed
    assert "1 row names no image in this project:" in out
    assert 'entry 5: "images/train/cow/cow0.png"' in out
    assert "1 image was found by file name alone" in out
    assert main(["undo", str(project.path)]) == 0
    capsys.readouterr()
    args = ["import", str(project.path), str(FIXTURE), "--predictions", "--json"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["format"], doc["applied"]) == ("labelstudio", 4)  # u0, u1, u2, cat0
    assert doc["unmatched"] == [
        'entry 5: "images/train/cow/cow0.png" is not an image in the project'
    ]
    assert doc["matched_by_file_name"] == 0  # the upload task has no prediction


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"a": "[[[[", "b": [1, {"c": "\\"[[{"}]}',
        '["a\\\\", [["x\\\\\\"]"]]]',
        '"[\\u005b{"',
        '[{"k": "\\\\\\\\"}, [[[]]]]',
        "{}",
    ],
)
def test_json_depth_counts_brackets_outside_strings_only(text):
    from labeldesk.interop.formats.json_input import json_depth

    def depth(value):
        if isinstance(value, dict):
            return 1 + max(map(depth, value.values()), default=0)
        if isinstance(value, list):
            return 1 + max(map(depth, value), default=0)
        return 0

    assert json_depth(text.encode()) == depth(json.loads(text))


def test_images_found_by_file_name_are_counted_once_and_only_when_applied(project, tmp_path):
    from labeldesk.core.label_files import read_label_file

    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label\n"
        "u1.png,dog\nu1.png,dog\nu1.png,dog\n"  # the same image three times
        "u2.png,zebra\n"  # found by name too, but its class is unknown: skipped
        "_unlabeled/u0.png,cat\n"  # a full path: not by name
    )
    rows = read_label_file(f)
    skipped: list[str] = []
    assert apply_label_rows(project, rows, skipped=skipped) == 2
    assert len(skipped) == 1 and "zebra" in skipped[0]
    assert rows.by_name == 1  # u1 only: u2 was not applied, u0 named its folder


def test_a_malformed_url_is_that_task_s_problem_not_a_crash(project, tmp_path):
    tasks = [
        task("http://[bucket/train/cat/cat0.jpg", "dog"),
        {"data": {"img": "http://[bucket/x.jpg"}, "annotations": task("x", "dog")["annotations"]},
        task("/data/local-files/?d=_unlabeled/u0.png", "dog"),
    ]
    f = tmp_path / "tasks.json"
    f.write_text(json.dumps(tasks))
    _, rows = read_labels(f)
    problems = dict(rows.problems)
    assert "not a valid URL" in problems[1] and "which data field" in problems[2]
    skipped: list[str] = []
    apply_label_rows(project, rows, skipped=skipped)
    assert project.images().set_index("path").label["_unlabeled/u0.png"] == "dog"


@pytest.mark.parametrize(
    "text",
    [
        # two image fields in one task: the last one silently won
        '[{"data": {"image": "/data/local-files/?d=train/cat/cat0.jpg", '
        '"image": "/data/local-files/?d=train/dog/dog0.jpg"}, '
        '"annotations": [{"result": [{"type": "choices", "value": {"choices": ["cat"]}}]}]}]',
    ],
)
def test_a_key_written_twice_is_refused_not_half_read(project, tmp_path, text):
    f = tmp_path / "tasks.json"
    f.write_text(text)
    with pytest.raises(LabelFileError, match='"image" is written twice'):
        read_labels(f)


def test_skipping_a_bad_task_leaves_its_image_out_whatever_another_task_says(project, tmp_path):
    tasks = [
        task("/data/local-files/?d=train/cat/cat0.jpg", "dog"),
        task("/data/local-files/?d=train/cat/cat0.jpg", "dog", "cat"),  # multi-label: bad
        task("/data/local-files/?d=_unlabeled/u0.png", "dog"),
    ]
    f = tmp_path / "tasks.json"
    f.write_text(json.dumps(tasks))
    _, rows = read_labels(f)
    skipped: list[str] = []
    apply_label_rows(project, rows, skipped=skipped)
    labels = project.images().set_index("path").label
    assert labels["train/cat/cat0.jpg"] == "cat" and labels["_unlabeled/u0.png"] == "dog"
    assert skipped[0].startswith("entry 1: ") and "left out with the bad row" in skipped[0]
    assert len(skipped) == 2


def _min_entry(n: int, image: str, **fields) -> dict:
    """A JSON-MIN object as Label Studio 1.23 writes one (task data beside the choice)."""
    return {
        "image": image, "id": n, "annotator": 1, "annotation_id": 100 + n,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "lead_time": 2.5, **fields,
    }  # fmt: skip


def test_a_json_min_export_is_read(project, tmp_path):
    """Label Studio's JSON-MIN export (flat objects, the choice under the <Choices> tag's
    name) was refused for its missing label key."""
    f = tmp_path / "min.json"
    local = "/data/local-files/?d=images/train/cat/cat0.jpg"
    entries = [
        _min_entry(1, local, choice="dog", split="val"),
        _min_entry(2, "/data/upload/3/1a2b3c4d-cat2.jpg", choice={"choices": ["dog"]}),
        _min_entry(3, "https://host/x/train/dog/dog0.jpg", status="verified"),  # no choice
    ]
    f.write_text(json.dumps(entries))
    name, rows = read_labels(f)
    assert name == "labelstudio" and rows.problems == []
    assert [(r.path, r.label, r.split) for r in rows] == [
        ("images/train/cat/cat0.jpg", "dog", "val"),
        ("cat2.jpg", "dog", None),
        ("x/train/dog/dog0.jpg", None, None),  # its status only: the label stays
    ]
    assert apply_label_rows(project, rows) == 3
    frame = project.images().set_index("path")
    assert frame.label["train/cat/cat0.jpg"] == "dog" and frame.split["train/cat/cat0.jpg"] == "val"
    assert frame.label["train/dog/dog0.jpg"] == "dog" and frame.status["train/dog/dog0.jpg"] == (
        "verified"
    )


def test_a_json_min_export_names_its_label_key_or_asks_for_it(tmp_path):
    f = tmp_path / "min.json"
    f.write_text(json.dumps([_min_entry(1, "a.png", sentiment="cat")]))
    _, rows = read_labels(f)  # the one key that is not Label Studio's own
    assert [(r.path, r.label) for r in rows] == [("a.png", "cat")]
    f.write_text(json.dumps([_min_entry(1, "a.png", sentiment="cat", mood="dog")]))
    with pytest.raises(LabelFileError, match=r"--label-column \('mood', 'sentiment'\)"):
        read_labels(f)
    _, rows = read_labels(f, options=ImportOptions(label_column="mood"))
    assert [(r.path, r.label) for r in rows] == [("a.png", "dog")]
    f.write_text(json.dumps([_min_entry(1, "a.png", choice=["cat", "dog"])]))
    _, rows = read_labels(f)
    assert "multi-label is not supported" in rows.problems[0][1]


def test_json_min_takes_the_newest_annotation_of_a_task(project, tmp_path):
    """JSON-MIN writes one object per annotation: two annotators of one task made the
    whole file refused as a conflict. The newest counts, as in the full export."""
    f = tmp_path / "min.json"
    ref = "/data/local-files/?d=images/train/cat/cat0.jpg"
    older = _min_entry(5, ref, choice="dog", agreement=50.0)
    older["updated_at"] = "2026-01-01T00:00:00Z"
    newer = _min_entry(5, ref, choice="cat", agreement=50.0)
    newer["updated_at"], newer["annotation_id"] = "2026-01-02T00:00:00Z", 99
    f.write_text(json.dumps([newer, older]))  # Label Studio lists the newest first
    _, rows = read_labels(f)
    assert rows.problems == [] and [(r.path, r.label) for r in rows] == [
        ("images/train/cat/cat0.jpg", "cat")
    ]
    f.write_text(json.dumps([_min_entry(1, "a.png", sentiment="cat", agreement=100.0)]))
    _, rows = read_labels(f)  # "agreement" is Label Studio's own key, not a label
    assert [(r.path, r.label) for r in rows] == [("a.png", "cat")]


def test_json_min_compares_times_as_times_and_tells_joined_projects_apart(tmp_path):
    """Times were compared as text: '…00:00:00Z' sorted after '…00:00:00.5Z' ('Z' sorts
    above '.'), so the older annotation won. And two projects' exports
    joined into one file share task ids: one task's annotation dropped the other's."""
    f = tmp_path / "min.json"
    ref = "/data/local-files/?d=images/a.png"
    older = _min_entry(5, ref, choice="dog", updated_at="2026-01-01T00:00:00Z")
    newer = _min_entry(5, ref, choice="cat", updated_at="2026-01-01T00:00:00.500000Z")
    newer["annotation_id"] = 1  # a lower id: only the time tells them apart
    f.write_text(json.dumps([older, newer]))
    _, rows = read_labels(f)
    assert [(r.path, r.label) for r in rows] == [("images/a.png", "cat")]
    other = _min_entry(5, "/data/local-files/?d=images/b.png", choice="dog")
    other["updated_at"] = "2026-02-01T00:00:00Z"  # newer, but another project's task 5
    f.write_text(json.dumps([older, newer, other]))
    _, rows = read_labels(f)
    assert sorted((r.path, r.label) for r in rows) == [
        ("images/a.png", "cat"), ("images/b.png", "dog"),
    ]  # fmt: skip


def test_an_empty_choice_is_that_task_s_problem_not_an_unlabel(project, tmp_path):
    """A choice of "" names no class: it is refused on its task, where it took the
    image's label away."""
    f = tmp_path / "tasks.json"
    f.write_text(json.dumps([task("/data/local-files/?d=train/cat/cat0.jpg", " ")]))
    _, rows = read_labels(f)
    assert [n for n, _ in rows.problems] == [1] and "empty choice" in rows.problems[0][1]
    assert [r.label for r in rows] == []


def test_odd_choices_are_shown_as_the_json_has_them():
    from labeldesk.interop.formats.labelstudio_min import _choice

    several = {"type": "choices", "from_name": "choice", "value": {"choices": ["cat", "dog"]}}
    assert result_label([several])[1] == (
        'several choices ["cat", "dog"]: multi-label is not supported'
    )
    assert _choice(True) == (None, "the label true is not a class name")
    assert _choice({"choices": [None, False]})[1] == (
        "several choices [null, false]: multi-label is not supported"
    )
