"""The app's Open on a project whose database is damaged (here emptied to 0 bytes, as a
full disk or a failed copy leaves it) shows one notice that says it is damaged and what
to do, stays on the start page, and leaves the file as it was."""

from __future__ import annotations

import os

from labeldesk.gui import window_notices


def test_opening_an_emptied_database_says_it_is_damaged(qtbot, window, project, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(window_notices, "show_error", lambda parent, text: shown.append(text))
    path = project.path
    project.close()
    for extra in ("labeldesk.db-wal", "labeldesk.db-shm"):
        (path / extra).unlink(missing_ok=True)
    os.truncate(path / "labeldesk.db", 0)
    assert not window.open_project(path)
    assert len(shown) == 1
    assert shown[0].startswith(f"Cannot open {path}: the project database")
    assert "is damaged" in shown[0] and "restore labeldesk.db from a backup" in shown[0]
    assert window.session is None and (path / "labeldesk.db").stat().st_size == 0
