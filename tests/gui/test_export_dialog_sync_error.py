"""A disk error as the replacing export's folder is synced: the export is undone and the
dialog says so, whole and readable, and where the earlier export is."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel

from gui.export_pages import export_dialog_over_new_project


@pytest.fixture
def dialog(qtbot, tmp_path):
    with export_dialog_over_new_project(qtbot, tmp_path) as widget:
        yield widget


def fail_parent_sync_once(monkeypatch, out: Path, manifest_ino: int) -> None:
    """The first fsync of ``out``'s parent once ``out`` holds a new export (its manifest
    not the earlier one's) raises EIO, as a failing disk does."""
    real = os.fsync
    armed = [True]

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        if armed[0] and stat.S_ISDIR(st.st_mode) and st.st_ino == os.stat(out.parent).st_ino:
            manifest = out / "labeldesk-export.json"
            if manifest.exists() and manifest.stat().st_ino != manifest_ino:
                armed[0] = False
                raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def failed_overwrite(qtbot, dialog, monkeypatch, out: Path) -> dict[Path, bytes]:
    """Export to ``out``, then replace it with a disk error as the new one is put in
    place; the first export's files."""
    dialog.folder.setText(str(out))
    export_and_wait(qtbot, dialog)
    assert dialog.report is not None
    earlier = files(out)
    dialog.include_unlabeled.setChecked(False)
    dialog.project.set_label("_unlabeled/u0.png", "bee")  # the next export differs
    fail_parent_sync_once(monkeypatch, out, (out / "labeldesk-export.json").stat().st_ino)
    dialog.confirm_replace = lambda target: True
    export_and_wait(qtbot, dialog)
    return earlier


def files(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def export_and_wait(qtbot, dialog) -> None:
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())


def test_the_whole_error_shows_with_where_the_earlier_export_is(
    qtbot, dialog, tmp_path, monkeypatch
):
    # a path longer than the dialog is wide: a QLabel wraps only at spaces, so it was cut
    # at the dialog's edge, with the words after it ("holds the earlier export") unseen
    out = tmp_path / ("exports_of_a_long_project_name_" * 4) / ("second_level_" * 6) / "out"
    out.parent.mkdir(parents=True)
    earlier = failed_overwrite(qtbot, dialog, monkeypatch, out)

    said = dialog.message.text()
    assert said.startswith("Export failed: a read or write error on the disk")
    assert said.endswith(f"nothing was replaced: {out} holds the earlier export, as before")
    assert dialog.message.isVisible()
    # every piece the lines are made of fits the message's width, and its lines its height
    room = dialog.message.contentsRect().width()
    shown = QLabel.text(dialog.message)
    pieces = [p for p in re.split(r"[\s\u200b]+", shown) if p]
    widest = max(dialog.message.fontMetrics().horizontalAdvance(p) for p in pieces)
    assert widest <= room
    assert dialog.message.height() >= dialog.message.heightForWidth(dialog.message.width())
    assert dialog.width() <= 800  # (not made as wide as the path instead)
    assert files(out) == earlier and [p.name for p in out.parent.iterdir()] == ["out"]


def test_the_message_copies_as_it_is_said(qtbot, qapp, dialog, tmp_path, monkeypatch):
    """The places it may break (zero-width spaces) are not copied with it: a path pasted
    into a terminal would not be found. The app's clipboard cleaner takes them out, as it
    does the class names' word joiners (also from a mouse selection on Linux)."""
    from labeldesk.gui.word_joiner import copy_without_joiners

    out = tmp_path / ("a_long_folder_name_" * 5) / "out"
    out.parent.mkdir(parents=True)
    failed_overwrite(qtbot, dialog, monkeypatch, out)
    clipboard = QApplication.clipboard()
    monkeypatch.setattr(clipboard, "ownsClipboard", lambda: True)  # (offscreen owns none)
    copy_without_joiners(qapp)
    clipboard.clear()
    dialog.message.setSelection(0, len(QLabel.text(dialog.message)))
    dialog.message.setFocus()
    qtbot.keySequence(dialog.message, QKeySequence.StandardKey.Copy)
    qtbot.waitUntil(lambda: clipboard.text() == dialog.message.text())
    assert str(out) in clipboard.text()
