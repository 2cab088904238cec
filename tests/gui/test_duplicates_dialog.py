"""The counts under "Duplicates and leakage" open the groups, side by side, with the
actions that fix them; each is one undoable step and the counts follow."""

from __future__ import annotations

import re
import shutil

import pytest
from PySide6.QtCore import Qt

from labeldesk.browse.duplicate_groups import Group, Member, keep_only, one_split, summary

LEAK = ("train/cat/cat0.jpg", "test/cat/copy_of_cat0.jpg")  # one image in train and test
SAME_SPLIT = ("val/dog/again.jpg", "val/dog/dog0.jpg")  # a copy within one split


def count(stats, key: str) -> str:
    return re.sub(r"<[^>]+>", "", stats.summary_labels[key].text()).split()[0]


def state(project, path: str) -> tuple[str | None, str | None]:
    row = project.images().set_index("path").loc[path]
    return (row.split if isinstance(row.split, str) else None), (
        row.status if isinstance(row.status, str) else None
    )


@pytest.fixture
def duplicates(qtbot, window, project):
    """The window on a project with a leaking copy and a copy within val, Statistics open
    with its duplicate search done."""
    root = project.root
    shutil.copy(root / LEAK[0], root / LEAK[1])
    shutil.copy(root / SAME_SPLIT[1], root / SAME_SPLIT[0])
    project.scan()
    window.open_project(project.path)
    window.show_statistics()
    stats = window.pages.stats
    qtbot.waitUntil(lambda: stats.duplicate_counts is not None, timeout=20000)
    assert (count(stats, "exact"), count(stats, "leaking")) == ("2", "1")
    return window, stats


def open_groups(qtbot, window, stats, kind: str):
    stats.summary_labels[kind].linkActivated.emit(kind)  # as a click on the count does
    dialog = window.pages.duplicates
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_clicking_a_count_shows_its_groups_side_by_side(qtbot, duplicates):
    window, stats = duplicates
    dialog = open_groups(qtbot, window, stats, "leaking")
    assert dialog.kind == "leaking"
    assert len(dialog.boxes) == 1
    box = dialog.boxes[0]
    assert [t.member.path for t in box.tiles] == sorted(LEAK)
    assert "leaks: in test and train" in box.title()
    facts = sorted(t.facts.text() for t in box.tiles)
    assert facts == ["cat · test", "cat · train"]
    # Thumbnails come from the browser's loader (and its cache).
    qtbot.waitUntil(
        lambda: all(
            t.thumb.pixmap() is not None and not t.thumb.pixmap().isNull() for t in box.tiles
        ),
        timeout=10000,
    )
    assert dialog.count_label.text() == "1 of the 2 groups (numbered among them all)"
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("exact"))
    assert len(dialog.boxes) == 2
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("all"))
    assert dialog.count_label.text() == "2 groups"
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("exact"))
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("near"))
    assert not dialog.boxes and "nothing to fix" in dialog.count_label.text()


def test_keep_one_excludes_the_rest_and_the_counts_follow_undo_too(qtbot, duplicates):
    window, stats = duplicates
    project = window.project
    dialog = open_groups(qtbot, window, stats, "leaking")
    assert not dialog.undo_button.isEnabled()  # nothing done here yet
    kept = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[0])
    qtbot.mouseClick(kept.keep_button, Qt.MouseButton.LeftButton)
    assert state(project, LEAK[1])[1] == "excluded"
    assert state(project, LEAK[0])[1] is None
    assert (count(stats, "exact"), count(stats, "leaking")) == ("1", "0")
    assert stats.summary_labels["excluded"].text() == "1"  # Statistics re-read it
    assert "1 excluded" in window.counts_label.text()  # and so did the browser
    assert "Ctrl+Z undoes" in window.statusBar().currentMessage()
    assert not dialog.boxes  # resolved: no longer leaking
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("all"))
    resolved = next(b for b in dialog.boxes if b.group.paths == sorted(LEAK))
    assert "resolved" in resolved.title()
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)  # one step back
    assert state(project, LEAK[1])[1] is None
    assert (count(stats, "exact"), count(stats, "leaking")) == ("2", "1")
    assert "excluded" not in window.counts_label.text()
    assert not dialog.undo_button.isEnabled()  # this window's changes are all taken back


def test_the_dialogs_undo_takes_back_its_own_change_not_one_made_elsewhere(qtbot, duplicates):
    """Undo in the dialog took back the newest change anywhere: a second press undid a
    labeling-queue decision made before the dialog opened."""
    window, stats = duplicates
    project = window.project
    other = next(p for p in project.images().path if p not in LEAK)
    project.set_label(other, "dog")  # a decision made elsewhere, before
    dialog = open_groups(qtbot, window, stats, "leaking")
    kept = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[0])
    qtbot.mouseClick(kept.keep_button, Qt.MouseButton.LeftButton)
    project.set_label(other, "cat")  # and one made elsewhere, after
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    assert state(project, LEAK[1])[1] is None  # the dialog's own change, taken back
    assert project.images().set_index("path").label[other] == "cat"  # the other stands
    assert not dialog.undo_button.isEnabled()
    dialog.undo()  # Ctrl+Z again: nothing of this window's is left, nothing else moves
    assert project.images().set_index("path").label[other] == "cat"


def test_move_the_group_to_one_split_and_exclude_checked(qtbot, duplicates):
    window, stats = duplicates
    project = window.project
    dialog = open_groups(qtbot, window, stats, "leaking")
    box = dialog.boxes[0]
    box.split_box.setCurrentText("train")
    qtbot.mouseClick(box.move_button, Qt.MouseButton.LeftButton)
    assert [state(project, p)[0] for p in LEAK] == ["train", "train"]
    assert (count(stats, "exact"), count(stats, "leaking")) == ("2", "0")  # still copies
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("exact"))
    box = next(b for b in dialog.boxes if b.group.paths == sorted(SAME_SPLIT))
    box.tiles[0].check.setChecked(True)
    qtbot.mouseClick(box.exclude_button, Qt.MouseButton.LeftButton)
    assert state(project, SAME_SPLIT[0])[1] == "excluded"
    assert count(stats, "exact") == "1"


def test_show_in_browser_selects_the_image_among_its_group(qtbot, duplicates):
    window, stats = duplicates
    dialog = open_groups(qtbot, window, stats, "leaking")
    tile = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[1])
    qtbot.mouseClick(tile.open_button, Qt.MouseButton.LeftButton)
    view = window.view
    assert window.stack.currentWidget() is view
    assert view.model.rowCount() == 2
    assert view.model.paths_of_rows(view.grid.selected_rows()) == [LEAK[1]]
    assert view.sidebar.banner_text.text() == "Showing 2 images in duplicate group 1"


def test_group_counts_follow_member_states():
    """Qt-free: a group is open while two images are in use, leaks across splits."""
    a = Member("a.jpg", 1, "cat", "train", None)
    b = Member("b.jpg", 2, "cat", "test", None)
    group = Group(1, "exact", 1.0, [a, b])
    assert summary([group]) == {"exact": 1, "near": 0, "leaking": 1, "images": 2}
    assert keep_only(group, a) == ["b.jpg"]
    assert one_split(group, "train") == {"b.jpg": "train"}
    with pytest.raises(ValueError, match="unknown split"):
        one_split(group, "holdout")
    b.status = "excluded"
    assert summary([group]) == {"exact": 0, "near": 0, "leaking": 0, "images": 0}
    b.status, b.split = None, "train"
    assert summary([group])["leaking"] == 0 and group.is_open


def test_the_dialogs_undo_passes_over_a_change_undone_elsewhere_silently(qtbot, duplicates):
    """Its newest change taken back with Edit → Undo, the window's Undo showed "batch N has
    been undone already" as an error and then took back its older change (review)."""
    window, stats = duplicates
    project = window.project
    errors: list[str] = []
    window.view.error.connect(errors.append)
    dialog = open_groups(qtbot, window, stats, "leaking")
    kept = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[0])
    qtbot.mouseClick(kept.keep_button, Qt.MouseButton.LeftButton)  # change 1
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("exact"))
    box = next(b for b in dialog.boxes if b.group.paths == sorted(SAME_SPLIT))
    box.tiles[0].check.setChecked(True)
    qtbot.mouseClick(box.exclude_button, Qt.MouseButton.LeftButton)  # change 2
    project.undo()  # Edit → Undo: change 2 taken back
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)  # change 1, no error
    assert errors == []
    assert state(project, LEAK[1])[1] is None and state(project, SAME_SPLIT[0])[1] is None
    assert not dialog.undo_button.isEnabled()


def test_the_dialogs_undo_follows_a_change_redone_in_the_main_window(qtbot, duplicates):
    """Taken back with Edit → Undo and made again with Edit → Redo, the window's change
    stands as the redo's batch: the dialog's Undo takes that back (it did nothing)."""
    window, stats = duplicates
    project = window.project
    dialog = open_groups(qtbot, window, stats, "leaking")
    kept = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[0])
    qtbot.mouseClick(kept.keep_button, Qt.MouseButton.LeftButton)
    assert state(project, LEAK[1])[1] == "excluded"
    project.undo()  # Edit → Undo
    project.redo()  # Edit → Redo: excluded again, by a new batch
    assert state(project, LEAK[1])[1] == "excluded"
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    assert state(project, LEAK[1])[1] is None
    assert not dialog.undo_button.isEnabled()


def test_keys_in_the_browser_with_the_groups_open_recount_statistics_on_its_next_show(
    qtbot, duplicates, monkeypatch
):
    """The Duplicates window stays open over the browser: a label key there does not
    recount the hidden Statistics page (~1 s of the GUI thread per key at 1M images,
    benchmarks/bench_gui_stalls.py), which shows the new counts when shown again."""
    window, stats = duplicates
    dialog = open_groups(qtbot, window, stats, "leaking")
    window.show_browser()
    assert dialog.isVisible() and not window.is_showing(stats)
    recounts: list[bool] = []
    real = stats.images_changed
    monkeypatch.setattr(stats, "images_changed", lambda: (recounts.append(True), real())[1])
    labeled = int(count(stats, "labeled").replace(",", ""))
    view = window.view
    row = next(
        r
        for r in range(view.model.rowCount())
        if view.catalog.labels[view.model.position(r)] is None
    )
    view.grid.select_row(row)
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_1)
    assert recounts == []  # not while hidden
    window.show_statistics()
    assert recounts == [True]
    assert int(count(stats, "labeled").replace(",", "")) == labeled + 1


def test_a_leaking_group_whose_copies_disagree_on_the_label_says_so(qtbot, window, project):
    """A copy labeled dog in test of an image labeled cat in train: the header said only
    "leaks: in test and train", not that the copies' labels disagree."""
    root = project.root
    (root / "test" / "dog").mkdir(parents=True, exist_ok=True)
    shutil.copy(root / LEAK[0], root / "test" / "dog" / "copy_of_cat0.jpg")
    project.scan()
    frame = project.images().set_index("path")
    assert frame.loc["test/dog/copy_of_cat0.jpg", "label"] == "dog"
    window.open_project(project.path)
    window.show_statistics()
    stats = window.pages.stats
    qtbot.waitUntil(lambda: stats.duplicate_counts is not None, timeout=20000)
    dialog = open_groups(qtbot, window, stats, "leaking")
    (box,) = dialog.boxes
    assert box.title().endswith(
        "leaks: in test and train · labels disagree: cat in train, dog in test"
    )


def test_copies_that_agree_on_the_label_say_nothing_of_labels(qtbot, duplicates):
    window, stats = duplicates
    dialog = open_groups(qtbot, window, stats, "exact")
    assert len(dialog.boxes) == 2 and not any("labels" in box.title() for box in dialog.boxes)


def test_a_close_button_closes_the_groups_from_the_mouse_or_the_keyboard(qtbot, duplicates):
    """The window had no Close button: only Esc or the title bar's button shut it."""
    from PySide6.QtWidgets import QDialogButtonBox

    window, stats = duplicates
    dialog = open_groups(qtbot, window, stats, "exact")
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    assert close is not None and close.isVisible() and close.text() == "Close"
    # Tab reaches it: it is in the window's focus chain, after the groups' buttons.
    chain, widget = [], dialog.kind_box.nextInFocusChain()
    while widget is not dialog.kind_box and len(chain) < 500:
        chain.append(widget)
        widget = widget.nextInFocusChain()
    assert close in chain and close.focusPolicy() & Qt.FocusPolicy.TabFocus
    buttons = [t.keep_button for b in dialog.boxes for t in b.tiles]
    assert chain.index(close) > max(chain.index(b) for b in buttons)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.kind_box.setFocus()
    for _ in range(len(chain)):  # Tab, Tab, … from the top of the window
        if dialog.focusWidget() is close:
            break
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.focusWidget() is close
    qtbot.keyClick(close, Qt.Key.Key_Space)
    assert not dialog.isVisible()
    dialog = open_groups(qtbot, window, stats, "exact")  # opened again: a click closes it too
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
