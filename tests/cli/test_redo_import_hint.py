"""`undo --batch N` takes back any batch, an import too, but `redo` passes over an undone
import unless --include-imports. Its refusal said only "nothing to redo for alice"; it
now says what the undo took back and which option redoes it."""

from __future__ import annotations

import json

from helpers import make_imagefolder

from labeldesk.cli import main


def test_redo_of_an_undone_import_names_the_option(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    assert main(["new", proj, "--images", str(root), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    assert main(["history", proj, "--json", "-n", "0"]) == 0
    batch = json.loads(capsys.readouterr().out)[0]["batch"]  # the folder labels
    assert main(["undo", proj, "--batch", str(batch)]) == 0
    capsys.readouterr()
    assert main(["redo", proj]) == 1
    err = capsys.readouterr().err
    assert "nothing to redo for alice" in err
    assert "your last undo took back an import (“folder labels from scan”)" in err
    assert "redo it with --include-imports" in err
    assert main(["redo", proj, "--include-imports"]) == 0
    assert "Redid “folder labels from scan”" in capsys.readouterr().out
    assert main(["redo", proj]) == 1  # nothing left at all: no hint
    assert capsys.readouterr().err.strip() == "error: nothing to redo for alice"
