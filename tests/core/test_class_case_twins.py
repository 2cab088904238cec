"""A new class name that differs from a class only in case (``Bag`` beside ``bag``) is
refused, naming the class there is, wherever classes are made: ``classes --add`` and the
app's Add class, a rename, a label or a label file that may add classes. Scans keep
what the folders hold, so a project with such a pair still opens and works."""

from __future__ import annotations

import json
import unicodedata

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import CaseTwinError, LabelFileError, UnknownClassError
from labeldesk.core.label_files import apply_label_rows, read_label_file


@pytest.mark.parametrize(
    "names",
    [["Bag", "hat"], [" BAG "], ["bAg"]],
)
def test_a_name_differing_from_a_class_only_in_case_is_refused(project, names):
    project.add_classes(["bag", "hat"])
    before = project.classes()
    with pytest.raises(CaseTwinError, match="differs from the class 'bag' only in case"):
        project.add_classes(names)
    assert project.classes() == before
    assert isinstance(CaseTwinError("x"), UnknownClassError)  # callers that catch it still do


def test_case_and_unicode_form_together_are_one_class(project):
    project.add_classes([unicodedata.normalize("NFC", "café")])
    with pytest.raises(CaseTwinError, match="'café'"):
        project.add_classes([unicodedata.normalize("NFD", "CAFÉ")])
    assert project.classes() == ["cat", "dog", "café"]


def test_two_new_names_differing_only_in_case_add_nothing(project):
    with pytest.raises(CaseTwinError, match="no class was added"):
        project.add_classes(["fox", "owl", "Fox"])
    assert project.classes() == ["cat", "dog"]
    assert project.add_classes(["fox", "owl"]) == ["fox", "owl"]  # other names still fine


def test_a_rename_may_change_a_class_s_own_case_but_not_take_another_s(project):
    with pytest.raises(CaseTwinError, match=r"the class 'dog' only in case.*merge"):
        project.rename_class("cat", "Dog")
    assert project.classes() == ["cat", "dog"]
    project.rename_class("cat", "Cat")
    assert project.classes() == ["Cat", "dog"]


def test_classes_add_on_the_cli_names_the_existing_class(project, capsys):
    path = str(project.path)
    assert main(["classes", path, "--add", "Dog,fox", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert "'Dog'" in error and "'dog'" in error
    assert project.classes() == ["cat", "dog"]


def test_a_label_that_would_add_a_twin_is_refused(project, capsys):
    path = str(project.path)
    with pytest.raises(CaseTwinError):
        project.set_label("train/cat/cat0.jpg", "CAT", create_class=True)
    args = ["label", path, "train/cat/cat0.jpg", "Dog", "--new-class", "--json"]
    assert main(args) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert "'dog'" in error
    assert "--new-class" not in error  # given already, and no help against a twin
    assert project.classes() == ["cat", "dog"]


def test_a_label_file_with_new_classes_lists_each_twin_by_line(project, tmp_path):
    csv = tmp_path / "labels.csv"
    csv.write_text(
        "path,label\n"
        "train/cat/cat0.jpg,Cat\n"  # a class in another case
        "train/cat/cat1.jpg,fox\n"
        "train/cat/cat2.jpg,FOX\n"  # another row's new class in another case
        "train/cat/cat3.jpg,owl\n"
    )
    with pytest.raises(LabelFileError) as raised:
        apply_label_rows(project, read_label_file(csv), create_classes=True)
    text = str(raised.value)
    assert "line 2" in text and "the class 'cat' only in case" in text
    assert "line 4" in text and "'FOX' and 'fox'" in text
    assert "line 3" not in text and "line 5" not in text
    assert project.classes() == ["cat", "dog"]
    skipped: list[str] = []
    apply_label_rows(project, read_label_file(csv), create_classes=True, skipped=skipped)
    assert len(skipped) == 2
    assert project.classes() == ["cat", "dog", "fox", "owl"]
    # Without --new-class the row is refused as well, with the reason, not "add it first".
    csv.write_text("path,label\ntrain/cat/cat0.jpg,DOG\n")
    with pytest.raises(LabelFileError, match="the class 'dog' only in case"):
        apply_label_rows(project, read_label_file(csv))


def test_a_project_whose_folders_hold_a_pair_opens_and_works(tmp_path):
    root = tmp_path / "images"
    write_image(root / "Bag" / "1.png", fmt="PNG", seed=1)
    write_image(root / "bag" / "2.png", fmt="PNG", seed=2)
    write_image(root / "bag" / "3.png", fmt="PNG", seed=3)
    if len(list(root.iterdir())) < 2:
        pytest.skip("the file system ignores case")
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        assert project.classes() == ["Bag", "bag"]
        # Each is found by its exact spelling, for labels, files and class edits.
        project.set_labels({"bag/3.png": "Bag"})
        csv = tmp_path / "l.csv"
        csv.write_text("path,label\nBag/1.png,bag\nbag/2.png,Bag\n")
        apply_label_rows(project, read_label_file(csv), create_classes=True)
        frame = project.images().set_index("path")
        assert frame.label.to_dict() == {"Bag/1.png": "bag", "bag/2.png": "Bag", "bag/3.png": "Bag"}
        with pytest.raises(CaseTwinError, match="'Bag'"):  # the first in key order
            project.add_classes(["BAG"])
        project.rename_class("Bag", "bag2")
        project.undo()
        project.scan(workers=1)  # a rescan keeps both
        assert project.classes() == ["Bag", "bag"]


def test_a_labels_only_file_is_no_twin_of_the_folders_it_ignores(tmp_path):
    """Another tool's export: its folders are a layout, so a folder bag/ makes no class
    that the file's label Bag would twin."""
    root = tmp_path / "images"
    write_image(root / "bag" / "1.png", fmt="PNG", seed=1)
    csv = tmp_path / "l.csv"
    csv.write_text("path,label\nbag/1.png,Bag\n")
    project, _ = create_and_index(
        tmp_path / "p", root, labels_file=csv, labels_only=True, workers=1
    )
    with project:
        assert project.classes() == ["Bag"]
        assert project.images().label.tolist() == ["Bag"]
