"""Pinning the head in use (a write on the GUI thread) while the project is busy with
another write says that nothing was saved; the exception left the slot unseen and the
button looked as if it had worked (more likely now that the GUI thread waits only
briefly for another write)."""

from __future__ import annotations

import sqlite3

from labeldesk.gui.model_versions_box import VersionsBox
from labeldesk.gui.workers import JobRunner
from labeldesk.ml.model_choice import PINNED_KEY


def test_unpin_on_a_busy_project_says_nothing_was_saved(qtbot, project):
    runner = JobRunner()
    box = VersionsBox(project, runner)
    qtbot.addWidget(box)
    project.db.set_meta(PINNED_KEY, "7")
    errors: list[str] = []
    pinned: list[bool] = []
    box.error.connect(errors.append)
    box.pinned.connect(lambda: pinned.append(True))
    project.db.limit_waits(0.05)  # as a session does for the GUI thread
    other = sqlite3.connect(project.db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # `labeldesk import` in a terminal
    try:
        box.unpin()
    finally:
        other.execute("ROLLBACK")
        other.close()
        project.db.limit_waits(None)
    assert len(errors) == 1 and errors[0].startswith("Nothing was saved: the project database")
    assert pinned == [] and project.db.get_meta(PINNED_KEY) == "7"
    box.unpin()
    assert pinned == [True] and project.db.get_meta(PINNED_KEY) == ""
    runner.shutdown()
