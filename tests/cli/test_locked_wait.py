"""A command that must wait for another program's write (a sqlite3 shell, a script or
another LabelDesk holding a write transaction) says on stderr that it waits and why,
instead of hanging silently for up to a minute; once the other write ends it goes on,
and the label is saved."""

from __future__ import annotations

import json
import sqlite3
import threading

from labeldesk.cli import main
from labeldesk.core.project import open_project

HOLD_S = 3.0  # longer than the quiet first second of the wait


def test_a_write_waiting_for_another_program_says_so_then_goes_on(project, capsys):
    path = str(project.path)
    project.close()
    other = sqlite3.connect(
        project.path / "labeldesk.db", isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(HOLD_S, lambda: other.execute("ROLLBACK"))
    release.start()
    try:
        code = main(["label", path, "_unlabeled/u0.png", "dog", "--json"])
    finally:
        release.join()
        other.close()
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out)["applied"] == 1
    assert "waiting for the project database: another program is writing to it" in captured.err
    with open_project(path) as reopened:
        assert reopened.history(limit=1)[0].new_label == "dog"


def test_no_wait_no_word(project, capsys):
    path = str(project.path)
    project.close()
    assert main(["label", path, "_unlabeled/u0.png", "dog", "--json"]) == 0
    assert "waiting" not in capsys.readouterr().err


def test_a_write_that_waits_out_the_minute_stops_as_database_busy(project, capsys, monkeypatch):
    """README's contract: after the wait, nothing written, `"kind": "DatabaseBusy"`,
    exit 1 (the write raising ProjectBusyError made it "ProjectBusyError")."""
    from labeldesk.core import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)  # the minute, shortened
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.05)
    monkeypatch.setattr(db, "QUIET_WAIT_MS", 10)
    path = str(project.path)
    project.close()
    other = sqlite3.connect(project.path / "labeldesk.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        code = main(["label", path, "_unlabeled/u0.png", "dog", "--json"])
    finally:
        other.execute("ROLLBACK")
        other.close()
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["kind"] == "DatabaseBusy"
    assert "busy" in doc["error"] and "Nothing was saved" in doc["error"]
    with open_project(path) as reopened:
        label = reopened.images().set_index("path").label["_unlabeled/u0.png"]
        assert label != "dog"  # nothing written
