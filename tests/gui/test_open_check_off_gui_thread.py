"""Opening a project found damaged before checks its whole database first (seconds at a
million images). The check ran inside the open, on the GUI thread: the window froze,
unpainted, saying nothing, after damage was met in it as much as on an Open. Now it runs
as a job, the job bar and the status bar say the project is being checked, and the
project opens (read-only while damaged, writable once sound) when the check ends."""

from __future__ import annotations

import threading

import pytest
from damaged_pages import digest, sample_project, zero_last_images_page

from labeldesk.core import damage_note
from labeldesk.core.damage_note import NOTE_NAME, record_damage
from labeldesk.core.read_only_db import DamagedReason


@pytest.fixture
def held_check(monkeypatch):
    """The damage check, held until the test lets it go; records its thread."""
    real = damage_note.check_database
    release = threading.Event()
    threads: list[threading.Thread] = []

    def check(db_file):
        threads.append(threading.current_thread())
        release.wait(timeout=10)  # (run on the GUI thread, it would hold the test here)
        return real(db_file)

    monkeypatch.setattr(damage_note, "check_database", check)
    yield release, threads
    release.set()


def _damaged(tmp_path):
    folder = sample_project(tmp_path)
    zero_last_images_page(folder, "images_hash")  # an index the grid does not read
    record_damage(folder / "labeldesk.db", "database disk image is malformed")
    return folder


def test_the_check_runs_off_the_gui_thread_and_the_window_says_so(
    qtbot, window, tmp_path, held_check
):
    release, threads = held_check
    folder = _damaged(tmp_path)
    before = digest(folder / "labeldesk.db")
    notices: list[str] = []
    window.notify_error = lambda message, dialog=True: notices.append(message)
    assert window.open_project(folder)  # returns at once: the check is under way
    qtbot.waitUntil(lambda: bool(threads))
    assert threads[0] is not threading.main_thread()
    assert window.checking and window.view is None
    assert window.job_widget.label.text() == "Checking proj (found damaged before)…"
    assert window.statusBar().currentMessage().startswith(f"Checking {folder} before opening")
    release.set()
    qtbot.waitUntil(lambda: window.view is not None)
    assert not window.checking
    assert isinstance(window.project.read_only, DamagedReason)
    assert len(threads) == 1  # the open found the check's verdict: not checked again
    assert len(notices) == 1 and notices[0].startswith(f"Opened {folder} read-only")
    window.close_project()
    assert digest(folder / "labeldesk.db") == before


def test_a_sound_file_opens_writable_after_the_check(qtbot, window, tmp_path, held_check):
    release, threads = held_check
    folder = sample_project(tmp_path)
    record_damage(folder / "labeldesk.db", "database disk image is malformed")  # for nothing
    assert window.open_project(folder)
    qtbot.waitUntil(lambda: bool(threads))
    assert threads[0] is not threading.main_thread()
    release.set()
    qtbot.waitUntil(lambda: window.view is not None)
    assert window.project.read_only is None
    assert not (folder / NOTE_NAME).exists()


def test_another_open_during_the_check_wins(qtbot, window, tmp_path, held_check):
    release, threads = held_check
    damaged = _damaged(tmp_path / "a")
    other = sample_project(tmp_path / "b")
    assert window.open_project(damaged)
    qtbot.waitUntil(lambda: bool(threads))
    assert window.open_project(other)  # no note: opened at once
    assert window.project.path == other.resolve()
    release.set()
    qtbot.waitUntil(lambda: not window._check_runner.active)
    qtbot.wait(50)  # (the check's end delivered)
    assert window.project.path == other.resolve()  # the check's end opened nothing


def test_a_check_that_could_not_run_is_not_run_again_on_the_gui_thread(
    qtbot, window, tmp_path, monkeypatch
):
    import sqlite3

    from labeldesk.core.read_only_db import NotCheckedReason

    folder = sample_project(tmp_path)
    record_damage(folder / "labeldesk.db", "database disk image is malformed")
    tries: list[threading.Thread] = []

    def locked(*args, **kwargs):  # another program holds the file (after its wait)
        tries.append(threading.current_thread())
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(damage_note, "read_only_connection", locked)
    window.notify_error = lambda message, dialog=True: None
    assert window.open_project(folder)
    qtbot.waitUntil(lambda: window.view is not None)
    assert isinstance(window.project.read_only, NotCheckedReason)
    assert len(tries) == 1 and tries[0] is not threading.main_thread()
