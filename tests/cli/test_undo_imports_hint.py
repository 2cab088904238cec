"""A plain `undo` leaves imports alone (folder labels, `new --labels`); when only they are
left, it says which option takes them back."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import make_imagefolder

from labeldesk.cli import main


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_undo_with_only_imports_left_names_the_option_that_takes_them_back(tmp_path: Path, capsys):
    """A new project's labels come from its folders (an import); a plain `undo` said only
    "nothing to undo for <you>", as though the labels could not be taken back."""
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root), "--workers", "1")
    assert main(["undo", proj]) == 1
    err = capsys.readouterr().err
    assert "nothing to undo" in err
    assert "--include-imports undoes the newest, “folder labels from scan”" in err


def test_the_hint_says_how_many_labels_the_import_would_take_back(tmp_path: Path, capsys):
    """The hint offered --include-imports with no word that it takes back the folder
    labels of the whole dataset (the import `new` made): it says how many now."""
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    labeled = run_json(capsys, "new", proj, "--images", str(root), "--workers", "1")["labeled"]
    assert labeled > 1
    assert main(["undo", proj]) == 1
    err = capsys.readouterr().err
    assert f"“folder labels from scan”, taking back its {labeled} labels" in err
    undone = run_json(capsys, "undo", proj, "--include-imports")  # as the hint says
    assert undone["events"] == labeled
