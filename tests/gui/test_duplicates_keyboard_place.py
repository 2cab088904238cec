"""The duplicate groups from the keyboard: an action (Keep only this, Exclude checked,
Move group to split, Undo) rebuilds the list, and the keyboard went back to the top of
the window: after keeping one image of group 5 of 24 leaking groups, Tab went to "Show:"
and had to pass the groups before (nine stops each) to reach the next. Now it stays on
the group acted on, or, when that group left the list, on the one that took its place."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from labeldesk.browse.duplicate_groups import build_groups
from labeldesk.gui.duplicates_dialog import DuplicatesDialog
from labeldesk.ml.duplicates import find_duplicates


def _write(change, paths, text) -> bool:  # as the browser's writer does, without a browser
    change()
    return True


@pytest.fixture
def dialog(qtbot, project):
    """Three train images, each copied into test: three leaking groups."""
    root = project.root
    for i in range(3):
        shutil.copy(root / f"train/cat/cat{i}.jpg", root / f"test/cat/leak{i}.jpg")
    project.scan()
    groups = build_groups(project, find_duplicates(project))
    shown = DuplicatesDialog(project, groups, write=_write, kind="leaking")
    qtbot.addWidget(shown)
    shown.show()
    shown.activateWindow()
    qtbot.waitActive(shown)
    assert len(shown.boxes) == 3
    return shown


def _settled(dialog) -> bool:
    """The keyboard is on a control of the rebuilt list (or on Close), shown with focus."""
    focus = dialog.focusWidget()
    on_list = any(focus in box.controls() for box in dialog.boxes)
    return focus is not None and focus.hasFocus() and (on_list or focus is dialog.close_button)


def _box_of(dialog, widget):
    return next(box for box in dialog.boxes if box.isAncestorOf(widget))


def _tab_to(qtbot, dialog, target) -> None:
    """Tab from the top of the window until ``target`` has the keyboard, as a person does."""
    dialog.kind_box.setFocus()
    for _ in range(100):
        if dialog.focusWidget() is target:
            return
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    raise AssertionError("Tab never reached it")


def test_keeping_one_leaves_the_keyboard_on_the_group_that_took_its_place(qtbot, dialog):
    dialog.resize(700, 300)  # room for one group: the list scrolls to the next
    second = dialog.boxes[1]
    after = dialog.boxes[2].group.number
    keep = next(t for t in second.tiles if t.member.split == "train").keep_button
    _tab_to(qtbot, dialog, keep)
    qtbot.keyClick(keep, Qt.Key.Key_Space)  # Keep only this, from the keyboard
    assert len(dialog.boxes) == 2  # resolved: it left the leaking list
    qtbot.waitUntil(lambda: dialog.boxes[1].controls()[0].hasFocus())
    focus = dialog.focusWidget()
    assert _box_of(dialog, focus).group.number == after
    assert focus.isVisible() and not focus.visibleRegion().isEmpty()  # scrolled to
    # drawn as the keyboard's place (its focus frame), as after a Tab
    assert dialog.testAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange)
    qtbot.keyClick(focus, Qt.Key.Key_Tab)  # and Tab goes on from there
    assert dialog.focusWidget() is dialog.boxes[1].tiles[0].keep_button


def test_an_action_on_a_group_still_listed_stays_on_that_control(qtbot, dialog):
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("all"))
    box = dialog.boxes[2]
    number = box.group.number
    box.split_box.setCurrentText("test")
    box.move_button.setFocus()
    qtbot.keyClick(box.move_button, Qt.Key.Key_Space)  # the whole group into test
    qtbot.waitUntil(lambda: _settled(dialog))
    focus = dialog.focusWidget()
    moved = _box_of(dialog, focus)
    assert moved.group.number == number and "all in test" in moved.title()
    assert focus is moved.move_button


def test_the_last_group_resolved_leaves_the_keyboard_on_close(qtbot, dialog):
    for _ in range(3):
        keep = dialog.boxes[0].tiles[0].keep_button
        keep.setFocus()
        qtbot.keyClick(keep, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: _settled(dialog))
    assert not dialog.boxes
    assert dialog.close_button.hasFocus()
