"""While the browser's big label write runs in the background, a review key and a
duplicate-group action are refused with the browser's message instead of waiting for it
on the GUI thread (the window would freeze). (Threshold lowered here: the real one is
5,000.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt

from gui.leaking_copy import LEAK, open_leaking_group
from labeldesk.core.vocab import EXCLUDED


@pytest.fixture
def held_writes(monkeypatch) -> Iterator[threading.Event]:
    """set_labels waits for the returned gate; set_status may not run on the GUI thread."""
    from labeldesk.core import project_writes
    from labeldesk.gui import labeling

    monkeypatch.setattr(labeling, "BACKGROUND_WRITE", 3)
    gate = threading.Event()
    real_set_labels = project_writes.ProjectWrites.set_labels

    def held(self, labels, **kwargs):
        gate.wait(10)
        return real_set_labels(self, labels, **kwargs)

    monkeypatch.setattr(project_writes.ProjectWrites, "set_labels", held)
    yield gate
    gate.set()


def start_big_write(view) -> object:
    """Label every image of the browser as its second class, held in the background."""
    view.grid.selectAll()
    view.labeling.label_selection(view.catalog.classes[1])
    job = view.labeling.writing
    assert job is not None and job.running
    return job


def test_review_keys_wait_for_a_big_write(qtbot, window, tmp_path, held_writes):
    project, _ = make_clustered_project(tmp_path)
    path = project.path
    project.close()
    assert window.open_project(path)
    browser = window.view
    window.menus.review_issues_action.trigger()
    review = window.review.view
    qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
    session = review.session
    first = session.current
    job = start_big_write(browser)
    messages: list[str] = []
    review.message.connect(messages.append)
    review.setFocus()
    for key in (Qt.Key.Key_Return, Qt.Key.Key_1, Qt.Key.Key_X, Qt.Key.Key_Z):
        qtbot.keyClick(review, key)
        assert messages[-1].startswith("Wait for “Labeling "), key
    assert session.current is first and session.decided(first) is None
    assert window.project.images().set_index("path").loc[first.path].label == "ant"

    held_writes.set()
    qtbot.waitUntil(lambda: not job.running and not browser.rows.busy, timeout=10000)
    qtbot.keyClick(review, Qt.Key.Key_Return)  # now it decides
    assert session.decided(first) is not None
    assert window.project.images().set_index("path").loc[first.path].label == "bee"


def test_duplicate_group_actions_wait_for_a_big_write(qtbot, window, project, held_writes):
    _, dialog = open_leaking_group(qtbot, window, project)
    job = start_big_write(window.view)
    kept = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[0])
    assert not dialog.keep(dialog.groups[0], kept.member)
    assert dialog.count_label.text().startswith("Wait for “Labeling ")
    undone: list[bool] = []
    dialog.undo_change = lambda: undone.append(True)
    dialog.undo()  # refused too: the undo would wait for the write
    assert undone == [] and dialog.count_label.text().startswith("Wait for “Labeling ")
    held_writes.set()
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    statuses = window.project.images().set_index("path").status
    assert statuses.loc[LEAK[1]] != EXCLUDED  # the refused action wrote nothing
    assert dialog.keep(dialog.groups[0], kept.member)  # once it ended, it runs
    statuses = window.project.images().set_index("path").status
    assert statuses.loc[LEAK[1]] == EXCLUDED
