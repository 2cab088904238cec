"""A class map that drops every class of the exported version (`--class-map cat=-,dog=-`):
the formats that list the export's classes list none. Before, an empty list read as "not
given" and they listed the project's classes now (a Label Studio labeling config offered
the dropped classes, and classes added since), so `version verify` found the export not
intact (found by the version fuzzer, seed 104, 60 steps)."""

from __future__ import annotations

import json

import pytest

from labeldesk.cli import main


@pytest.mark.parametrize("fmt", ["labelstudio", "webdataset", "fiftyone"])
def test_an_export_whose_classes_are_all_mapped_away_lists_none(project, tmp_path, fmt, capsys):
    path = str(project.path)
    assert main(["version", path, "create", "v1"]) == 0
    project.add_classes(["added-since"])
    out = tmp_path / "out"
    mapped = ["--version", "v1", "--class-map", "cat=-,dog=-", "--include-unlabeled"]
    assert main(["export", path, str(out), "--format", fmt, *mapped]) == 0
    capsys.readouterr()
    main(["version", path, "verify", "v1", str(out), "--json"])
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["intact"] is True and verdict["files"] == [], verdict
