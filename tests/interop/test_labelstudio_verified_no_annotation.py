"""A Label Studio task without an annotation gives no label, so its ``data.status``
``verified`` (with the ``verified_label`` LabelDesk's export wrote) decided nothing of
the image's label now: it verifies the image only if the image has that label when the
file is imported (in any Unicode form, or its class renamed since); elsewhere the image
keeps its status and the import says so. Before, such a task verified whatever label the
image had by then."""

from __future__ import annotations

import json

from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.formats import read_labels

A, B, C = "train/cat/cat0.jpg", "train/cat/cat1.jpg", "train/dog/dog0.jpg"
UNLABELED = "_unlabeled/u0.png"


def _task(path, verified_label, label=None):
    task = {
        "data": {
            "image": f"/data/local-files/?d=images/{path}",
            "path": path,
            "status": "verified",
            "verified_label": verified_label,
        },
        "annotations": [],
    }
    if label is not None:
        choice = {"from_name": "choice", "to_name": "image", "type": "choices"}
        task["annotations"] = [{"result": [{**choice, "value": {"choices": [label]}}]}]
    return task


def _apply(project, tmp_path, tasks, **kwargs):
    f = tmp_path / "export.json"
    f.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    _, rows = read_labels(f)
    assert rows.problems == []
    apply_label_rows(project, rows, **kwargs)
    return rows


def _state(project, path):
    return tuple(project.db.query("SELECT label, status FROM images WHERE path = ?", (path,))[0])


def test_a_task_without_an_annotation_verifies_only_the_label_it_names(project, tmp_path):
    project.set_label(B, "dog")  # relabeled since the export, which wrote it as a cat
    rows = _apply(
        project,
        tmp_path,
        [_task(A, "cat"), _task(B, "cat"), _task(C, "cat"), _task(UNLABELED, "cat")],
    )
    assert _state(project, A) == ("cat", "verified")  # still the label it names
    assert _state(project, B) == ("dog", None)
    assert _state(project, C) == ("dog", None)
    assert _state(project, UNLABELED) == (None, None)
    assert rows.status_note.startswith(
        "3 rows each gives no label and says verified for a label its image no longer has"
    )


def test_the_image_keeps_its_own_status(project, tmp_path):
    """A task whose verified does not hold changes nothing: an image a person verified
    with its new label stays verified, an excluded one stays excluded."""
    project.set_label(B, "dog")
    project.set_status([B], "verified")
    project.set_status([C], "excluded")
    rows = _apply(project, tmp_path, [_task(B, "cat"), _task(C, "cat")])
    assert _state(project, B) == ("dog", "verified")
    assert _state(project, C) == ("dog", "excluded")
    assert "2 rows each gives no label" in rows.status_note


def test_the_label_in_another_unicode_form_or_renamed_since_is_the_same(project, tmp_path):
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    project.add_classes([composed])
    project.set_label(A, composed)
    project.rename_class("dog", "hound")
    rows = _apply(project, tmp_path, [_task(A, decomposed), _task(C, "dog")])
    assert _state(project, A) == (composed, "verified")
    assert _state(project, C) == ("hound", "verified")
    assert "no label" not in rows.status_note


def test_with_another_task_of_the_image_the_label_it_gets_counts(project, tmp_path):
    """Two tasks of one image (two Label Studio projects' exports joined): the one with
    an annotation gives the label, and the other's verified holds only for that."""
    tasks = [
        _task(A, "cat"),
        {**_task(A, "cat", label="dog"), "data": {"image": f"x/{A}", "path": A}},
        {**_task(B, "cat", label="cat"), "data": {"image": f"x/{B}", "path": B}},
        _task(B, "cat"),
    ]
    _apply(project, tmp_path, tasks)
    assert _state(project, A) == ("dog", None)
    assert _state(project, B) == ("cat", "verified")


def test_a_dry_run_says_it_too(project, tmp_path):
    """The import form's count and note, before anything is written."""
    project.set_label(B, "dog")
    rows = _apply(project, tmp_path, [_task(A, "cat"), _task(B, "cat")], dry_run=True)
    assert rows.would_change.images == 1  # A's status; B's verified is not applied
    assert rows.status_note.startswith("1 row gives no label and says verified")
    apply_label_rows(project, rows)
    assert rows.status_note.count("gives no label") == 1
    assert _state(project, B) == ("dog", None)
