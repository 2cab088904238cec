"""GUI fixtures: isolated QSettings, a project view and a main window over the test project."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtWidgets import QApplication

from gui.shown import shown

JOB_END_WAIT_S = 150.0  # a cancelled child process gets 60 s, then is killed (STOP_WAIT_S)


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread(qapp) -> Iterator[None]:
    """As in the app: Python's cyclic garbage collected by a timer of the GUI thread,
    never on a worker thread (labeldesk.gui.gc_on_gui_thread). The timer ticks only while
    a test runs the event loop: automatic collection comes back after the test, for the
    tests that follow in the same process (tests/ml's, under xdist)."""
    from labeldesk.gui import gc_on_gui_thread

    gc_on_gui_thread.install()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def no_job_outlives_its_test() -> Iterator[None]:
    """After the test's windows and pages closed (each cancels its jobs and waits only so
    long), cancel the jobs still running and wait for them to end: on a busy machine a
    job one test gave up on ran on into the next (a cross-fit, then a crashed worker; a
    child-process embedding, then a hung test_main_window). Jobs that had ended cost
    nothing; the wait processes events, so a job's queued signals are delivered."""
    yield
    from labeldesk.gui.workers import unfinished_jobs

    jobs = unfinished_jobs()
    for job in jobs:
        job.token.cancel()  # (no signal: the widgets that would hear it are gone)
    deadline = time.monotonic() + JOB_END_WAIT_S
    app = QApplication.instance()
    while any(not job.let_go.is_set() for job in jobs) and time.monotonic() < deadline:
        if app is not None:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.01)
    left = [job.name for job in jobs if not job.let_go.is_set()]
    assert not left, f"jobs still running {JOB_END_WAIT_S:.0f} s after the test: {left}"


@pytest.fixture(autouse=True)
def status_messages_stay(monkeypatch) -> None:
    """A status-bar message stays until the next one (the app clears it after 6 s): tests
    read it once a job has ended, and on a busy machine more than 6 s could pass between
    the job's end and the read (test_embed_up_to_date read '' at load ~20)."""
    from labeldesk.gui import window_notices

    monkeypatch.setattr(window_notices, "MESSAGE_MS", 600_000)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Iterator[Path]:
    """Every test gets empty settings; the user's real ones are never touched."""
    folder = tmp_path / "qsettings"
    folder.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    from labeldesk.gui import settings

    # New projects embed right after indexing; tests that want that turn it back on.
    settings.set_embed_new_projects(False)
    yield folder


@pytest.fixture(autouse=True)
def insights_in_process(monkeypatch) -> None:
    """Model insights computed in this process (a child per test would cost seconds);
    tests/gui/test_browser_insights.py checks the child-process path once."""
    from labeldesk.gui.insights_feed import InsightsFeed

    monkeypatch.setattr(InsightsFeed, "in_process", True)


@pytest.fixture(autouse=True)
def drift_in_process(monkeypatch) -> None:
    """The Drift page's check in this process: the tests' backbone is registered here
    only, and a child per check would cost seconds."""
    from labeldesk.gui.drift_page import DriftPage

    monkeypatch.setattr(DriftPage, "in_process", True)


@pytest.fixture
def light_theme(qapp: QApplication) -> Iterator[None]:
    """Restore the light palette after a test that switches themes."""
    from labeldesk.gui.theme import apply_theme

    yield
    apply_theme(qapp, "light")


def shown_view(qtbot, project, width: int, height: int, *, focused: bool = True):
    """A ProjectView of ``project``, ``width`` x ``height``, shown and (``focused``) the
    active window with its grid focused."""
    from labeldesk.gui.project_view import ProjectView

    widget = ProjectView(project)
    shown(qtbot, widget, (width, height))
    if focused:
        widget.activateWindow()
        widget.grid.setFocus()
    return widget


@pytest.fixture
def view(qtbot, project):
    """A shown ProjectView with the grid focused, shut down after the test."""
    widget = shown_view(qtbot, project, 1200, 800)
    yield widget
    widget.shutdown()


@pytest.fixture
def insight_view(qtbot, clustered):
    """A project view over the clustered project, focused, its model insights computed."""
    widget = shown_view(qtbot, clustered[0], 1300, 850)
    qtbot.waitUntil(lambda: widget.catalog.insights is not None, timeout=20000)
    yield widget
    widget.shutdown()


@pytest.fixture
def window(qtbot):
    """A main window with no project; tests open one. Closed (jobs cancelled) afterwards."""
    from labeldesk.gui.main_window import MainWindow

    win = MainWindow()
    shown(qtbot, win, (1200, 800))
    yield win
    win.close()


@pytest.fixture
def child_targets(monkeypatch) -> list[str]:
    """The job functions handed to a child process (``run_in_child``), in order; the
    children still run."""
    from labeldesk.ml import child_jobs

    targets: list[str] = []
    real = child_jobs.run_in_child

    def recording(target, *args, **kwargs):
        targets.append(target)
        return real(target, *args, **kwargs)

    monkeypatch.setattr(child_jobs, "run_in_child", recording)
    return targets


@pytest.fixture(autouse=True)
def yes_to_many_labels(monkeypatch):
    """A label key on many labeled images asks first (a modal question that would hold
    a test forever): tests of big writes answer Yes; the question's own test asks."""
    from labeldesk.gui.labeling import LabelingController

    monkeypatch.setattr(LabelingController, "confirm", lambda self, title, text: True)


@pytest.fixture
def panel(qtbot, clustered_project, monkeypatch):
    """A Training panel (1000x700, shown) on a small clustered project; shut down (its job
    stopped, the project closed) afterwards. ``training_panel`` also waits until it is
    the active window, for the tests of focus. The device is taken as found (the check's
    child process, test_the_device_is_found_in_a_child_process's subject, would run
    before each test's job until one panel lived to hear its answer)."""
    from labeldesk.gui.training_panel import TrainingPanel

    monkeypatch.setattr(TrainingPanel, "detected_device", "cpu (no GPU found)")
    widget = TrainingPanel(clustered_project)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    yield widget
    widget.shutdown()


@pytest.fixture
def training_panel(qtbot, clustered_project):
    """A Training panel on a small clustered project, shown and the active window; shut
    down (its job stopped, the project closed) afterwards."""
    from labeldesk.gui.training_panel import TrainingPanel

    panel = TrainingPanel(clustered_project)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    yield panel
    panel.shutdown()


@pytest.fixture
def trained_head(clustered_project):
    """``(project, version)``: the clustered project with a head trained on it (5 epochs)."""
    from labeldesk.ml.train import HeadParams, train_head

    return clustered_project, train_head(clustered_project, HeadParams(epochs=5))


@pytest.fixture
def scored_view(qtbot, clustered):
    """A project view over the clustered project, shown, its first scores computed."""
    widget = shown_view(qtbot, clustered[0], 1300, 850, focused=False)
    qtbot.waitUntil(lambda: widget.catalog.expected_errors is not None, timeout=20000)
    qtbot.waitUntil(lambda: not widget.feed.busy, timeout=20000)
    yield widget
    widget.shutdown()


@pytest.fixture
def runner(qtbot):
    """A job runner for a review page; its jobs waited for and it shut down afterwards."""
    from labeldesk.gui.workers import JobRunner

    jobs = JobRunner()
    yield jobs
    jobs.pool.waitForDone(10000)
    jobs.shutdown()


@pytest.fixture
def issues_view(qtbot, clustered, runner):
    """The review of likely mislabels over the clustered project, loaded and focused."""
    from gui.review_views import open_review

    view = open_review(qtbot, clustered[0], runner, "issues")
    yield view
    view.shutdown()


@pytest.fixture
def queue_view(qtbot, clustered, runner):
    """The labeling queue over the clustered project, loaded and focused."""
    from gui.review_views import open_review

    view = open_review(qtbot, clustered[0], runner, "queue")
    yield view
    view.shutdown()


@pytest.fixture
def export_dialog(qtbot, clustered_project):
    """An Export dialog on a small clustered project, shown; shut down and the project
    closed afterwards."""
    from labeldesk.gui.export_dialog import ExportDialog

    dialog = ExportDialog(clustered_project)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    yield dialog
    dialog.shutdown()


@pytest.fixture
def opened(qtbot, window, tmp_path):
    """(window, the planted errors): the main window on the clustered project (two
    planted errors), its insights computed."""
    from ml.fake_embeddings import make_clustered_project

    project, flipped = make_clustered_project(tmp_path)
    project.close()
    assert window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.catalog.insights is not None, timeout=20000)
    return window, flipped
