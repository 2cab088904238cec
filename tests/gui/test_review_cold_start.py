"""A labeling queue computed before the model could predict (the cold start): once the
labels make predictions possible, it is refreshed at once, and the image on screen no
longer says "label a few images of each class"."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt

from gui.review_views import open_review
from labeldesk.gui import settings
from labeldesk.gui.session import OUTSIDE_CHANGES

COLD = "label a few images of each class"


@pytest.fixture
def cold(qtbot, tmp_path, runner):
    """A project whose labels are all of one class, and its queue open."""
    project, _ = make_clustered_project(tmp_path)
    frame = project.images()
    others = [p for p, lab in zip(frame.path, frame.label, strict=True) if lab in ("bee", "cow")]
    project.set_labels(dict.fromkeys(others))
    settings.set_queue_refresh_every(50)  # far more labels than this test gives
    view = open_review(qtbot, project, runner, "queue")
    assert COLD in view.info.suggested_label.text()
    yield project, view
    view.shutdown()
    runner.pool.waitForDone(10000)
    project.close()


def test_a_label_of_a_second_class_refreshes_the_cold_queue(qtbot, cold):
    _, view = cold
    with qtbot.waitSignal(view.refreshed, timeout=20000):
        qtbot.keyClick(view, Qt.Key.Key_2)  # bee: now two classes to learn from
    assert COLD not in view.info.suggested_label.text()  # the image still on screen
    qtbot.keyClick(view, Qt.Key.Key_Space)  # skip it: the next comes from the refresh
    session = view.session
    assert session is not None and session.current is not None
    assert session.current.suggested is not None
    assert session.current.suggested in view.info.suggested_label.text()


def test_labels_from_another_process_refresh_it_too(qtbot, cold):
    project, view = cold
    shown = view.session.current
    project.set_labels({"train/bee/bee3.png": "bee"})  # as another process would
    with qtbot.waitSignal(view.refreshed, timeout=20000):
        view.follow_outside(OUTSIDE_CHANGES)
    assert view.session.current is shown  # the image on screen stays
    text = view.info.suggested_label.text()
    assert COLD not in text and "the next images have one" in text


def test_one_class_alone_does_not_refresh(qtbot, cold):
    _, view = cold
    qtbot.keyClick(view, Qt.Key.Key_1)  # ant again: still one class
    assert not view.jobs.refreshing
    assert COLD in view.info.suggested_label.text()


def test_a_queue_left_for_the_browser_does_not_refresh_itself_hidden(qtbot, cold):
    """Left (Esc), the queue refreshed itself as soon as labels given in the browser
    covered two classes: "Refreshing the labeling queue…" ran in the browser's job bar
    for a page nobody looked at. Opened again, it computes its list afresh anyway."""
    project, view = cold
    view.leave()
    project.set_labels({"train/bee/bee3.png": "bee"})  # a key in the browser
    qtbot.wait(100)  # the view hears of the write (queued)
    assert not view.jobs.refreshing and view.jobs.refresh_job is None
