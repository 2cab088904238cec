"""A project's damage notice reaches the window after the event loop turns (queued). When
another project was opened meanwhile, that notice is the closed project's: the project
now open must not be reopened (with a "Reopened … read-only" notice's path) for it."""

from __future__ import annotations

from pathlib import Path

from helpers import make_imagefolder

from labeldesk.core.create import create_and_index


def _project(tmp_path: Path, name: str) -> Path:
    make_imagefolder(tmp_path / f"{name}-images")
    project, _ = create_and_index(tmp_path / name, tmp_path / f"{name}-images", workers=1)
    project.close()
    return project.path


def test_damage_of_a_closed_project_does_not_reopen_the_next(qtbot, window, tmp_path):
    first, second = _project(tmp_path, "a"), _project(tmp_path, "b")
    assert window.open_project(first)
    old = window.session
    old.damaged.emit()  # queued: met while project a was open, delivered later
    assert window.open_project(second)
    session = window.session
    qtbot.wait(50)  # the queued notice arrives
    assert window.session is session  # project b was left as it was opened
    assert window.project is not None and window.project.path == second


def test_damage_of_the_open_project_still_reopens_it(qtbot, window, tmp_path, monkeypatch):
    folder = _project(tmp_path, "a")
    assert window.open_project(folder)
    reopened: list[Path] = []
    monkeypatch.setattr(window, "open_project", lambda path, **kw: reopened.append(path) or True)
    window.session.damaged.emit()
    qtbot.waitUntil(lambda: reopened == [folder])


def test_a_reopen_that_fails_says_why_in_a_notice(qtbot, window, tmp_path, monkeypatch):
    """Damage met, and the read-only reopen fails too (the folder went, a lock): the
    window goes to the start page with a notice saying why, not a status-bar line only
    (the damage already told had the notice held back, as if the reopen would say it)."""
    from labeldesk.core.errors import LabelDeskError

    folder = _project(tmp_path, "a")
    assert window.open_project(folder)
    notices: list[str] = []
    monkeypatch.setattr(
        "labeldesk.gui.window_notices.show_error", lambda _parent, text: notices.append(text)
    )
    monkeypatch.setattr(window.session, "check_damage", lambda: True)  # the note is there

    def cannot(path, *_checked):
        raise LabelDeskError("the project database is locked by another program")

    monkeypatch.setattr("labeldesk.gui.main_window.open_project", cannot)
    window.session.damaged.emit()
    qtbot.waitUntil(lambda: window.project is None)
    assert len(notices) == 1, notices
    assert notices[0].startswith(f"Cannot open {folder}: the project database is locked")
