"""Damage met while the app has the project open (a read of this window, or another
process's note): the window turns read-only as a reopen would make it, with one notice,
instead of an error notice for every label key pressed afterwards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from damaged_pages import sample_project, zero_last_images_page
from PySide6.QtCore import Qt

from gui.label_key import said_on_label_key
from labeldesk.core.damage_note import NOTE_NAME, record_damage


def _first_row(folder: Path) -> tuple[object, ...]:
    with sqlite3.connect(folder / "labeldesk.db") as conn:
        return tuple(conn.execute("SELECT * FROM images ORDER BY id LIMIT 1").fetchone())


def _open(window, monkeypatch, folder: Path) -> list[str]:
    """Open the project, writable: its damage is in an index the grid does not read."""
    notices: list[str] = []
    monkeypatch.setattr(
        "labeldesk.gui.window_notices.show_error", lambda _parent, text: notices.append(text)
    )
    assert window.open_project(folder)
    assert window.windowTitle() == "proj — LabelDesk"
    assert notices == []
    return notices


def _assert_read_only(window, qtbot, notices: list[str], folder: Path) -> None:
    qtbot.waitUntil(lambda: window.windowTitle() == "proj (read-only) — LabelDesk")
    assert len(notices) == 1, notices
    assert notices[0].startswith(f"Reopened {folder} read-only: the project database")
    assert "is damaged" in notices[0]
    assert "restore labeldesk.db from a backup" in notices[0]
    view = window.view
    assert view is not None
    window._show_counts()
    assert window.counts_label.text().startswith("Read-only · ")
    assert not view.sidebar.add_class_button.isEnabled()
    assert not any(a.isEnabled() for a in view.labeling.label_actions)  # greyed
    # a label key now says why in the status bar: no further notice
    said = said_on_label_key(qtbot, view)
    assert said and "is damaged" in said[-1] and "nothing was saved" in said[-1]
    assert len(notices) == 1, notices
    assert (folder / NOTE_NAME).is_file()
    review = window.review.start("issues")  # the review says why its keys are off
    assert review is not None and review.read_only_banner.isVisibleTo(review)
    assert "is damaged" in review.read_only_banner.text()


def test_damage_met_by_this_window_turns_it_read_only(qtbot, window, tmp_path, monkeypatch):
    folder = sample_project(tmp_path)
    zero_last_images_page(folder, "images_hash")
    notices = _open(window, monkeypatch, folder)
    project = window.project
    # a read of this window met it: SQLite's "malformed", through the db's damage path
    project.db._check_damage(sqlite3.DatabaseError("database disk image is malformed"))
    view = window.view
    view.grid.select_row(0)
    view.grid.setFocus()
    before = _first_row(folder)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # refused: nothing saved, one notice
    _assert_read_only(window, qtbot, notices, folder)
    window.close_project()
    assert _first_row(folder) == before


def test_another_process_leaving_the_note_turns_it_read_only(qtbot, window, tmp_path, monkeypatch):
    folder = sample_project(tmp_path)
    zero_last_images_page(folder, "images_hash")
    notices = _open(window, monkeypatch, folder)
    record_damage(folder / "labeldesk.db", "database disk image is malformed")  # a command
    window.session.check_outside_writes()  # the poll (every 1.5 s, and on coming back)
    _assert_read_only(window, qtbot, notices, folder)
