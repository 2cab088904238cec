"""A labels file naming classes the project lacks: the error ends with advice that fits
the command that was run, with a command to copy (it said "add it first (classes --add)
or allow new classes (--new-class)", not a command, and wrong for `new --classes`)."""

from __future__ import annotations

import json
import shlex

from helpers import make_imagefolder

from labeldesk.cli import main


def _failed(capsys, *argv: str) -> str:
    assert main(list(argv)) == 1
    return capsys.readouterr().err


def _project(tmp_path, capsys, monkeypatch) -> str:
    make_imagefolder(tmp_path / "images")
    monkeypatch.chdir(tmp_path)
    typed = "my proj"  # relative, with a space: quoted as a shell needs it
    assert main(["new", typed, "--images", "images", "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    return typed


def test_label_csv_names_the_classes_command_to_copy(tmp_path, capsys, monkeypatch):
    typed = _project(tmp_path, capsys, monkeypatch)
    f = tmp_path / "fixes.csv"
    f.write_text('path,label\n_unlabeled/u0.png,fox\n_unlabeled/u1.png,"red, fox"\n')
    err = _failed(capsys, "label", typed, "--csv", str(f))
    lines = err.rstrip("\n").splitlines()
    assert lines[1:3] == ["  line 2: unknown class 'fox'", "  line 3: unknown class 'red, fox'"]
    assert lines[-2] == "known classes: 'cat', 'dog'"
    add = "labeldesk classes 'my proj' --add 'fox,red\\, fox'"
    assert lines[-1] == (
        f"add them first (`{add}`), or run this command again with --new-class to add them "
        "with the labels"
    )
    assert "classes --add)" not in err and "allow new classes" not in err
    assert main(shlex.split(add)[1:]) == 0  # the command works as given
    capsys.readouterr()
    assert main(["label", typed, "--csv", str(f)]) == 0


def test_import_names_one_class_as_it(tmp_path, capsys, monkeypatch):
    typed = _project(tmp_path, capsys, monkeypatch)
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,fox\n_unlabeled/u1.png,fox\n")
    err = _failed(capsys, "import", typed, str(f))
    assert err.rstrip("\n").splitlines()[-1] == (
        "add it first (`labeldesk classes 'my proj' --add fox`), or run this command again "
        "with --new-class to add it with the labels"
    )
    assert main(["import", typed, str(f), "--json"]) == 1  # JSON: the same words
    error = json.loads(capsys.readouterr().out)["error"]
    assert error.endswith("--new-class to add it with the labels")
    assert main(["import", typed, str(f), "--new-class"]) == 0


def test_new_with_classes_says_to_add_the_class_to_that_list(tmp_path, capsys, monkeypatch):
    make_imagefolder(tmp_path / "images")
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "labels.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,fox\n")
    err = _failed(
        capsys, "new", "p", "--images", "images", "--labels", str(f), "--classes", "cat,dog"
    )
    assert err.rstrip("\n").splitlines()[-1] == (
        "add it to --classes (`--classes cat,dog,fox`), or run this command again with "
        "--new-class to add it with the labels"
    )
    assert "labeldesk classes" not in err  # there is no project yet to add it to
    assert not (tmp_path / "p").exists()
    made = ["new", "p", "--images", "images", "--labels", str(f), "--classes", "cat,dog,fox"]
    assert main([*made, "--workers", "1"]) == 0  # the advice works


def test_many_unknown_classes_are_not_all_spelt_out_in_a_command(tmp_path, capsys, monkeypatch):
    typed = _project(tmp_path, capsys, monkeypatch)
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n" + "".join(f"_unlabeled/u{i}.png,c{i}\n" for i in range(3)))
    f.write_text(f.read_text() + "".join(f"train/cat/cat{i}.jpg,k{i}\n" for i in range(9)))
    err = _failed(capsys, "import", typed, str(f))
    assert err.rstrip("\n").splitlines()[-1] == (
        "Run this command again with --new-class to add them with the labels"
    )


def test_review_relabel_names_the_classes_command_as_label_does(tmp_path, capsys, monkeypatch):
    """`review relabel P PATH fox` named the known classes but not how to add one, which
    `label P PATH fox` does."""
    typed = _project(tmp_path, capsys, monkeypatch)
    err = _failed(capsys, "review", typed, "relabel", "train/cat/cat0.jpg", "red, fox")
    add = "labeldesk classes 'my proj' --add 'red\\, fox'"
    assert err.rstrip("\n") == (
        f"error: unknown class(es): 'red, fox'; known classes: 'cat', 'dog'; add it first (`{add}`)"
    )
    assert main(shlex.split(add)[1:]) == 0  # the command works as given
    capsys.readouterr()
    assert main(["review", typed, "relabel", "train/cat/cat0.jpg", "red, fox"]) == 0
    err = _failed(capsys, "review", typed, "relabel", "train/cat/cat0.jpg", "=x")
    assert "formula" in err and "--add" not in err  # not a name a class can have
