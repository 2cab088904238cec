"""`label` and `review` said what they changed but not how to take it back, where
`classes` and `import` say "(undo with `labeldesk undo P`)" and give the batch in
--json. All four say it now, the project as typed; a command that changed nothing
names no batch and no undo."""

from __future__ import annotations

import json

from labeldesk.cli import main

HINT = " (undo with `labeldesk undo 'my proj'`)"


def said(capsys) -> str:
    return capsys.readouterr().out.strip()


def test_label_and_review_say_how_to_undo_as_classes_and_import_do(
    project, capsys, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "proj").rename(tmp_path / "my proj")
    typed = "my proj"
    assert main(["label", typed, "_unlabeled/u0.png", "cat"]) == 0
    assert said(capsys) == "1 label applied" + HINT
    assert main(["label", typed, "_unlabeled/u0.png", "cat"]) == 0
    assert said(capsys) == "0 labels applied"  # nothing to take back
    (tmp_path / "l.csv").write_text("path,label\n_unlabeled/u1.png,dog\n")
    assert main(["label", typed, "--csv", "l.csv"]) == 0
    assert said(capsys) == "1 label applied" + HINT
    assert main(["review", typed, "keep", "train/cat/cat0.jpg"]) == 0
    assert said(capsys) == "train/cat/cat0.jpg: cat (verified)" + HINT
    assert main(["review", typed, "relabel", "train/cat/cat1.jpg", "dog"]) == 0
    assert said(capsys) == "train/cat/cat1.jpg: dog (verified)" + HINT
    assert main(["review", typed, "keep", "train/cat/cat0.jpg"]) == 0  # verified already
    assert said(capsys) == "train/cat/cat0.jpg: cat (verified)"


def test_label_and_review_give_the_batch_in_json_as_classes_does(project, capsys):
    proj = str(project.path)
    assert main(["--json", "classes", proj, "--add", "fox"]) == 0
    assert isinstance(json.loads(said(capsys))["batch"], int)
    assert main(["--json", "label", proj, "_unlabeled/u0.png", "fox"]) == 0
    labeled = json.loads(said(capsys))
    assert labeled == {"applied": 1, "batch": labeled["batch"]}
    assert isinstance(labeled["batch"], int)
    assert main(["--json", "review", proj, "exclude", "_unlabeled/u0.png"]) == 0
    reviewed = json.loads(said(capsys))
    assert reviewed["status"] == "excluded" and reviewed["batch"] > labeled["batch"]
    assert main(["--json", "undo", proj]) == 0
    undone = json.loads(said(capsys))
    assert undone["batch"] == reviewed["batch"]  # the one undo takes back, as it always said
    # ... and by a name that says so; the undo's own batch is "undo_batch"
    assert undone["undone_batch"] == reviewed["batch"] < undone["undo_batch"]
    assert main(["--json", "redo", proj]) == 0
    redone = json.loads(said(capsys))
    assert redone["batch"] == redone["redone_batch"] == reviewed["batch"]
    assert redone["undo_batch"] == undone["undo_batch"] < redone["redo_batch"]
    # the new batch is the one `undo --batch` takes, as a change's "batch" is
    assert main(["--json", "undo", proj, "--batch", str(redone["redo_batch"])]) == 0
    assert json.loads(said(capsys))["undone_batch"] == redone["redo_batch"]
    assert main(["--json", "review", proj, "include", "train/cat/cat0.jpg"]) == 0
    assert json.loads(said(capsys))["batch"] is None  # included already: no change


def test_undo_says_how_to_redo(project, capsys, monkeypatch, tmp_path):
    """A change says how to undo it; an undo said nothing of `redo`. It names the redo that
    makes it again, with --include-imports where the change undone was an import (a plain
    redo passes over those)."""
    import shlex

    monkeypatch.chdir(tmp_path)
    (tmp_path / "proj").rename(tmp_path / "my proj")
    typed = "my proj"
    assert main(["label", typed, "_unlabeled/u0.png", "cat"]) == 0
    capsys.readouterr()
    assert main(["undo", typed]) == 0
    first = said(capsys).splitlines()[0]
    assert first.endswith(" (redo with `labeldesk redo 'my proj'`)")
    assert main(shlex.split(first.split("`")[1])[1:]) == 0  # the command works as given
    assert said(capsys).startswith(
        "Redid “label _unlabeled/u0.png as 'cat'”: 1 image changed again"
    )
    assert main(["undo", typed]) == 0  # the label again, then the folder labels (an import)
    capsys.readouterr()
    assert main(["undo", typed, "--include-imports"]) == 0
    first = said(capsys).splitlines()[0]
    assert first.startswith("Undid") and first.endswith(
        " (redo with `labeldesk redo 'my proj' --include-imports`)"
    )
