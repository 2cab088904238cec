"""A path with a folder name longer than a dialog is wide, in the dialogs' messages: a
QLabel breaks a line only at a space or after a "/", so the name was cut at the dialog's
edge and what followed unseen (Import labels: "…/corrections_appli"), or the dialog grew
as wide as the name (New project: 1,870 px, Create and Cancel off a 1,600 px screen;
Verify an export: wider than it opens). Each message now breaks the name (gui/
wrapped_message.py); the text copied from it is the real path."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel

from gui.message_fits import assert_shown_whole, widest_piece
from labeldesk.gui.dialogs import NewProjectDialog
from labeldesk.gui.import_dialog import ImportDialog
from labeldesk.gui.verify_dialog import NOT_COLOR, VerifyDialog, not_an_export
from labeldesk.gui.version_form import VersionForm
from labeldesk.interop.export_check import NotAnExport, recorded_version

LONG_NAME = (
    "2026-12-07_fashion_images_from_the_second_annotation_vendor_delivery_round"
    "_with_corrections_applied_by_the_labeling_team"
)


def test_import_says_a_missing_file_whole_and_copies_its_real_path(
    qtbot, qapp, project, tmp_path, monkeypatch
):
    from labeldesk.gui.word_joiner import copy_without_joiners

    missing = tmp_path / LONG_NAME / "labels.csv"
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    width = dialog.width()
    dialog.file.setText(str(missing))
    dialog.read()
    qtbot.waitUntil(lambda: "not found" in dialog.found.text(), timeout=10_000)
    assert dialog.found.text() == f"{missing}: file not found"
    assert_shown_whole(dialog.found)
    assert dialog.width() == width
    clipboard = QApplication.clipboard()
    monkeypatch.setattr(clipboard, "ownsClipboard", lambda: True)  # (offscreen owns none)
    copy_without_joiners(qapp)
    clipboard.clear()
    dialog.found.setSelection(0, len(QLabel.text(dialog.found)))
    dialog.found.setFocus()
    qtbot.keySequence(dialog.found, QKeySequence.StandardKey.Copy)
    qtbot.waitUntil(lambda: clipboard.text() == f"{missing}: file not found")
    dialog.runner.shutdown()


def test_a_long_version_name_in_use_is_said_whole(qtbot):
    said = f"There is a version named {LONG_NAME!r} already; pick another name"
    form = VersionForm(lambda name: said)
    qtbot.addWidget(form)
    form.show()
    form.name.setText(LONG_NAME)
    form.accept()
    assert form.problem.text() == said
    assert_shown_whole(form.problem)
    assert form.width() <= 460 + 20  # (the width it opens at)


def test_verify_says_a_long_folder_whole_in_the_window_it_opens(qtbot, tmp_path):
    folder = tmp_path / LONG_NAME / f"{LONG_NAME}_export"
    folder.mkdir(parents=True)
    try:
        recorded_version(folder)
    except NotAnExport as exc:
        head, text = not_an_export(exc)
    dialog = VerifyDialog(None, str(folder), head, NOT_COLOR, text)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.width() == 760  # (wider than that, up to past the screen, before)
    assert_shown_whole(dialog.folder)
    assert dialog.folder.text().endswith(str(folder))
    assert f"Folder: {folder}" in dialog.copied_text()


def test_new_project_warning_and_button_fit_the_form(qtbot, tmp_path):
    from helpers import make_imagefolder

    outer = tmp_path / LONG_NAME / "data"
    make_imagefolder(outer / f"{LONG_NAME}_images")  # one class holding train/, …
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    width = dialog.width()
    dialog.images_edit.setText(str(outer))
    qtbot.waitUntil(lambda: dialog.use_suggested.isVisible(), timeout=5000)
    assert dialog.note.text().endswith(f"use {outer / f'{LONG_NAME}_images'} instead")
    assert_shown_whole(dialog.note)
    assert dialog.width() == width  # (1,870 px for a 200-character path, before)
    button = dialog.use_suggested
    assert button.width() <= dialog.width()
    assert button.text().startswith("Use the folder ") and "…" in button.text()
    assert button.toolTip() == f"Index {outer / f'{LONG_NAME}_images'}"
    button.click()
    assert dialog.images_edit.text() == str(outer / f"{LONG_NAME}_images")

    dialog.project_edit.setText(str(outer / f"{LONG_NAME}_images" / LONG_NAME))  # inside
    assert "is inside the image folder" in dialog.note.text()
    assert_shown_whole(dialog.note)
    assert dialog.width() == width


def test_an_error_notice_says_a_long_path_whole(qtbot):
    """The app's error notice (File → Open project… on a folder that is not one, …) is at
    most 1,000 px wide: a longer folder name was cut there, the rest of the path and the
    sentence after it unseen."""
    from labeldesk.gui.dialogs import show_error

    folder = f"/home/someone/projects/{LONG_NAME}_and_checked_twice/{LONG_NAME}_v2"
    said = f"Cannot open {folder}: not a LabelDesk project (it holds no labeldesk.db)"
    box = show_error(None, said)
    qtbot.addWidget(box)
    qtbot.waitExposed(box)
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert QLabel.text(label).replace("\u200b", "") == said
    assert_shown_whole(label)
    box.close()


def test_the_question_before_replacing_an_export_says_its_long_folder_whole(qtbot, tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from gui.export_pages import export_dialog_over_new_project

    target = tmp_path / f"{LONG_NAME}_exports" / f"{LONG_NAME}_for_training"
    seen: list[tuple[str, int, int]] = []  # the text, its widest piece, the room for it

    def look() -> None:  # (measured, then answered: the question must not stay open)
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            label = box.findChild(QLabel, "qt_msgbox_label")
            said = QLabel.text(label).replace("\u200b", "")
            seen.append((said, widest_piece(label), label.contentsRect().width()))
            box.reject()

    with export_dialog_over_new_project(qtbot, tmp_path / "p") as dialog:
        QTimer.singleShot(0, look)
        assert not dialog.confirm_replace(target)
    [(said, widest, room)] = seen
    assert said.startswith(f"{target} holds an earlier LabelDesk export")
    assert widest <= room
