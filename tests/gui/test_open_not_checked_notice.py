"""The app's Open on a project LabelDesk found damaged before (a note beside its
database) whose check cannot run now (another program holds it locked, a read error):
it opens read-only, and the notice says what to do about that (close the other program,
fix the read problem, open it again), not how to repair a damaged database, which it
used to say ("… until it is repaired: copy the project folder somewhere safe, then
restore labeldesk.db …")."""

from __future__ import annotations

import sqlite3

import pytest
from damaged_pages import sample_project

import labeldesk.core.damage_note as damage_note
from labeldesk.core.damage_note import record_damage
from labeldesk.core.read_only_db import read_only_advice
from labeldesk.gui.review_words import read_only_banner_text
from labeldesk.gui.window_notices import read_only_note


def _open_noted(qtbot, window, tmp_path, monkeypatch, error: str) -> str:
    folder = sample_project(tmp_path)
    record_damage(folder / "labeldesk.db", "database disk image is malformed")

    def failing(*args, **kwargs):
        raise sqlite3.OperationalError(error)

    monkeypatch.setattr(damage_note, "read_only_connection", failing)  # the check only
    notices: list[str] = []
    window.notify_error = lambda message, dialog=True: notices.append(message)
    assert window.open_project(folder)
    qtbot.waitUntil(lambda: window.view is not None)  # after the check (off the GUI thread)
    assert window.windowTitle() == "proj (read-only) — LabelDesk"
    assert len(notices) == 1
    return notices[0]


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        ("database is locked", "close the other program that has labeldesk.db open"),
        ("disk I/O error", "fix the read problem"),
    ],
)
def test_a_check_that_could_not_run_gives_its_own_advice(
    qtbot, window, tmp_path, monkeypatch, error, advice
):
    notice = _open_noted(qtbot, window, tmp_path, monkeypatch, error)
    assert f"could not be checked now ({error})" in notice
    assert advice in notice
    assert "then open the project again, or run any command on it, to have it checked" in notice
    for repair in ("until it is repaired", "restore labeldesk.db", ".recover", "is damaged"):
        assert repair not in notice
    reason = window.project.read_only
    assert notice.endswith(read_only_note(reason))  # (the counts line's tooltip too)
    banner = read_only_banner_text(reason)
    assert advice in banner.lower() and "restore labeldesk.db" not in banner
    window.close_project()


def test_damage_found_still_gives_the_repair(qtbot, window, tmp_path, monkeypatch):
    notice = _open_noted(qtbot, window, tmp_path, monkeypatch, "database disk image is malformed")
    assert "is damaged" in notice and "until it is repaired" in notice
    assert "restore labeldesk.db from a backup" in notice
    window.close_project()


def test_the_notice_and_the_review_banner_give_the_same_repair_once(
    qtbot, window, tmp_path, monkeypatch
):
    """The review's banner had its own shorter copy of the repair ("… or rescue it (see
    the README's section on damaged projects)"), unlike the notice on opening."""
    notice = _open_noted(qtbot, window, tmp_path, monkeypatch, "database disk image is malformed")
    reason = window.project.read_only
    advice = read_only_advice(reason)
    assert advice.startswith("copy the project folder somewhere safe") and ".recover" in advice
    banner = read_only_banner_text(reason)
    for text in (notice, banner):
        assert text.count(advice) == 1 and text.count("restore labeldesk.db") == 1
        assert text.endswith(f"To repair it, {advice}.")  # the same sentence
    assert "README" not in banner
    # the notice in paragraphs: why (its first line, the status bar's), what works, what to do
    why, works, repair = notice.split("\n\n")
    assert why.startswith(f"Opened {window.project.path} read-only: the project database")
    assert why.endswith(
        "is damaged (database disk image is malformed; LabelDesk found it so "
        "earlier and left labeldesk.db-damaged.txt beside it)."
    )
    assert works.endswith("but not label or change it until it is repaired.")
    assert repair == f"To repair it, {advice}."
    window.close_project()
