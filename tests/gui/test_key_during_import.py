"""A label key pressed while a job of the window holds the project's one writer (an
import's single transaction) waits at most the session's short wait, then says nothing
was saved; it froze the window for the whole import (14 s at 200k images,
benchmarks/bench_gui_stalls.py: key_in_import)."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from gui.label_key import focused_on
from labeldesk.gui.session import GUI_WRITE_WAIT_S

U0 = "_unlabeled/u0.png"


def test_a_key_during_a_long_write_of_a_job_says_busy_and_saves_nothing(qtbot, view, project):
    assert GUI_WRITE_WAIT_S <= 5
    u0, row, errors = focused_on(view, project, U0)
    held, release = threading.Event(), threading.Event()

    def import_job() -> None:
        with project.db.write():
            held.set()
            release.wait(30)  # the old code's key waited for this (then labeled)

    job = threading.Thread(target=import_job)
    job.start()
    try:
        assert held.wait(10)
        qtbot.keyClick(view.grid, Qt.Key.Key_2)
        still_held = job.is_alive()
    finally:
        release.set()
        job.join()
    assert still_held  # the key returned while the write was under way
    assert len(errors) == 1 and errors[0].startswith("Nothing was saved: the project database")
    assert project.image_states([u0])[0].label is None
    assert view.grid.selected_rows().tolist() == [row]  # not moved on: nothing happened
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # once the write is done, the key works
    assert project.image_states([u0])[0].label == "dog"
