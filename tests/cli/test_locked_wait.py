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
