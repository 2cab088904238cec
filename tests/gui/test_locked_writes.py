"""A key whose write fails outside LabelDesk's own checks (the database locked by another
process past the wait, a read-only or full disk) says that nothing was saved; the
exception used to leave the Qt slot unseen, and the key looked as if it had worked."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt

from gui.label_key import focused_on
from labeldesk.gui.review_view import ReviewView

U0 = "_unlabeled/u0.png"


@contextmanager
def locked(project) -> Iterator[None]:
    """Another process's write transaction, held past the app's (shortened) wait."""
    project.db.conn.execute("PRAGMA busy_timeout=100")
    project.db.limit_waits(0.1)  # the GUI thread's wait (a session sets 2 s)
    other = sqlite3.connect(project.db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
        project.db.conn.execute("PRAGMA busy_timeout=60000")
        project.db.limit_waits(None)


def test_a_label_key_on_a_locked_database_says_nothing_was_saved(qtbot, view, project):
    u0, row, errors = focused_on(view, project, U0)
    with locked(project):
        qtbot.keyClick(view.grid, Qt.Key.Key_2)
        qtbot.keyClick(view.grid, Qt.Key.Key_X)
        view.labeling.undo()
        assert view.labeling.add_classes(["bird"]) == []
    assert len(errors) == 4
    assert all(e.startswith("Nothing was saved: the project database is busy") for e in errors)
    assert project.image_states([u0])[0].label is None
    assert view.grid.selected_rows().tolist() == [row]  # not moved on: nothing happened
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # once the lock is gone, the key works
    assert project.image_states([u0])[0].label == "dog"


def test_a_duplicate_group_write_on_a_locked_database_says_so(qtbot, view, project):
    errors: list[str] = []
    view.error.connect(errors.append)
    with locked(project):
        assert not view.write(lambda: project.set_status([U0], "excluded"), [U0], "done")
    assert len(errors) == 1 and errors[0].startswith("Nothing was saved")


def test_a_review_key_on_a_locked_database_says_nothing_was_saved(qtbot, clustered, runner):
    project, _ = clustered
    review = ReviewView(project, runner)
    qtbot.addWidget(review)
    review.show()
    with qtbot.waitSignal(review.loaded, timeout=20000):
        review.load("issues")
    errors: list[str] = []
    review.error.connect(errors.append)
    shown = review.session.current
    try:
        with locked(project):
            review._act(lambda s: s.accept())
            review.undo()
        assert len(errors) == 1 and errors[0].startswith("Nothing was saved")
        assert review.session.current == shown and review.session.reviewed == 0
    finally:
        review.shutdown()
        runner.pool.waitForDone(10000)
