"""Review → Cross-fit and review mislabels…: the fit runs in a child process as the
session's exclusive job, then the review opens on its likely mislabels; the last fit can
be reviewed again without fitting, until images are added."""

from __future__ import annotations

import threading
import time

from ml.crossfit_fixtures import embedded_colours
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from labeldesk.browse.review_lists import NO_CROSSFIT, compute_items
from labeldesk.ml.crossfit import cached_predictions
from labeldesk.ml.issues import label_issues


def _answer(button_text: str, seen: dict) -> None:
    """Click ``button_text`` in the message box once it is open (it runs modally)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        buttons = {b.text(): b for b in box.findChildren(QPushButton)}
        seen.update({text: b.isEnabled() for text, b in buttons.items()})
        buttons[button_text].click()

    QTimer.singleShot(0, click)


def test_fit_then_review_then_review_the_last_fit(window, qtbot, tmp_path, child_targets):
    """Then a fit that misses images added since is refused with what to do (the same
    fit: one fit for the test)."""
    from helpers import write_image

    from labeldesk.core.errors import LabelDeskError
    from labeldesk.core.project import open_project
    from labeldesk.core.scanner import scan
    from labeldesk.ml.embed import embed_project

    project, root = embedded_colours(tmp_path)
    project.close()
    assert window.open_project(tmp_path / "proj")
    assert window.menus.crossfit_action.isEnabled()
    seen: dict = {}
    _answer("Fit now", seen)
    window.review_crossfit()
    assert seen["Review the last fit"] is False  # nothing fitted yet
    assert window.crossfit.job is not None and window.busy  # the exclusive slot
    qtbot.waitUntil(lambda: window.review.view is not None, timeout=120_000)
    view = window.review.view
    qtbot.waitUntil(lambda: view.session is not None, timeout=30_000)
    assert child_targets == ["labeldesk.ml.crossfit:fit_project"]
    assert view.title.text() == "Likely mislabels (cross-fitted)"
    fitted = cached_predictions(window.project)
    assert fitted is not None
    expected = [i.path for i in label_issues(window.project, preds=fitted)]
    assert [item.path for item in view.session.items] == expected
    assert "Cross-fit of proj done on 21 images" in window.statusBar().currentMessage()

    window.show_browser()
    seen.clear()
    _answer("Review the last fit", seen)
    window.review_crossfit()
    assert seen["Review the last fit"] is True
    assert child_targets == ["labeldesk.ml.crossfit:fit_project"]  # no second fit
    view = window.review.view
    qtbot.waitUntil(lambda: view.session is not None, timeout=30_000)
    assert view.crossfit and [item.path for item in view.session.items] == expected

    window.close_project()
    with open_project(tmp_path / "proj") as project:
        write_image(root / "train" / "red" / "late.png", size=(24, 24), fmt="PNG", seed=77)
        scan(project, workers=1)
        embed_project(project, device="cpu")
        try:
            compute_items(project, "issues", crossfit=True)
        except LabelDeskError as exc:
            assert str(exc) == NO_CROSSFIT
        else:
            raise AssertionError("a stale fit was used")


def _fit_in_process(monkeypatch, gate: threading.Event, done: threading.Event) -> None:
    """The app's fit in a worker thread of this process: it starts when ``gate`` is set
    and sets ``done`` when it returned."""
    from labeldesk.gui.crossfit_job import CrossFitJobs
    from labeldesk.ml import crossfit

    real = crossfit.fit_project

    def fit(*args, **kwargs):
        gate.wait(60)
        try:
            kwargs["cancel"].raise_if_cancelled()  # (a real fit stops at its first batch)
            return real(*args, **kwargs)
        finally:
            done.set()

    monkeypatch.setattr(crossfit, "fit_project", fit)
    monkeypatch.setattr(CrossFitJobs, "in_process", True)


def test_a_fit_that_ends_after_another_project_opened_opens_no_review(
    window, qtbot, tmp_path, monkeypatch
):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        embedded_colours(tmp_path / name)[0].close()
    gate, done = threading.Event(), threading.Event()
    _fit_in_process(monkeypatch, gate, done)
    assert window.open_project(tmp_path / "a" / "proj")
    assert window.crossfit.fit() is not None
    gate.set()
    assert done.wait(120)
    time.sleep(0.3)  # its result is posted to the GUI thread, which has not run since
    assert window.open_project(tmp_path / "b" / "proj")
    qtbot.wait(1500)  # the fit's result is delivered
    assert window.review.view is None  # project b shows its grid, not a review of a's fit
    assert cached_predictions(window.project) is None  # and b has no fit of its own
    message = window.statusBar().currentMessage()
    assert "Cross-fit of proj done on 21 images" in message and "Open proj again" in message


def test_a_fit_that_ends_during_a_review_leaves_the_review_in_place(
    window, qtbot, tmp_path, monkeypatch
):
    embedded_colours(tmp_path)[0].close()
    gate, done = threading.Event(), threading.Event()
    _fit_in_process(monkeypatch, gate, done)
    assert window.open_project(tmp_path / "proj")
    assert window.crossfit.fit() is not None
    window.review_issues()  # meanwhile the person reviews the frozen scores
    view = window.review.view
    qtbot.waitUntil(lambda: view.session is not None, timeout=30_000)
    gate.set()
    qtbot.waitUntil(lambda: not window.busy, timeout=120_000)  # the fit ended
    qtbot.wait(500)
    assert window.review.active and window.review.view is view
    assert not view.crossfit and view.title.text() == "Likely mislabels"
    assert "To see it: Review" in window.statusBar().currentMessage()


def test_an_image_overwritten_since_the_scan_is_named_apart_when_the_fit_ends(
    window, qtbot, tmp_path, monkeypatch
):
    """The fit leaves it out (its label names the picture the scan saw); the message
    says so apart from unreadable images, with the way to take it in."""
    from helpers import write_image

    _, root = embedded_colours(tmp_path)
    write_image(root / "train/blue/1.png", size=(24, 24), fmt="PNG", seed=4242)  # no rescan
    (root / "train/red/4.png").unlink()  # gone: unreadable
    gate, done = threading.Event(), threading.Event()
    gate.set()
    _fit_in_process(monkeypatch, gate, done)
    assert window.open_project(tmp_path / "proj")
    assert window.crossfit.fit() is not None
    qtbot.waitUntil(lambda: window.review.view is not None, timeout=120_000)
    message = window.statusBar().currentMessage()
    assert "Cross-fit of proj done on 21 images; 1 unreadable image is not judged" in message
    assert (
        "1 image changed since the last scan is not judged (train/blue/1.png…: "
        "use File → Rescan folder, then fit again)"
    ) in message


def test_a_fit_cancelled_by_closing_its_window_calls_nothing_on_the_deleted_window(
    qtbot, tmp_path, monkeypatch
):
    """Closing the window cancels the fit and waits for it; the fit's last signals are
    still queued when the window is deleted (as pytest-qt deletes it, or once a job
    outlives closing's wait). The fit ends cancelled and saves nothing, and none of its
    handlers runs on the deleted window. Before, its cancelled handler and the job bar's
    ended handler called deleted widgets: RuntimeError, Internal C++ object already
    deleted."""
    from gui.owner_deleted import close_window_while_job_waits
    from labeldesk.core.project import open_project
    from labeldesk.gui.main_window import MainWindow

    embedded_colours(tmp_path)[0].close()
    gate, done = threading.Event(), threading.Event()
    _fit_in_process(monkeypatch, gate, done)
    win = MainWindow()
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(tmp_path / "proj")
    job = win.crossfit.fit()
    assert job is not None
    assert close_window_while_job_waits(qtbot, win, job, gate) == ["cancelled"]
    assert done.is_set()  # the fit returned (cancelled at its start)
    with open_project(tmp_path / "proj") as project:
        assert cached_predictions(project) is None
