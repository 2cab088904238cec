"""One ProjectSession per open project: its writes as signals, and one exclusive job."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from labeldesk.core import changes
from labeldesk.core.project import open_project
from labeldesk.gui.session import ProjectSession
from labeldesk.gui.workers import Job


def _waiting_job(gate: threading.Event, name: str = "Embeddings") -> Job:
    return Job(lambda *, progress, cancel: gate.wait(10), name)


def test_a_write_in_a_worker_thread_arrives_on_the_gui_thread(qtbot, project):
    session = ProjectSession(open_project(project.path))
    got: list[tuple[object, bool]] = []
    session.changed.connect(lambda c: got.append((c, QThread.currentThread() == session.thread())))

    def write(*, progress, cancel):
        return session.project.set_label("_unlabeled/u0.png", "cat")

    job = session.start(Job(write, "label"))
    qtbot.waitUntil(lambda: len(got) == 1, timeout=5000)
    written, on_gui_thread = got[0]
    assert on_gui_thread and written == job.result and written.kind == changes.LABEL
    session.close()


def test_a_write_on_the_gui_thread_is_delivered_before_the_call_returns(qtbot, project):
    session = ProjectSession(open_project(project.path))
    got = []
    session.changed.connect(got.append)
    written = session.project.set_status(["train/cat/cat0.jpg"], "excluded")
    assert got == [written]  # a label key's rows repaint before the next key
    session.close()


def test_one_exclusive_job_at_a_time_and_the_refusal_says_which(qtbot, project):
    session = ProjectSession(open_project(project.path))
    refused, busy = [], []
    session.refused.connect(refused.append)
    session.busyChanged.connect(busy.append)
    gate = threading.Event()
    first = _waiting_job(gate)
    assert session.start_exclusive(first, "Computing embeddings") is first
    assert session.busy and "Computing embeddings" in (session.blocker() or "")
    second = _waiting_job(threading.Event(), "Rescan")
    assert session.start_exclusive(second, "Rescanning") is None and not second.running
    assert refused and "Computing embeddings" in refused[0]
    reader = session.start(_waiting_job(gate, "search"))  # readers are not exclusive
    assert reader.running
    # busyChanged(False) comes from the session's slot on the job's end, a later one than
    # the job's own that makes session.busy False
    with qtbot.waitSignal(session.busyChanged, timeout=5000):
        gate.set()
    assert busy == [True, False] and not session.busy and session.blocker() is None
    session.close()


def test_close_cancels_jobs_stops_relaying_and_closes_the_project(qtbot, project):
    session = ProjectSession(open_project(project.path))
    got = []
    session.changed.connect(got.append)
    seen_cancel = threading.Event()

    def long(*, progress, cancel):
        while not cancel.cancelled:
            threading.Event().wait(0.01)
        seen_cancel.set()

    session.start_exclusive(Job(long, "Training"), "Training")
    other = open_project(project.path)  # a second handle, to write after the close
    proj = session.project
    session.close()
    assert seen_cancel.is_set() and session.closed
    assert proj.events.publish(changes.Changes(kind=changes.STATUS, image_ids=(1,)))
    assert got == []  # unsubscribed
    assert session.blocker() == "The project is closing"
    other.close()


def test_leaving_a_page_for_the_browser_keeps_its_place_and_rereads_only_changed_rows(
    qtbot, window, project
):
    window.open_project(project.path)
    view = window.view
    view.grid.select_row(5)
    catalog = view.model.catalog
    window.show_statistics()
    path = view.model.path(2)
    window.project.set_label(path, "dog")  # e.g. a review key, while the grid is hidden
    window.show_browser()
    assert view.model.catalog is catalog  # not re-read from scratch
    assert list(view.grid.selected_rows()) == [5]
    position = catalog.positions_of_paths([path])[0]
    assert catalog.labels[position] == "dog"


def test_undo_in_the_browser_refreshes_the_rows_it_changed_back(qtbot, window, project):
    window.open_project(project.path)
    view = window.view
    path = "_unlabeled/u0.png"
    window.project.set_label(path, "cat")
    catalog = view.model.catalog
    position = catalog.positions_of_paths([path])[0]
    assert catalog.labels[position] == "cat"
    view.labeling.undo()
    assert catalog.labels[position] is None
