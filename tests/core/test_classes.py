"""Class names, key order, and renaming, merging and removing classes."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import write_image

from labeldesk.core.classes import (
    class_name_problem,
    names_to_add,
    split_names,
    validate_class_name,
)
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import UnknownClassError


def labels(project) -> dict[str, str | None]:
    frame = project.images()
    pairs = zip(frame.path, frame.label, strict=True)
    return {p: (None if pd.isna(lab) else lab) for p, lab in pairs}


@pytest.mark.parametrize(
    "name",
    [
        "",
        "  ",
        "a/b",
        "a\\b",
        "x\x00y",
        "two\nlines",
        "tab\there",
        ".",
        "..",
        ".hidden",
        "_unlabeled",
        "_Unlabeled",
        "é" * 200,
    ],
)
def test_bad_class_names_are_refused_with_a_reason(name):
    assert class_name_problem(name) is not None
    with pytest.raises(UnknownClassError, match="invalid class name"):
        validate_class_name(name)


def test_outer_spaces_are_stripped_everywhere(project):
    project.set_label("_unlabeled/u0.png", " cat ")
    assert labels(project)["_unlabeled/u0.png"] == "cat"
    project.set_label("_unlabeled/u1.png", " coat", create_class=True)
    assert labels(project)["_unlabeled/u1.png"] == "coat"
    assert "coat" in project.classes() and " coat" not in project.classes()
    with pytest.raises(UnknownClassError):
        project.set_label("_unlabeled/u2.png", "a/b", create_class=True)


def test_key_order_is_the_same_for_a_scan_a_rescan_and_a_labels_file(tmp_path):
    root = tmp_path / "img"
    for i, name in enumerate(["zebra", "class10", "Apple", "class2"]):
        write_image(root / name / "a.jpg", seed=i)
    one, _ = create_and_index(tmp_path / "one", root, workers=1)
    expected = ["Apple", "class2", "class10", "zebra"]
    assert one.classes() == expected
    # Found later by a re-scan: takes its natural place among the found classes.
    write_image(root / "bee" / "b.jpg", seed=9)
    one.add_classes(["zzz-named-later"])
    one.scan(workers=1)
    assert one.classes() == ["Apple", "bee", "class2", "class10", "zebra", "zzz-named-later"]
    one.close()
    # The same classes from a labels file get the same order.
    flat = tmp_path / "flat"
    rows = ["path,label"]
    for i, name in enumerate(["zebra", "class10", "Apple", "class2"]):
        write_image(flat / f"{i}.jpg", seed=i)
        rows.append(f"{i}.jpg,{name}")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    two, _ = create_and_index(tmp_path / "two", flat, labels_file=tmp_path / "labels.csv")
    assert two.classes() == expected
    two.close()


def test_named_classes_come_first_in_the_order_given(tmp_path):
    root = tmp_path / "img"
    for i, name in enumerate(["cat", "dog", "bird"]):
        write_image(root / name / "a.jpg", seed=i)
    project, counts = create_and_index(tmp_path / "p", root, classes=["dog", "cat"], workers=1)
    with project:
        assert project.classes() == ["dog", "cat", "bird"]
        assert any("bird" in w for w in counts.warnings)


def test_labels_file_may_not_add_classes_outside_the_given_list(tmp_path):
    from labeldesk.core.errors import LabelFileError

    root = tmp_path / "img"
    write_image(root / "a.jpg", seed=1)
    write_image(root / "b.jpg", seed=2)
    labels_file = tmp_path / "l.csv"
    labels_file.write_text("path,label\na.jpg,cat\nb.jpg,fox\n")
    with pytest.raises(LabelFileError, match="line 3: unknown class 'fox'"):
        create_and_index(tmp_path / "p", root, classes=["cat", "dog"], labels_file=labels_file)
    assert not (tmp_path / "p").exists()
    project, _ = create_and_index(
        tmp_path / "p", root, classes=["cat", "dog"], labels_file=labels_file, new_classes=True
    )
    with project:
        assert project.classes() == ["cat", "dog", "fox"]


def test_rename_relabels_its_images_and_undo_puts_it_back(project):
    before = labels(project)
    project.rename_class("cat", "kitten")
    after = labels(project)
    assert project.classes() == ["kitten", "dog"]  # keeps its key
    assert all(after[p] == "kitten" for p, lab in before.items() if lab == "cat")
    assert "cat" not in set(after.values())
    with pytest.raises(UnknownClassError, match="merge"):
        project.rename_class("kitten", "dog")
    undone = project.undo()
    assert project.classes() == ["cat", "dog"]
    assert labels(project) == before
    assert "cat" in undone.classes_restored


def test_merge_moves_images_and_removes_the_class(project):
    before = labels(project)
    project.merge_classes("cat", "dog")
    assert project.classes() == ["dog"]
    assert {lab for lab in labels(project).values() if lab} == {"dog"}
    project.undo()
    assert project.classes() == ["cat", "dog"]
    assert labels(project) == before


def test_remove_leaves_images_unlabeled_and_is_undoable(project):
    before = labels(project)
    project.set_status(["train/cat/cat0.jpg"], "verified")
    project.remove_class("cat")
    assert project.classes() == ["dog"]
    assert all(labels(project)[p] is None for p, lab in before.items() if lab == "cat")
    project.undo()
    assert project.classes() == ["cat", "dog"]
    assert labels(project) == before
    status = project.images().set_index("path").status["train/cat/cat0.jpg"]
    assert status == "verified"


def test_a_rescan_follows_renamed_and_removed_classes(project, imagefolder):
    root, _ = imagefolder
    project.rename_class("cat", "kitten")
    project.remove_class("dog")
    write_image(root / "train" / "cat" / "new-cat.jpg", seed=500)
    write_image(root / "train" / "dog" / "new-dog.jpg", seed=501)
    project.scan(workers=1)
    now = labels(project)
    assert now["train/cat/new-cat.jpg"] == "kitten"
    assert now["train/dog/new-dog.jpg"] is None
    assert project.classes() == ["kitten"]


def test_class_commands_on_the_cli(project, capsys):
    import json

    from labeldesk.cli import main

    path = str(project.path)
    assert main(["classes", path, "--rename", "cat", "kitten", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == {"kitten": 8, "dog": 8}
    assert main(["classes", path, "--merge", "kitten", "dog", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == {"dog": 16}
    assert main(["classes", path, "--remove", "dog", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == {}
    assert main(["undo", path]) == 0
    assert "remove class 'dog'" in capsys.readouterr().out
    assert main(["classes", path, "--remove", "nope", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert "no class 'nope'" in error["error"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("a, b,,c ", ["a", "b", "c"]),
        (r"bag\, leather,coat", ["bag, leather", "coat"]),
        (r"x\\y", ["x\\y"]),  # an escaped backslash: refused later, as a class name
        ("trailing\\", ["trailing\\"]),  # a lone backslash stays, and is refused later
        (r"a\b", [r"a\b"]),  # before any other character too: not silently dropped
        ("", []),
        (None, []),
    ],
)
def test_names_on_one_line_are_cut_at_commas_no_backslash_precedes(text, names):
    assert split_names(text) == names


@pytest.mark.parametrize("text", ["", "  ", ",", " , ,", None])
def test_a_line_to_add_that_names_no_class_is_an_empty_name(text):
    with pytest.raises(UnknownClassError, match="a class name cannot be empty"):
        names_to_add(text)
    assert names_to_add(r"a,, b\, c,") == ["a", "b, c"]  # blanks between names: skipped


def test_a_split_move_is_named_by_what_it_did_in_undo(tmp_path):
    root = tmp_path / "images"
    for n in range(3):
        write_image(root / "train" / "cat" / f"c{n}.png", fmt="PNG", seed=n)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    project.set_splits({"train/cat/c0.png": "test"})
    assert "“split set to test”" in project.undo().summary()
    project.set_splits({"train/cat/c1.png": "val", "train/cat/c2.png": "test"})
    assert "“split set to test and val”" in project.undo().summary()
    project.set_splits({"train/cat/c1.png": None, "train/cat/c2.png": "test"})
    assert "“split set to test; split cleared”" in project.undo().summary()
    project.close()
