"""Importing the same Label Studio export twice: the second import changes nothing and
says so, with how many images it found already as the file says (``unchanged``); before,
it said "0 labels applied" and, of uploads found by file name, sent the person to the
history for changes there were none of."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import cli_json, imagefolder_project, label_studio_uploads, labels_by_path

from labeldesk.cli import main


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    return imagefolder_project(tmp_path, capsys)


def test_a_label_studio_export_imported_again_says_nothing_changed(proj, tmp_path, capsys):
    out = tmp_path / "ls"
    assert cli_json(capsys, "export", proj, str(out), "--format", "labelstudio")[0] == 0
    tasks = json.loads((out / "tasks.json").read_text())
    first = tasks[0]
    first["annotations"][0]["result"][0]["value"]["choices"] = ["dog"]  # one label edited
    f = tmp_path / "tasks.json"
    f.write_text(json.dumps(tasks))

    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 0 and doc["applied"] == 1 and doc["unchanged"] == 15
    assert labels_by_path(proj)[first["data"]["path"]] == "dog"

    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 0 and doc["applied"] == 0 and doc["batch"] is None
    assert doc["unchanged"] == 16 and doc["changed"]["labels"] == 0
    assert main(["import", proj, str(f)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"read {f} as labelstudio: 0 labels applied: nothing changed "
                           "(the 16 images it names are already as it says)")  # fmt: skip
    assert "undo" not in said


def test_uploads_found_by_name_again_send_nobody_to_the_history(proj, tmp_path, capsys):
    f = tmp_path / "tasks.json"
    f.write_text(label_studio_uploads(["u0.png", "u1.png"]))
    assert main(["import", proj, str(f)]) == 0
    said = capsys.readouterr().out
    assert "2 labels applied" in said and "lists the changes" in said
    assert main(["import", proj, str(f)]) == 0
    said = capsys.readouterr().out
    assert "nothing changed (the 2 images it names are already as it says)" in said
    assert "found by file name alone" in said and "lists the changes" not in said
