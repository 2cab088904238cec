"""A file uploaded to Label Studio is stored under Django's safe spelling of its name:
spaces become ``_`` and every character but letters, digits, ``_``, ``-`` and ``.`` is
dropped (``photo (1).jpg`` is ``/data/upload/3/1a2b3c4d-photo_1.jpg``). LabelDesk
matched an upload by its name as stored, so every uploaded image whose name held a
space, a bracket or a ``#`` was "not an image in the project" and kept its old label."""

from __future__ import annotations

import json

import pytest
from helpers import made_project

from labeldesk.cli import main
from labeldesk.core.project import open_project


def task(ref: str, choice: str, ident: int) -> dict:
    result = [{"from_name": "choice", "to_name": "image", "type": "choices",
               "value": {"choices": [choice]}, "id": f"r{ident}", "origin": "manual"}]  # fmt: skip
    annotation = {"id": ident, "result": result, "was_cancelled": False,
                  "updated_at": "2026-12-01T10:00:00.000000Z", "completed_by": 1}  # fmt: skip
    return {"id": ident, "data": {"image": ref}, "annotations": [annotation], "project": 3}


def labels_of(path) -> dict[str, str | None]:
    with open_project(path) as p:
        frame = p.images()
        return {
            r: (lab if isinstance(lab, str) else None)
            for r, lab in zip(frame.path, frame.label, strict=True)
        }


def import_json(capsys, path, tasks, tmp_path, *extra) -> tuple[int, dict]:
    file = tmp_path / "export.json"
    file.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    code = main(["import", str(path), str(file), "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_uploads_stored_under_djangos_safe_names_find_their_images(tmp_path, capsys):
    files = ["cat/photo (1).jpg", "cat/my photo #2.png", "dog/café au lait.png", "dog/plain.png"]
    path = made_project(tmp_path, files)
    tasks = [
        task("/data/upload/3/1a2b3c4d-photo_1.jpg", "dog", 1),
        task("/data/upload/3/5e6f7a8b-my_photo_2.png", "dog", 2),
        task("/data/upload/3/9c0d1e2f-caf%C3%A9_au_lait.png", "cat", 3),  # (Django's URL)
        task("/data/upload/3/0a1b2c3d-plain.png", "cat", 4),
    ]
    code, doc = import_json(capsys, path, tasks, tmp_path)
    assert code == 0, doc
    assert doc["unmatched"] == [] and doc["matched_by_file_name"] == 4
    assert labels_of(path) == {
        "cat/photo (1).jpg": "dog",
        "cat/my photo #2.png": "dog",
        "dog/café au lait.png": "cat",
        "dog/plain.png": "cat",
    }


def test_two_images_with_one_safe_name_are_listed_not_guessed(tmp_path, capsys):
    path = made_project(tmp_path, ["cat/a b.png", "dog/a (b).png", "dog/x_y.png", "cat/x y.png"])
    tasks = [task("/data/upload/3/1a2b3c4d-a_b.png", "dog", 1),
             task("/data/upload/3/2b3c4d5e-x_y.png", "cat", 2)]  # fmt: skip
    code, doc = import_json(capsys, path, tasks, tmp_path)
    assert code == 1 and doc["kind"] == "LabelFileError"
    assert doc["error"].endswith(
        "nothing applied:\n  entry 1: 'a_b.png' fits 2 images ('cat/a b.png', "
        "'dog/a (b).png'); these images' names differ only in characters Label Studio "
        "drops from an upload's name: rename one, or serve the images as local files"
    )
    code, doc = import_json(capsys, path, tasks[1:], tmp_path)
    assert code == 0 and labels_of(path)["dog/x_y.png"] == "cat"  # its name as it is wins
    assert doc["applied"] == 1 and doc["matched_by_file_name"] == 1  # not cat/x y.png too


@pytest.mark.parametrize("ref", ["/data/local-files/?d=photo_1.jpg", "photo_1.jpg"])
def test_only_an_upload_is_read_as_a_safe_name(tmp_path, capsys, ref):
    """A local file or a plain path names the file as it is called."""
    path = made_project(tmp_path, ["cat/photo (1).jpg", "cat/b.png"])
    tasks = [task(ref, "cat", 1), task("/data/upload/3/1a2b3c4d-b.png", "cat", 2)]
    code, doc = import_json(capsys, path, tasks, tmp_path)
    assert code == 0 and doc["unmatched"] == [
        'entry 1: "photo_1.jpg" is not an image in the project'
    ]
