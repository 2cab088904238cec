"""`classes --add ''` (or only spaces or commas) is refused, not a quiet success, and a
list of class names in human text quotes each name, so `t-shirt, top` is one name, not
two; JSON keeps the names as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_imagefolder

from labeldesk.cli import main


@pytest.fixture
def proj(tmp_path: Path) -> str:
    root = tmp_path / "images"
    make_imagefolder(root)
    path = str(tmp_path / "p")
    assert main(["new", path, "--images", str(root), "--workers", "1", "--json"]) == 0
    return path


def _classes(capsys, proj: str) -> dict[str, int]:
    capsys.readouterr()
    assert main(["classes", proj, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["classes"]


@pytest.mark.parametrize("names", ["", "   ", ",", " , ,"])
def test_an_empty_class_name_is_refused_and_nothing_changes(proj, capsys, names):
    before = _classes(capsys, proj)
    assert main(["classes", proj, "--add", names]) == 1
    out = capsys.readouterr()
    assert "a class name cannot be empty" in out.err and out.out == ""
    assert main(["classes", proj, "--add", names, "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "UnknownClassError" and "cannot be empty" in error["error"]
    assert _classes(capsys, proj) == before


def test_removing_an_empty_name_is_refused_too(proj, capsys):
    before = _classes(capsys, proj)
    assert main(["classes", proj, "--remove", ""]) == 1
    assert "cannot be empty" in capsys.readouterr().err
    assert _classes(capsys, proj) == before


def undo_hint(proj: str) -> str:  # adding classes is an undoable step
    return f" (undo with `labeldesk undo {proj}`)"


def test_a_blank_between_two_names_is_skipped(proj, capsys):
    assert main(["classes", proj, "--add", "fox,,owl,"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "added 'fox', 'owl'" + undo_hint(proj)


def test_added_names_are_quoted_in_text_and_plain_in_json(proj, capsys):
    assert main(["classes", proj, "--add", r"t-shirt\, top,bag"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "added 't-shirt, top', 'bag'" + undo_hint(
        proj
    )
    classes = _classes(capsys, proj)
    assert {"t-shirt, top", "bag"} <= set(classes) and "top" not in classes


def test_the_unknown_class_hint_quotes_the_classes(proj, capsys):
    assert main(["classes", proj, "--add", r"t-shirt\, top"]) == 0
    capsys.readouterr()
    assert main(["label", proj, "train/cat/cat0.jpg", "top"]) == 1
    err = capsys.readouterr().err
    assert "unknown class(es): 'top'; known classes: 'cat', 'dog', 't-shirt, top'" in err
    assert main(["classes", proj, "--remove", "top", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert "no class 'top'; known classes: 'cat', 'dog', 't-shirt, top'" in error


def _undo_a_rename_after_bob_adds(proj, as_user, capsys, added: str) -> dict:
    """Alice renames dog to hound, Bob adds the class ``added``, Alice runs ``undo
    --json``: what it prints."""
    as_user("alice")
    assert main(["classes", proj, "--rename", "dog", "hound"]) == 0
    as_user("bob")
    assert main(["classes", proj, "--add", added]) == 0
    as_user("alice")
    capsys.readouterr()
    assert main(["undo", proj, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_undo_json_names_a_class_it_did_not_bring_back_for_its_case_twin(proj, as_user, capsys):
    out = _undo_a_rename_after_bob_adds(proj, as_user, capsys, "Dog")
    assert out["case_twins"] == [["dog", "Dog"]]


def test_undo_json_names_a_rename_it_left_because_the_old_name_was_made_again(
    proj, as_user, capsys
):
    out = _undo_a_rename_after_bob_adds(proj, as_user, capsys, "dog")
    assert out["not_renamed_back"] == [["dog", "hound"]] and out["events"] == 0
    assert _classes(capsys, proj) == {"cat": 8, "hound": 8, "dog": 0}


def test_rename_merge_remove_and_redo_quote_the_classes_they_name(proj, capsys):
    # "removed t-shirt, top" would read as two classes removed
    assert main(["classes", proj, "--add", r"t-shirt\, top,bag"]) == 0
    capsys.readouterr()
    assert main(["classes", proj, "--rename", "t-shirt, top", "top, tee"]) == 0
    assert capsys.readouterr().out.splitlines()[
        0
    ] == "renamed 't-shirt, top' to 'top, tee'" + undo_hint(proj)
    assert main(["classes", proj, "--merge", "bag", "top, tee"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "merged 'bag' into 'top, tee'" + undo_hint(
        proj
    )
    assert main(["classes", proj, "--remove", "top, tee"]) == 0
    out = capsys.readouterr().out.splitlines()[0]
    assert out == "removed 'top, tee'; its images are unlabeled" + undo_hint(proj)
    assert main(["undo", proj]) == 0
    assert "class 'top, tee' back" in capsys.readouterr().out
    assert main(["redo", proj]) == 0
    assert "class 'top, tee' gone again" in capsys.readouterr().out


def test_a_name_windows_cannot_hold_is_taken_with_a_note(proj, capsys):
    capsys.readouterr()
    assert main(["classes", proj, "--add", "a:b, plain"]) == 0
    out = capsys.readouterr().out
    assert "note: class 'a:b' cannot be a folder name on Windows or on most USB sticks " in out
    assert "'plain'" not in out.split("note:", 1)[1].split("\n", 1)[0]
    assert main(["classes", proj, "--rename", "plain", "end.", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Windows refuses it, but an exFAT stick written from Linux holds 'end.' as written:
    # the note says so, as a device name's does, rather than "not on most USB sticks"
    assert data["warnings"] == [
        "class 'end.' cannot be a folder name on Windows (it ends with a dot or a space): "
        "an export as class folders onto a disk that refuses it or drops the end (a "
        "Windows share, a FAT stick) will ask for another name; a USB stick written from "
        "Linux (exFAT) may hold it, but Windows may not open that folder there"
    ]
    assert main(["classes", proj, "--add", "fine", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []


def test_a_device_name_is_taken_with_a_note(proj, capsys):
    """``aux``, ``CON``: names Windows keeps for devices, taken like ``a:b``; the note
    says a stick written from Linux may hold them (exFAT does) but Windows may not open
    them there."""
    capsys.readouterr()
    assert main(["classes", proj, "--add", "aux", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "aux" in data["classes"] and data["done"] == "added 'aux'"
    assert data["warnings"] == [
        "class 'aux' cannot be a folder name on Windows (it is a name Windows keeps for a "
        "device): an export as class folders onto a disk that refuses it (a Windows share) "
        "will ask for another name; a USB stick written from Linux may hold it, but Windows "
        "may not open that folder there"
    ]
    assert main(["classes", proj, "--rename", "aux", "CON"]) == 0
    out = capsys.readouterr().out
    assert "renamed 'aux' to 'CON'" in out
    assert "note: class 'CON' cannot be a folder name on Windows (it is a name Windows " in out


def test_renaming_onto_another_class_is_named_for_what_it_is(proj, capsys):
    """`classes P --rename cat dog` (dog exists) said "kind": "UnknownClassError" of a
    class that plainly exists; a script reading the kind could not tell the two apart."""
    before = _classes(capsys, proj)
    assert main(["classes", proj, "--rename", "cat", "dog", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ClassExistsError" and "merge the classes instead" in error["error"]
    assert main(["classes", proj, "--rename", "fox", "owl", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["kind"] == "UnknownClassError"  # no fox
    assert _classes(capsys, proj) == before
