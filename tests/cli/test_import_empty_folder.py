"""`labeldesk import P FOLDER` with an empty folder (and File → Import labels with one)
says it is an empty folder and what import reads. It said "FOLDER: not a label file
LabelDesk recognises; name its format (hf, parquet, …) with --format NAME", though no
format would read a folder that holds nothing."""

from __future__ import annotations

import json

from labeldesk.cli import main

EMPTY = (
    "{folder} is an empty folder; import reads a label file (CSV, TSV, JSON, JSON Lines, "
    "Parquet, a Label Studio export) or a folder that another tool or a LabelDesk export "
    "wrote (class folders of images, a Hugging Face, FiftyOne or WebDataset dataset)"
)


def test_an_empty_folder_is_said_to_be_empty(project, tmp_path, capsys):
    folder = tmp_path / "labels"
    folder.mkdir()
    before = project.images().label.tolist()
    assert main(["--json", "import", str(project.path), str(folder)]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error == {"error": EMPTY.format(folder=folder), "kind": "LabelDeskError"}
    assert project.images().label.tolist() == before


def test_a_folder_holding_anything_is_still_read_or_refused_as_before(project, tmp_path, capsys):
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "notes.bin").write_bytes(b"\x00")
    assert main(["--json", "import", str(project.path), str(folder)]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert error.startswith(f"{folder}: not a label file LabelDesk recognises; name its")
