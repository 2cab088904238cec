"""The app's labeling queue offers images whose labels train the model; when only val
and test images are left without a label it says so (it said "every usable image has a
label", or offered them unasked), and a button offers them."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_folder_project
from PySide6.QtCore import Qt

from gui.review_views import open_review
from labeldesk.gui.review_view import ReviewView
from labeldesk.gui.workers import JobRunner


@pytest.fixture
def open_queue(qtbot, tmp_path):
    views: list[tuple[ReviewView, JobRunner]] = []

    def open_(folders: dict[str, int]) -> ReviewView:
        project = make_folder_project(tmp_path, folders)
        runner = JobRunner()
        view = open_review(qtbot, project, runner, "queue")
        views.append((view, runner))
        return view

    yield open_
    for view, runner in views:
        view.shutdown()
        runner.pool.waitForDone(10000)
        runner.shutdown()
        view.project.close()


def test_the_queue_shows_train_images(open_queue):
    view = open_queue({"train/_unlabeled": 4, "test/_unlabeled": 4})
    session = view.session
    assert session is not None and len(session.items) == 12
    assert all(item.path.startswith("train/") for item in session.items)
    assert not view.held_out_button.isVisible()


def test_only_test_images_left_is_said_and_offered(qtbot, open_queue):
    view = open_queue({"train/ant": 2, "test/_unlabeled": 2})
    assert view.session is not None and view.session.current is None
    text = view.notice.text()
    assert view.notice.isVisible() and "every usable image has a label" not in text
    assert "Nothing more to label in the train split" in text
    assert "6 images in test have no label yet" in text and "do not train it" in text
    button = view.held_out_button
    assert button.isVisible() and button.text() == "&Label test images too"
    with qtbot.waitSignal(view.loaded, timeout=20000):
        button.click()
    session = view.session
    assert session is not None and len(session.items) == 6
    assert all(item.path.startswith("test/") for item in session.items)
    assert view.title.text() == "Labeling queue (every split)" and not button.isVisible()


def test_a_queue_that_runs_out_says_so_after_its_refresh(qtbot, open_queue):
    view = open_queue({"train/_unlabeled": 1, "val/_unlabeled": 1})
    view.setFocus()
    assert view.session is not None and len(view.session.items) == 3
    for _ in range(2):
        qtbot.keyClick(view, Qt.Key.Key_1)
    with qtbot.waitSignal(view.refreshed, timeout=20000):
        qtbot.keyClick(view, Qt.Key.Key_1)  # the last train image: the queue runs out
    assert "3 images in val have no label yet" in view.notice.text()
    assert view.held_out_button.isVisible()
    assert view.held_out_button.text() == "&Label val images too"


def test_alt_l_offers_the_held_out_splits_from_the_keyboard(qtbot, open_queue):
    """The button takes no focus (Space and Enter stay review keys), so a keyboard user
    could not press it: its underlined L, Alt+L, does."""
    view = open_queue({"train/ant": 2, "test/_unlabeled": 2})
    view.setFocus()
    assert view.held_out_button.isVisible()
    assert view.held_out_button.text() == "&Label test images too"  # shown: Label, L underlined
    with qtbot.waitSignal(view.loaded, timeout=20000):
        qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    session = view.session
    assert session is not None and len(session.items) == 6
    assert view.title.text() == "Labeling queue (every split)"


def test_alt_q_reaches_the_refresh_number_and_enter_hands_the_keys_back(qtbot, open_queue):
    """'Refresh the queue every N labels' took the focus only from a click."""
    view = open_queue({"train/_unlabeled": 4})
    view.setFocus()
    spin = view.refresh_every
    qtbot.keyClick(view, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    assert view.focusWidget() is spin
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "7")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert spin.value() == 7 and view.session is not None and view.session.refresh_every == 7
    assert view.focusWidget() is view  # the label keys work again
