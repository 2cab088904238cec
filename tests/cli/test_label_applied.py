"""`label PATH LABEL` reports what it changed: 0 when the image has that label already
(so nothing to undo), 1 when it wrote a change."""

from __future__ import annotations

import json

import pytest

from labeldesk.cli import main


def _label(capsys, proj: str, *args: str) -> dict:
    """The JSON's "applied" (and, tests/cli/test_undo_hints.py, a batch where it changed)."""
    code = main(["label", proj, *args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    said = json.loads(out.out)
    assert (said.pop("batch") is None) == (said["applied"] == 0)
    return said


def test_a_label_the_image_has_already_is_not_counted(project, capsys):
    proj = str(project.path)
    assert _label(capsys, proj, "train/cat/cat0.jpg", "cat") == {"applied": 0}
    assert _label(capsys, proj, "train/cat/cat0.jpg", "dog") == {"applied": 1}
    assert _label(capsys, proj, "train/cat/cat0.jpg", "dog") == {"applied": 0}
    assert _label(capsys, proj, "_unlabeled/u0.png", "-") == {"applied": 0}  # unlabeled already


@pytest.mark.parametrize(
    "order",
    [
        ["--json", "PATH", "LABEL"],
        ["--new-class", "PATH", "LABEL", "--json"],
        ["PATH", "--json", "LABEL"],
        ["PATH", "LABEL", "--json"],
    ],
)
def test_label_takes_its_options_before_or_between_the_path_and_label(project, capsys, order):
    """`label P --json PATH LABEL` failed with "unrecognized arguments" (Python 3.11's
    argparse gives optional positionals nothing at the first option)."""
    words = {"PATH": "train/cat/cat0.jpg", "LABEL": "dog"}
    argv = ["label", str(project.path), *(words.get(w, w) for w in order)]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == 1
    assert main(["label", str(project.path), "--json", "a", "b", "c"]) == 2  # still refused


def test_a_negative_number_class_comes_after_the_options_too(project, capsys):
    argv = ["label", str(project.path), "--new-class", "--json", "train/cat/cat0.jpg", "-1"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == 1
    assert project.images().set_index("path").label["train/cat/cat0.jpg"] == "-1"


@pytest.mark.parametrize("label", [" ", "", "a/b"])
def test_an_invalid_class_name_says_why_without_the_new_class_hint(project, capsys, label):
    """`--new-class` cannot make ' ' a class: the hint to use it misled; an empty name
    points to '-', the way to remove a label. Nothing changes."""
    before = project.images().set_index("path").label.to_dict()
    assert main(["label", str(project.path), "train/cat/cat0.jpg", label]) == 1
    err = capsys.readouterr().err
    assert f"invalid class name {label!r}" in err and "--new-class" not in err
    assert ("give - as LABEL" in err) == (not label.strip())
    assert project.images().set_index("path").label.to_dict() == before


def test_removing_a_label_says_removed_not_applied(project, capsys):
    """`label P PATH -` took the label away and said "1 label applied"."""
    proj = str(project.path)
    assert main(["label", proj, "train/cat/cat0.jpg", "-"]) == 0
    assert capsys.readouterr().out.strip() == f"1 label removed (undo with `labeldesk undo {proj}`)"
    assert main(["label", proj, "train/cat/cat0.jpg", "-"]) == 0
    assert capsys.readouterr().out.strip() == "0 labels removed"  # unlabeled already
    assert main(["label", proj, "train/cat/cat0.jpg", "cat"]) == 0
    assert capsys.readouterr().out.strip() == f"1 label applied (undo with `labeldesk undo {proj}`)"
