"""A label write on many images (a select-all key, its undo) runs in the background: the
window keeps painting, the labeling keys wait for it with a message, and the rows are
re-read off the GUI thread too. (Thresholds lowered here: the real one is 5,000.)"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt


def test_a_big_label_write_and_its_undo_run_in_the_background(qtbot, view, project, monkeypatch):
    from labeldesk.core import project_writes
    from labeldesk.gui import labeling, row_refresh

    monkeypatch.setattr(labeling, "BACKGROUND_WRITE", 3)
    monkeypatch.setattr(row_refresh, "BACKGROUND_ROWS", 3)
    gate, writer = threading.Event(), []
    real_set_labels = project_writes.ProjectWrites.set_labels

    def held_set_labels(self, labels, **kwargs):
        writer.append(threading.current_thread() is threading.main_thread())
        gate.wait(10)  # the write takes a while
        return real_set_labels(self, labels, **kwargs)

    monkeypatch.setattr(project_writes.ProjectWrites, "set_labels", held_set_labels)
    messages: list[str] = []
    view.labeling.message.connect(messages.append)
    before = project.images().label.to_dict()
    view.grid.setFocus()
    view.grid.selectAll()
    chosen = len(view.grid.selected_rows())
    try:
        qtbot.keyClick(view.grid, Qt.Key.Key_2)  # returns while the write still runs
        job = view.labeling.writing
        assert job is not None and job.running
        assert project.images().label.to_dict() == before  # nothing committed yet
        qtbot.keyClick(view.grid, Qt.Key.Key_1)  # refused, not queued behind it
        view.labeling.undo()
        assert messages[-1].startswith("Wait for “Labeling")
        gate.set()
        # (the write's own end: its rows, counts and message follow in a later slot than
        # the one that sets job.running)
        qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)
    finally:
        gate.set()
    assert writer == [False]  # once, off the GUI thread
    labels = project.images(include_skipped=False).label
    assert (labels == "dog").all() and len(labels) == chosen
    assert view.catalog.label_counts(None) == {"cat": 0, "dog": chosen, None: 0}
    assert messages[-1] == f"{chosen:,} images → dog"

    view.labeling.undo()  # as big: in the background as well
    undo = view.labeling.writing
    assert undo is not None
    qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)
    assert project.images().label.to_dict() == before
    assert view.catalog.label_counts(None) == {"cat": 8, "dog": 8, None: 3}
    assert messages[-1].startswith("Undid ") and "“label 19 images as 'dog'”" in messages[-1]
