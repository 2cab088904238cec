"""`history` lists class changes too, with the batch that `undo --batch` takes back."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import make_imagefolder

from labeldesk.cli import main


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_history_lists_class_changes_and_undo_finds_their_batch(tmp_path: Path, capsys):
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root), "--workers", "1")
    run_json(capsys, "classes", proj, "--add", "fox,owl")
    run_json(capsys, "classes", proj, "--rename", "owl", "eagle")
    run_json(capsys, "label", proj, "_unlabeled/u0.png", "dog")
    history = run_json(capsys, "history", proj, "-n", "3")
    assert [h["kind"] for h in history] == ["label", "class", "class"]
    assert history[0]["path"] == "_unlabeled/u0.png" and history[0]["new"] == "dog"
    rename, add = history[1], history[2]
    assert (rename["op"], rename["class"], rename["target"]) == ("rename", "owl", "eagle")
    assert rename["path"] is None  # every entry has a path key (None: no image)
    assert add["op"] == "add" and add["description"] == "add classes 'fox', 'owl'"
    undone = run_json(capsys, "undo", proj, "--batch", str(rename["batch"]))
    assert undone["classes_restored"] == ["owl"]
    assert main(["history", proj]) == 0
    text = capsys.readouterr().out
    assert f"#{rename['batch']}" in text and "class 'owl' renamed to 'eagle'" in text
    assert main(["history", proj, "_unlabeled/u0.png"]) == 0  # an image's: labels only
    assert "class" not in capsys.readouterr().out


def test_a_class_change_heads_its_batch_so_a_short_history_shows_it(tmp_path: Path, capsys):
    """Renaming a class relabels its images in the same batch; the class line came after
    all of them, so `history` (50 lines) of a class of 100 images never showed it."""
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root), "--workers", "1")
    run_json(capsys, "classes", proj, "--rename", "cat", "kitten")
    [first] = run_json(capsys, "history", proj, "-n", "1")
    assert (first["kind"], first["class"], first["target"]) == ("class", "cat", "kitten")
    whole = run_json(capsys, "history", proj, "-n", "0")
    batch = [h for h in whole if h["batch"] == first["batch"]]
    assert batch[0]["kind"] == "class" and {h["kind"] for h in batch[1:]} == {"label"}
    assert main(["history", proj, "-n", "1"]) == 0
    assert "class 'cat' renamed to 'kitten'" in capsys.readouterr().out


def test_history_says_when_a_class_change_was_undone(tmp_path: Path, capsys):
    """After `undo` of a rename, history showed the rename and relabels back, never that
    the rename was taken back: the class read as renamed still."""
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root), "--workers", "1")
    renamed = run_json(capsys, "classes", proj, "--rename", "cat", "kitten")
    undone = run_json(capsys, "undo", proj)
    [first] = run_json(capsys, "history", proj, "-n", "1")
    assert first["kind"] == "class" and first["op"] == "undo"
    assert (first["class"], first["target"], first["undone_op"]) == ("cat", "kitten", "rename")
    assert first["batch"] == undone["undo_batch"] and first["undoes"] == undone["batch"]
    assert first["description"] == "undo: rename class 'cat' to 'kitten'"
    assert main(["history", proj, "-n", "1"]) == 0
    text = capsys.readouterr().out
    assert f"undid #{undone['batch']}: class 'cat' renamed to 'kitten'" in text
    assert renamed  # (the rename's own line stays further down)


def test_history_label_lines_quote_class_names_as_undo_does(tmp_path: Path, capsys):
    """A label line named the classes bare (`cat → t-shirt, top`), so a name with a comma
    or a space read as two, while the class line above it, undo, redo and the app's Edit
    menu quote them; no label stays ∅, bare."""
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root), "--workers", "1")
    run_json(capsys, "classes", proj, "--rename", "cat", "t-shirt, top")
    run_json(capsys, "label", proj, "_unlabeled/u0.png", "t-shirt, top")
    assert main(["history", proj, "-n", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("_unlabeled/u0.png  ∅ → 't-shirt, top'"), lines
    assert lines[1].endswith("class 'cat' renamed to 't-shirt, top'"), lines
    assert lines[2].endswith("  'cat' → 't-shirt, top'"), lines
    assert main(["history", proj, "_unlabeled/u0.png", "--json"]) == 0
    [event] = json.loads(capsys.readouterr().out)
    assert (event["old"], event["new"]) == (None, "t-shirt, top")  # JSON: as they are


def test_history_shows_a_redo_as_redo_as_it_shows_an_undo_as_undo(tmp_path: Path, capsys):
    """A redo's batch (stored with the source of the batch it makes again) was listed as
    `human`, beside its undo listed as `undo`; it is listed as `redo`, and `--json` keeps
    the stored `source` and adds `redoes`: the undo it took back."""
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root), "--workers", "1")
    run_json(capsys, "classes", proj, "--add", "fox")
    run_json(capsys, "label", proj, "_unlabeled/u0.png", "fox")
    run_json(capsys, "undo", proj)
    run_json(capsys, "redo", proj)
    redo, undo, made = run_json(capsys, "history", proj, "-n", "3")
    assert (made["source"], undo["source"]) == ("human", "undo")
    assert "redoes" not in made and "redoes" not in undo
    assert redo["source"] == "human" and redo["redoes"] == undo["batch"]
    assert main(["history", proj, "-n", "3"]) == 0
    sources = [line.split()[4] for line in capsys.readouterr().out.splitlines()]
    assert sources == ["redo", "undo", "human"]
    # a redo that makes a class change again: its class line says redo too
    run_json(capsys, "undo", proj)  # the label (the redo)
    run_json(capsys, "undo", proj)  # the class
    [class_undo] = run_json(capsys, "history", proj, "-n", "1")
    run_json(capsys, "redo", proj)
    [latest] = run_json(capsys, "history", proj, "-n", "1")
    assert (latest["kind"], latest["op"], latest["class"]) == ("class", "add", "fox")
    assert latest["redoes"] == class_undo["batch"] and latest["source"] == "human"
    assert main(["history", proj, "-n", "1"]) == 0
    assert capsys.readouterr().out.split()[4] == "redo"
