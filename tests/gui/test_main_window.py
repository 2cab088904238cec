"""The main window: opening, creating and rescanning projects, settings, notices."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from helpers import write_image
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from labeldesk.core.progress import Progress, no_progress
from labeldesk.core.project import Project
from labeldesk.gui import settings
from labeldesk.gui.app import create_application, run
from labeldesk.gui.dialogs import ShortcutsDialog
from labeldesk.gui.icons import app_icon
from labeldesk.gui.main_window import MainWindow
from labeldesk.gui.project_jobs import ProjectJobs
from labeldesk.gui.shortcuts import shortcut_table
from labeldesk.gui.workers import Job


def test_opening_a_project_shows_it_and_remembers_it(window, project):
    assert window.view is None and window.stack.currentWidget() is window.start_page
    assert window.open_project(project.path)
    assert window.view is not None and window.view.model.rowCount() == 19
    assert "19 images" in window.counts_label.text()
    assert settings.recent_projects() == [project.path]
    window.close_project()
    assert window.stack.currentWidget() is window.start_page
    assert window.start_page.recent.item(0).toolTip() == str(project.path)


def test_the_counts_line_speaks_of_the_browser_only_while_it_shows(window, project):
    """On Statistics (or any other page) the line still ended "showing 19 · 1 selected",
    about a grid out of sight."""
    window.open_project(project.path)
    try:
        window.view.grid.select_row(0)
        assert window.counts_label.text().endswith("showing 19 · 1 selected")
        window.show_statistics()
        text = window.counts_label.text()
        assert "19 images" in text and "showing" not in text and "selected" not in text
        window.show_browser()
        assert window.counts_label.text().endswith("showing 19 · 1 selected")
    finally:
        window.close_project()


def test_a_folder_that_is_not_a_project_gives_one_notice(qtbot, window, tmp_path):
    assert not window.open_project(tmp_path)
    notices = [b for b in window.findChildren(QMessageBox) if b.objectName() == "errorNotice"]
    assert len(notices) == 1 and "not a LabelDesk project" in notices[0].text()
    assert window.view is None
    notices[0].close()


def test_a_damaged_project_database_gives_one_notice(qtbot, window, tmp_path):
    (tmp_path / "labeldesk.db").write_bytes(b"garbage" * 1000)
    assert not window.open_project(tmp_path)
    notices = [b for b in window.findChildren(QMessageBox) if b.objectName() == "errorNotice"]
    assert len(notices) == 1 and "is damaged" in notices[0].text()
    assert window.view is None and window.project is None
    notices[0].close()


def test_last_project_is_reopened_if_it_still_exists(qtbot, project, tmp_path):
    settings.add_recent_project(project.path)
    reopened = MainWindow()
    qtbot.addWidget(reopened)
    reopened.open_initial(None)
    assert reopened.project is not None and reopened.project.path == project.path
    reopened.close()

    gone = tmp_path / "gone"
    shutil.copytree(project.path, gone)
    settings.add_recent_project(gone)
    shutil.rmtree(gone)
    fresh = MainWindow()
    qtbot.addWidget(fresh)
    fresh.open_initial(None)  # the newest existing one: the first project again
    assert fresh.project is not None and fresh.project.path == project.path
    fresh.close()


def test_rescan_picks_up_new_images(qtbot, window, project):
    window.open_project(project.path)
    write_image(project.root / "_unlabeled" / "new.png", fmt="PNG", seed=7)
    job = window.rescan()
    assert job is not None and window.job_widget.isVisible()
    assert not window.menus.rescan_action.isEnabled()  # one scan at a time
    # (may end before any wait) The job bar goes in the window's last slot on the job's
    # end (the menus come back in an earlier one), later than the job's own (running).
    qtbot.waitUntil(lambda: not job.running and window.job_widget.isHidden(), timeout=10000)
    # The browser re-reads in the background after a scan (its place is kept).
    qtbot.waitUntil(lambda: window.view.model.rowCount() == 20, timeout=10000)
    assert window.menus.rescan_action.isEnabled() and not window.job_widget.isVisible()


def test_rescan_cancel_button_stops_the_scan(qtbot, window, project):
    window.open_project(project.path)
    for i in range(60):
        write_image(project.root / "_unlabeled" / f"more{i}.png", fmt="PNG", seed=200 + i)
    job = window.rescan()
    assert job is not None
    with qtbot.waitSignal(job.cancelled, timeout=20000):
        window.job_widget.cancel_button.click()
    assert job.result is None or job.result.cancelled


@pytest.fixture
def paused_scan(monkeypatch):
    """Project.scan does its work, then waits for the test before it returns, so the test
    sees the window while indexing is still running."""
    gate = threading.Event()
    real_scan = Project.scan

    def scan(self, *, progress=no_progress, cancel=None, **kwargs):
        counts = real_scan(self, progress=progress, cancel=cancel, **kwargs)
        progress(Progress(1, 1, "finishing"))
        gate.wait(20)
        return counts

    monkeypatch.setattr(Project, "scan", scan)
    yield gate
    gate.set()


def test_new_project_opens_at_once_and_fills_in_while_indexing(
    qtbot, window, imagefolder, tmp_path, paused_scan
):
    root, expected = imagefolder
    target = tmp_path / "created"
    window.jobs._fill_timer.setInterval(0)
    job = window.create_project(root, target)
    assert job is not None and job.running
    assert window.project is not None and window.project.path == target.resolve()
    assert window.stack.currentWidget() is window.view
    # The browser fills in before the indexing job has ended.
    qtbot.waitUntil(lambda: window.view.model.rowCount() == len(expected), timeout=20000)
    assert job.running
    paused_scan.set()
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    assert window.view.model.rowCount() == len(expected)
    assert f"Indexed {len(expected)} images" in window.statusBar().currentMessage()
    assert window.embed_job is None  # embedding new projects is off in these tests


def test_cancelled_new_project_keeps_what_was_indexed(
    qtbot, window, imagefolder, tmp_path, paused_scan
):
    root, _ = imagefolder
    target = tmp_path / "partial"
    job = window.create_project(root, target)
    assert job is not None
    job.cancel()
    paused_scan.set()
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    assert window.project is not None and window.project.path == target.resolve()
    assert "Rescan continues" in window.statusBar().currentMessage()
    assert window.rescan() is not None  # and a rescan picks up from there


def test_new_project_into_a_used_folder_is_refused_and_keeps_its_files(
    qtbot, window, imagefolder, tmp_path, monkeypatch
):
    root, _ = imagefolder
    target = tmp_path / "used"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    errors: list[str] = []
    monkeypatch.setattr(window, "notify_error", lambda message, dialog=True: errors.append(message))
    assert window.create_project(root, target) is None
    assert window.project is None and (target / "keep.txt").read_text() == "mine"
    assert errors and "already exists" in errors[0]


def test_embedding_new_projects_is_a_menu_setting(qtbot, window, imagefolder, tmp_path):
    action = window.menus.embed_new_action
    assert not action.isChecked()  # the GUI tests' default (see conftest)
    root, _ = imagefolder
    job = window.create_project(root, tmp_path / "index-only")
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    assert window.embed_job is None  # indexed only
    action.trigger()
    assert settings.embed_new_projects()  # remembered


def test_new_project_is_embedded_after_indexing(qtbot, window, imagefolder, tmp_path, monkeypatch):
    window.menus.embed_new_action.setChecked(True)  # as from the Tools menu
    monkeypatch.setattr(ProjectJobs, "embed_in_process", True)  # the stand-in lives here
    monkeypatch.setattr("labeldesk.ml.embed.load_backbone", lambda spec: _tiny_backbone())
    root, expected = imagefolder
    job = window.create_project(root, tmp_path / "embedded")
    assert job is not None
    qtbot.waitUntil(lambda: window.embed_job is not None, timeout=20000)
    embed = window.embed_job
    qtbot.waitUntil(lambda: not embed.running, timeout=30000)
    assert embed.result is not None and embed.result.embedded == len(expected)
    # The browser's model insights follow (neighbours need no labels).
    qtbot.waitUntil(lambda: window.view.catalog.insights is not None, timeout=30000)


def test_closing_the_window_cancels_a_running_job(qtbot, window, project):
    window.open_project(project.path)
    release = threading.Event()
    job = window.runner.run(lambda *, progress, cancel: release.wait(0.2) or cancel.cancelled)
    window.close()
    assert job.token.cancelled
    assert window.project is None
    assert settings.load_bytes("window/geometry") is not None


def test_theme_toggle_is_applied_and_remembered(qapp, window, light_theme):
    light_window = qapp.palette().window().color().lightness()
    window.menus.dark_action.trigger()
    assert settings.theme() == "dark"
    assert qapp.palette().window().color().lightness() < light_window
    window.menus.dark_action.trigger()
    assert settings.theme() == "light"


def test_shortcuts_dialog_lists_every_key(qtbot):
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    keys = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert len(keys) == len(shortcut_table())
    for key in ("1 … 9, A …", "X", "Ctrl+Z", "F5", "F1", "Ctrl+Q"):
        assert key in keys, key
    assert all(keys)  # every action has a key on this platform


def test_app_icon_is_found_next_to_the_package():
    assert (Path(__file__).parents[2] / "resources" / "labeldesk.svg").is_file()
    assert not app_icon().isNull()


def test_run_opens_the_project_and_returns_the_exit_code(qtbot, project, light_theme):
    app = create_application()
    assert app.applicationName() == "LabelDesk" and app.organizationName() == "LabelDesk"

    def close_windows() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                assert widget.project is not None and widget.project.path == project.path
                widget.close()

    QTimer.singleShot(300, close_windows)
    assert run(project.path) == 0


def _tiny_backbone(gate=None, calls=None):
    """A stand-in network so the test measures the GUI plumbing, not EfficientNet on CPU.
    With ``gate``, the second batch waits for it: the test cancels while it waits, so the
    cancel always lands mid-run however slow the machine is. ``calls`` counts batches."""
    import torch

    from labeldesk.ml.backbones import Backbone, ModelIdentity, Preprocess

    class Gate(torch.nn.Module):
        def forward(self, x):
            if calls is not None:
                calls.append(len(x))
            if gate is not None and calls is not None and len(calls) == 2:
                gate.wait(30)
            return x

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, stride=4),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        Gate(),
    )
    identity = ModelIdentity("tiny", "conv", "0" * 64, Preprocess(size=32))
    return Backbone(model=net.eval(), identity=identity, dim=8)


def test_embedding_job_runs_in_the_background_and_is_resumable(qtbot, window, project, monkeypatch):
    gate, calls = threading.Event(), []
    monkeypatch.setattr(ProjectJobs, "embed_in_process", True)  # the stand-in lives here
    monkeypatch.setattr(
        "labeldesk.ml.embed.load_backbone", lambda spec: _tiny_backbone(gate, calls)
    )
    monkeypatch.setattr("labeldesk.ml.embed.default_batch_size", lambda device: 4)
    monkeypatch.setattr("labeldesk.ml.runtime.CPU_RUNTIME", "torch")  # the gate is in torch
    window.open_project(project.path)
    # Listen before the job starts: its first report can beat any later connect.
    progress: list[tuple[int, int, str]] = []
    real_start = window.runner.start

    def start(job):
        job.progress.connect(lambda d, t, m: progress.append((d, t, m)))
        return real_start(job)

    monkeypatch.setattr(window.runner, "start", start)
    job = window.compute_embeddings()
    assert job is not None and not window.menus.embed_action.isEnabled()
    assert window.rescan() is None  # one project job at a time
    with qtbot.waitSignals([job.cancelled, job.ended], timeout=30000):
        qtbot.waitUntil(lambda: len(calls) == 2, timeout=30000)  # batch 2 is waiting
        window.job_widget.cancel_button.click()
        gate.set()
    done_first = job.result.embedded if job.result else 0
    assert done_first == 8  # the two batches that had started are kept
    phases = [m for _, _, m in progress]
    assert phases[0].startswith("loading model") and "embedding" in phases  # no phase lost
    again = window.compute_embeddings()
    # (may end before any wait) the window's slots on the job's end, the job bar's the
    # last, come after the job's own (running)
    qtbot.waitUntil(lambda: not again.running and window.job_widget.isHidden(), timeout=30000)
    assert again.result.embedded == 19 - done_first  # finished batches were kept
    assert "Embeddings ready" in window.statusBar().currentMessage()
    assert window.menus.embed_action.isEnabled()


def test_statistics_on_screen_follow_a_rescan(qtbot, window, project, monkeypatch):
    """A rescan while Statistics showed left its counts as they were until the page
    was shown again; and its duplicate search looks at the new images at once."""
    from labeldesk.gui.stats_view import StatsView

    window.open_project(project.path)
    window.menus.stats_action.trigger()
    images = window.pages.stats.summary_labels["images"]
    assert images.text() == "19"
    searches: list[int] = []
    real = StatsView._start_duplicates
    monkeypatch.setattr(
        StatsView, "_start_duplicates", lambda self: searches.append(1) or real(self)
    )
    write_image(project.root / "_unlabeled" / "new.png", fmt="PNG", seed=7)
    job = window.rescan()
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    qtbot.waitUntil(lambda: images.text() == "20", timeout=10000)
    assert window.stack.currentWidget() is window.pages.stats
    assert searches == [1]


def test_changes_from_outside_do_not_restart_the_duplicate_search_on_screen(
    qtbot, window, project, monkeypatch
):
    """A colleague labeling (seen every 1.5 s) restarted the search each time it was
    seen: on a big project its counts stayed "computing…" while they worked. The counts
    follow; the search runs again when the page is next shown."""
    from labeldesk.gui.session import OUTSIDE_CHANGES
    from labeldesk.gui.stats_view import StatsView

    window.open_project(project.path)
    window.menus.stats_action.trigger()
    searches: list[int] = []
    real = StatsView._start_duplicates
    monkeypatch.setattr(
        StatsView, "_start_duplicates", lambda self: searches.append(1) or real(self)
    )
    from labeldesk.core.project import open_project

    with open_project(project.path) as other:  # another process, as far as the app knows
        other.set_label("_unlabeled/u0.png", "cat")
    for _ in range(3):  # as the session's poll delivers what it saw
        window.session._deliver(OUTSIDE_CHANGES)
    labeled = window.pages.stats.summary_labels["labeled"]
    qtbot.waitUntil(lambda: labeled.text() == "17", timeout=10000)
    assert searches == []
    window.menus.browser_action.trigger()
    window.menus.stats_action.trigger()
    assert searches == [1]  # (once, when shown again)


def test_statistics_view_opens_from_the_menu_and_goes_back(qtbot, window, project):
    window.open_project(project.path)
    assert window.pages.stats is None  # built on first show: opening starts no work
    window.menus.stats_action.trigger()
    assert window.stack.currentWidget() is window.pages.stats
    window.menus.browser_action.trigger()
    assert window.stack.currentWidget() is window.view
    window.close_project()
    window.open_project(project.path)
    window.menus.training_action.trigger()
    assert window.stack.currentWidget() is window.pages.training
    window.show_selection(["train/cat/cat0.jpg", "val/dog/dog1.jpg"])  # as a map selection
    assert window.stack.currentWidget() is window.view
    assert window.view.model.rowCount() == 2
    window.close_project()
    assert window.pages.stats is None and window.pages.training is None
    assert not window.menus.stats_action.isEnabled()


def test_the_app_embeds_in_a_child_process_with_progress(qtbot, window, project):
    """The real path: the bundled backbone runs in a spawned child, not in this process."""
    window.open_project(project.path)
    progress: list[str] = []
    real_start = window.runner.start

    def start(job):
        job.progress.connect(lambda d, t, m: progress.append(m))
        return real_start(job)

    window.runner.start = start
    job = window.compute_embeddings()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=120000)
    assert job.result is not None and job.result.embedded == 19, window.statusBar().currentMessage()
    assert progress[0].startswith("loading model") and "embedding" in progress
    assert "Embeddings ready: 19 computed" in window.statusBar().currentMessage()


def test_training_shows_in_the_job_bar_and_one_job_runs_at_a_time(
    qtbot, window, tmp_path, monkeypatch
):
    from ml.fake_embeddings import make_clustered_project

    from labeldesk.gui.training_panel import TrainingPanel

    monkeypatch.setattr(TrainingPanel, "detected_device", "cpu (no GPU found)")
    project, _ = make_clustered_project(tmp_path)
    project.close()
    window.open_project(project.path)
    window.pages.show_training()
    panel = window.pages.training
    assert panel is not None and panel.device.text() == "cpu (no GPU found)"

    gate = threading.Event()
    other = Job(lambda *, progress, cancel: gate.wait(10), "Embeddings")
    assert window.session.start_exclusive(other, "Computing embeddings") is other
    assert panel.start() is None  # an embedding job is writing vectors
    assert "Computing embeddings" in panel.status.text()
    gate.set()
    qtbot.waitUntil(lambda: not other.running, timeout=10000)

    panel.epochs.setValue(panel.epochs.maximum())
    job = panel.start()
    assert job is not None
    assert window.job_widget.isVisible()
    assert window.job_widget.label.text().startswith("Training the classifier")
    assert not window.menus.embed_action.isEnabled() and not window.menus.rescan_action.isEnabled()
    assert window.compute_embeddings() is None
    window.job_widget.cancel_button.click()  # the status bar's Cancel stops the run
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)
    assert job.token.cancelled
    # The bar goes once the job's end has reached the window (and any refresh that the
    # finished epochs started is over).
    qtbot.waitUntil(
        lambda: window.menus.embed_action.isEnabled() and not window.job_widget.isVisible(),
        timeout=30_000,
    )


def test_leaving_review_updates_just_the_reviewed_images_and_keeps_the_place(
    qtbot, window, tmp_path
):
    from ml.fake_embeddings import make_clustered_project
    from PySide6.QtCore import Qt

    project, flipped = make_clustered_project(tmp_path)
    project.close()
    window.open_project(project.path)
    view = window.view
    catalog = view.catalog
    view.grid.select_row(7)
    window.review_issues()
    review = window.review.view
    qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
    accepted = review.session.current.path
    assert accepted in flipped
    qtbot.keyClick(review, Qt.Key.Key_Return)  # take the suggestion: ant -> bee
    qtbot.keyClick(review, Qt.Key.Key_Escape)  # back to the browser
    assert window.stack.currentWidget() is view
    assert view.catalog is catalog  # not re-read as a whole
    position = int(catalog.positions_of(window.project.ids_for([accepted]).values())[0])
    assert catalog.info(position).label == "bee"
    assert list(view.grid.selected_rows()) == [7]  # the place in the grid is kept


def test_the_window_fits_a_1280_by_720_screen(qtbot, window, project):
    """The detail panel asked two rows of neighbours and 70 px of history at least: the
    window could not be shorter than 724 px, and its status bar (with Cancel) fell off
    a 720-px screen."""
    window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0, timeout=10000)
    window.view.grid.select_row(0)
    assert window.minimumSizeHint().height() <= 640
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: window.height() == 640)


def test_review_fits_a_narrow_window(qtbot, window, tmp_path):
    """The review page asked 830 px of width (eight neighbour tiles in a row and the
    queue's refresh setting in the title row) and so did the whole window, whichever page
    showed. The neighbour strip now shows as many tiles as fit, at least three."""
    from ml.fake_embeddings import make_clustered_project
    from PySide6.QtCore import Qt

    project, _ = make_clustered_project(tmp_path)
    window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0, timeout=10000)
    for start in (window.review_issues, window.review_queue):
        start()
        review = window.review.view
        qtbot.waitUntil(lambda r=review: r.session is not None, timeout=20000)
        assert window.minimumSizeHint().width() <= 600
        strip = review.neighbours
        window.resize(1200, 800)
        qtbot.waitUntil(lambda s=strip: s.visible_count() == len(s.tiles))
        window.resize(600, 700)
        qtbot.waitUntil(lambda s=strip: 3 <= s.visible_count() < len(s.tiles))
        shown = [p.isVisibleTo(strip) for p, _ in strip.tiles]
        assert shown == [i < strip.visible_count() for i in range(len(shown))]
        assert strip.geometry().right() <= review.width()
        qtbot.keyClick(review, Qt.Key.Key_Escape)
    project.close()


def test_long_counts_and_a_running_job_never_widen_the_window(qtbot, window, project):
    """The counts and a job's message asked their whole width of the status bar: at
    800 px the window grew to 1,200 while embedding, and stayed that wide."""
    from labeldesk.gui.workers import Job

    window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0, timeout=10000)
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() == 800)
    release = threading.Event()
    job = Job(lambda **_: release.wait(10), "A job with a rather long title indeed")
    window.job_widget.track(job, "Computing embeddings for a great many images")
    qtbot.wait(300)  # the view's own counts first
    long_counts = " · ".join(["123,456 images and more counts"] * 6)
    window.counts_label.setText(long_counts)
    job.start()
    try:
        job.progress.emit(5, 10, "embedding the images of a very long folder name " * 3)
        qtbot.wait(100)
        assert window.minimumSizeHint().width() <= 800
        assert window.width() == 800
        assert window.counts_label.text() == long_counts  # whole, as given
        assert window.counts_label.toolTip() == long_counts  # cut, so in full here
    finally:
        release.set()
        qtbot.waitUntil(lambda: not job.running, timeout=10000)


def test_a_theme_switch_recolours_what_was_drawn_in_the_old_one(
    qapp, qtbot, window, project, light_theme
):
    """After a switch, the sidebar's class keys stayed dark on dark and (dark, then
    light) the start page's drop hint was light grey on light grey: both took their
    colours from the palette they were first drawn with."""
    from PySide6.QtGui import QPalette

    window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0, timeout=10000)
    sidebar = window.view.sidebar
    window.menus.dark_action.trigger()  # dark
    qtbot.wait(50)  # the widgets take the new palette (posted to each)
    keys = sidebar.class_list.topLevelItem(0).foreground(0).color()
    assert keys == qapp.palette().placeholderText().color()
    window.close_project()
    window.menus.dark_action.trigger()  # light again
    qtbot.wait(50)
    hint = window.start_page.drop_hint
    text = hint.palette().color(QPalette.ColorRole.WindowText)
    assert text == qapp.palette().color(QPalette.ColorRole.WindowText)


def test_the_map_without_embeddings_says_why_once_without_a_dialog(
    qtbot, window, project, monkeypatch
):
    """The map's "no embeddings yet" came three times: a dialog, the status bar and the
    map's own line. Its own line says it, capitalised, and the status bar once."""
    from labeldesk.gui import window_notices

    shown: list[str] = []
    monkeypatch.setattr(window_notices, "show_error", lambda parent, text: shown.append(text))
    window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0, timeout=10000)
    window.show_map()
    page = window.pages.map
    qtbot.waitUntil(lambda: "embeddings" in page.status.text(), timeout=30000)
    assert page.status.text().startswith("No embeddings yet")
    assert shown == []


def test_training_start_follows_embeddings_made_by_a_job(qtbot, window, project):
    """Start (a head) is disabled before embeddings exist and enabled when a job that
    made them ends: through the session's busy signal, as an embedding job ends."""
    window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0, timeout=10000)
    window.show_training()
    panel = window.pages.training
    assert not panel.start_button.isEnabled()
    window.project.db.set_meta("embedding_key", "made")  # what the job wrote
    window.session.busyChanged.emit(False)  # ... and its end
    assert panel.start_button.isEnabled()
