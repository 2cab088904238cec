"""An error that names a command to run names the project as it was typed, not the
placeholder word PROJECT (`labeldesk version PROJECT list` was not a command to copy)."""

from __future__ import annotations

import json
import shlex

from helpers import make_imagefolder

from labeldesk.cli import main


def _error(capsys, *argv: str) -> str:
    assert main([*argv, "--json"]) == 1
    return json.loads(capsys.readouterr().out)["error"]


def test_hints_name_the_project_as_typed(tmp_path, capsys, monkeypatch):
    make_imagefolder(tmp_path / "images")
    monkeypatch.chdir(tmp_path)
    typed = "my proj"  # relative, with a space: quoted as a shell needs it
    assert main(["new", typed, "--images", "images", "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    quoted = shlex.quote(typed)
    error = _error(capsys, "version", typed, "diff", "nope")
    assert f"`labeldesk version {quoted} list` lists them" in error and "PROJECT" not in error
    error = _error(capsys, "models", typed, "--pin", "99")
    assert f"(`labeldesk models {quoted}` lists them)" in error and "PROJECT" not in error
    error = _error(capsys, "export", typed, "out", "--version", "v9")
    assert "PROJECT" not in error


def test_the_unknown_class_hint_is_a_command_to_copy(tmp_path, capsys, monkeypatch):
    """`label P PATH kat` said "add it first (`labeldesk classes --add`)": no project,
    no class, not a command that runs. It names both now, as the class list names them."""
    make_imagefolder(tmp_path / "images")
    monkeypatch.chdir(tmp_path)
    typed = "my proj"
    assert main(["new", typed, "--images", "images", "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    error = _error(capsys, "label", typed, "train/cat/cat0.jpg", "red, fox")
    assert "add it first (`labeldesk classes 'my proj' --add 'red\\, fox'`)" in error
    assert "; known classes: 'cat', 'dog';" in error
    assert main(["classes", typed, "--add", "red\\, fox"]) == 0  # the command works as given
    assert main(["label", typed, "train/cat/cat0.jpg", "red, fox"]) == 0


def test_a_hint_written_with_the_projects_full_path_names_it_as_typed(
    tmp_path, capsys, monkeypatch
):
    """`similar 'my proj' …` before `embed` said "run `labeldesk embed /abs/my proj`
    first": unquoted, so the command split at the space when copied."""
    make_imagefolder(tmp_path / "images")
    monkeypatch.chdir(tmp_path)
    typed = "my proj"
    assert main(["new", typed, "--images", "images", "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    error = _error(capsys, "similar", typed, "train/cat/cat0.jpg")
    assert "run `labeldesk embed 'my proj'` first" in error
    assert str(tmp_path) not in error


def test_the_undo_hint_after_a_change_is_a_command_to_copy(tmp_path, capsys, monkeypatch):
    """`classes --add` and `import` said "(undo with `labeldesk undo`)": copied, that is
    a usage error (the project is left out)."""
    make_imagefolder(tmp_path / "images")
    monkeypatch.chdir(tmp_path)
    typed = "my proj"
    assert main(["new", typed, "--images", "images", "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    assert main(["classes", typed, "--add", "fox"]) == 0
    assert (
        capsys.readouterr().out.splitlines()[0]
        == "added 'fox' (undo with `labeldesk undo 'my proj'`)"
    )
    (tmp_path / "l.csv").write_text("path,label\ntrain/cat/cat0.jpg,fox\n")
    assert main(["import", typed, "l.csv"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith("1 label applied (undo with `labeldesk undo 'my proj'`)")


def test_the_not_a_class_hint_at_training_names_the_project(clustered, capsys, monkeypatch):
    """Training on a label that is not a class said "add the class (`labeldesk classes
    --add`)": no project, no class. It names both now, the project as typed."""
    from labeldesk.ml import row_labels

    project, _ = clustered
    monkeypatch.chdir(project.path.parent)
    typed = project.path.name
    real = row_labels.known_class_codes

    def without_ant(labels, classes, paths):  # as if class 'ant' were gone under its labels
        return real(labels, [c for c in classes if c != "ant"], paths)

    monkeypatch.setattr(row_labels, "known_class_codes", without_ant)
    error = _error(capsys, "train", typed, "--mode", "head", "--epochs", "1")
    assert "a label that is not a class ('ant';" in error
    assert f"add the class (`labeldesk classes {typed} --add ant`) or relabel them" in error


def test_notes_name_the_project_as_typed(tmp_path, capsys, monkeypatch):
    """`predict 'my dir/proj'` with an image not embedded noted "run `labeldesk embed
    /abs/my dir/proj`" on stderr: the full path, unquoted, so the command split at the
    space when copied (`issues`, `queue` and `duplicates` too)."""
    from helpers import write_image
    from ml.fake_embeddings import make_clustered_project

    project, _ = make_clustered_project(tmp_path / "my dir")
    project.close()
    write_image(tmp_path / "my dir" / "images" / "_unlabeled" / "new.png", size=(8, 8), seed=99)
    monkeypatch.chdir(tmp_path)
    typed = "my dir/proj"
    assert main(["scan", typed, "--workers", "1"]) == 0
    capsys.readouterr()
    for command in ("predict", "issues", "queue", "duplicates"):
        assert main([command, typed]) == 0
        err = capsys.readouterr().err
        assert "`labeldesk embed 'my dir/proj'`" in err, (command, err)
