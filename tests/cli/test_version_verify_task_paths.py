"""`labeldesk version PROJECT verify` of a Label Studio export whose task's ``data.path``
(the image's path in the version, which ``labeldesk import`` matches the task by where
its file name differs from the image's) was edited, the manifest made to match.

Label Studio does not read ``data.path``, and LabelDesk's reader, reading the labels
back, found the same label on the same picture, so before, the edit passed for the
version (exit 0), though importing the tasks back would give the label to another
image of the project, or to none."""

from __future__ import annotations

import json

from cli.test_version_verify_labels import resync, verify
from labeldesk.cli import main


def _export(project, tmp_path):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", "labelstudio", "--version", "v1"]) == 0
    return out


def _edit_task(out, edit) -> tuple[str, str]:
    """``edit`` applied to the ``data`` of the first labeled task; its file and path."""
    tasks = json.loads((out / "tasks.json").read_text())
    task = next(t for t in tasks if t.get("annotations"))
    file, path = task["data"]["image"].split("?d=", 1)[1], task["data"]["path"]
    edit(task["data"])
    (out / "tasks.json").write_text(json.dumps(tasks, indent=1))
    resync(out)
    return file, path


def test_a_task_whose_data_path_names_another_image_is_found(project, tmp_path, capsys):
    out = _export(project, tmp_path)
    other = "train/dog/dog0.jpg"
    file, path = _edit_task(out, lambda data: data.update(path=other))
    assert path != other
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert found["files"] == [{"path": "tasks.json", "why": (
        f"the task of {file} gives data.path {json.dumps(other)}, not the version's path of its "
        f"picture that the export wrote ({path}): labeldesk import matches a task by "
        "data.path, so its label would go to another image, or to none; the task was "
        "edited since"
    )}]  # fmt: skip
    assert main(["version", str(project.path), "verify", "v1", str(out)]) == 1
    assert f"the task of {file} gives data.path {json.dumps(other)}" in capsys.readouterr().out


def test_a_task_whose_data_path_was_removed_is_found(project, tmp_path, capsys):
    out = _export(project, tmp_path)
    file, _ = _edit_task(out, lambda data: data.pop("path"))
    code, found = verify(capsys, project, "v1", out)
    assert code == 1
    [row] = found["files"]
    assert row["path"] == "tasks.json"
    assert row["why"].startswith(f"the task of {file} has no data.path, not the version's")


def test_a_task_as_written_passes(project, tmp_path, capsys):
    out = _export(project, tmp_path)
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["ok"], found["files"]) == (0, True, [])
