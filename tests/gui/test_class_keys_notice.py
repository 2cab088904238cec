"""A class found by a scan takes its place in natural order, which can move the keys of
the classes after it. That happened with no word: key 3 then gave another class than a
moment before. Now the app says which keys changed."""

from __future__ import annotations

from helpers import write_image
from PySide6.QtCore import Qt

from labeldesk.gui.labeling import keys_moved


def test_keys_moved_names_the_classes_whose_key_changed():
    text = keys_moved(["bag", "coat"], ["accessory", "bag", "coat"])
    assert text is not None and "New class 'accessory'" in text
    assert "'bag' is now 2 (was 1)" in text and "'coat' is now 3 (was 2)" in text
    assert keys_moved(["bag", "coat"], ["bag", "coat", "zebra"]) is None  # at the end
    assert keys_moved(["bag", "coat"], ["bag", "jacket"]) is None  # a rename keeps its key
    assert keys_moved(["bag", "coat"], ["bag"]) is None  # the last class removed
    # a merge or removal gives the next classes' keys away: 2 is now another class
    gone = keys_moved(["bag", "coat", "dress"], ["bag", "dress"])
    assert gone == "Class 'coat' gone: class keys changed. 'dress' is now 2 (was 3)."
    assert keys_moved([], ["bag"]) is None  # the first classes


def test_a_scan_that_finds_a_class_before_others_says_so(qtbot, view, project):
    notices: list[str] = []
    view.labeling.error.connect(notices.append)
    assert view.catalog.classes == ["cat", "dog"]
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_1)  # the person labels with the keys
    write_image(project.root / "train" / "ant" / "a0.jpg", seed=5)
    project.scan(workers=1)
    qtbot.waitUntil(lambda: view.catalog.classes == ["ant", "cat", "dog"], timeout=10000)
    assert len(notices) == 1
    assert "New class 'ant'" in notices[0] and "'cat' is now 2 (was 1)" in notices[0]


def test_no_notice_before_keys_are_used_and_a_removed_class_coming_back_is_not_new(
    qtbot, view, project
):
    """A new project fills in batch by batch in walk order, and every batch moved keys:
    a notice each time, before anyone pressed a key. The undo of a class's removal
    brought it back as a "new class"."""
    notices: list[str] = []
    view.labeling.error.connect(notices.append)
    write_image(project.root / "train" / "ant" / "a0.jpg", seed=5)
    project.scan(workers=1)
    qtbot.waitUntil(lambda: view.catalog.classes == ["ant", "cat", "dog"], timeout=10000)
    assert notices == []  # no key pressed yet
    view.labeling.note_key_used()
    project.remove_class("ant")
    qtbot.waitUntil(lambda: view.catalog.classes == ["cat", "dog"], timeout=10000)
    assert notices == [
        "Class 'ant' gone: class keys changed. 'cat' is now 1 (was 2), 'dog' is now 2 (was 3)."
    ]
    project.undo()
    qtbot.waitUntil(lambda: view.catalog.classes == ["ant", "cat", "dog"], timeout=10000)
    # the undo moves them back: said too, and the class is not called new
    assert (
        notices[1]
        == "Class 'ant' back: class keys changed. 'cat' is now 2 (was 1), 'dog' is now 3 (was 2)."
    )
    assert keys_moved(["b", "c"], ["a", "b", "c"], known={"a"}).startswith("Class 'a' back")


def test_names_are_quoted_so_a_comma_in_one_reads_as_one_name():
    text = keys_moved(["z"], ["a, b", "c", "d", "e", "z"], known=set())
    assert text == (
        "New class 'a, b', 'c', 'd' … and 1 more: class keys changed. 'z' is now 5 (was 1)."
    )
