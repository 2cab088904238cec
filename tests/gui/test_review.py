"""Review mode: one image at a time, each key one committed core call, then the next."""

from __future__ import annotations

import re

import pytest
from ml.fake_embeddings import CLASSES, make_clustered_project
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from gui.review_views import open_review
from labeldesk.browse import review_session
from labeldesk.gui import settings


def state(project, path: str) -> tuple[str | None, str | None]:
    row = project.images().set_index("path").loc[path]
    label = row.label if isinstance(row.label, str) else None
    status = row.status if isinstance(row.status, str) else None
    return label, status


def test_issues_open_with_the_planted_mislabels_first(qtbot, issues_view, clustered):
    _, flipped = clustered
    session = issues_view.session
    first = {item.path for item in session.items[:2]}
    assert first == set(flipped)
    assert session.current.suggested == "bee"
    assert issues_view.info.path_label.text() == session.current.path
    assert issues_view.info.given_label.text() == "ant"
    # The one "what the model thinks" line: the suggestion, how sure, what it means.
    assert re.fullmatch(
        r"(almost surely|probably|perhaps) bee \([<>]?\d+%\) — label ant looks wrong",
        issues_view.info.suggested_label.text(),
    )
    assert issues_view.info.score_caption.text() == "Label fit:"
    assert re.fullmatch(r"<1%|\d+%", issues_view.info.score_label.text())  # not 4.7e-05
    # The header says how many labels the model expects to be wrong.
    expected = issues_view.expected_errors
    assert expected is not None and expected >= len(flipped)
    assert issues_view.counter.text() == (
        f"about {expected} likely wrong · image 1 of {len(session.items)} · "
        f"reviewed 0 / remaining {len(session.items)}"
    )
    # ... and, in its tooltip, how the predictions were made when the pixels took part.
    assert issues_view.counter.toolTip() == ""  # too few labels here for the pixel view
    issues_view.pixel_share = 0.35
    issues_view._update_counter()
    assert issues_view.counter.toolTip() == (
        "Predicted 65% from the embeddings and 35% from the images' own coarse pixels."
    )
    qtbot.waitUntil(lambda: not issues_view.image.pixmap().isNull(), timeout=5000)


def test_images_are_decoded_off_the_gui_thread_and_the_next_ones_ahead(
    qtbot, clustered, runner, monkeypatch
):
    import threading

    from labeldesk.gui import image_display

    decoded_on: list[tuple[str, bool]] = []
    real_load_rgb = image_display.load_rgb

    def recording_load_rgb(path, draft=None):
        decoded_on.append((path.name, threading.current_thread() is threading.main_thread()))
        return real_load_rgb(path, draft=draft)

    monkeypatch.setattr(image_display, "load_rgb", recording_load_rgb)
    project, _ = clustered
    view = open_review(qtbot, project, runner, "issues")
    try:
        session = view.session
        ahead = session.upcoming(2)
        assert ahead  # the two planted mislabels: one after the first
        qtbot.waitUntil(lambda: all(view.loader.cached(p) is not None for p in ahead), timeout=5000)
        qtbot.keyClick(view, Qt.Key.Key_Space)
        assert session.current.path == ahead[0]
        shown = view.image.pixmap()
        assert not shown.isNull()  # already decoded: on screen at once
        assert decoded_on and not any(on_main for _, on_main in decoded_on)
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)


def test_enter_accepts_the_suggestion_and_advances(qtbot, issues_view, clustered):
    project, _ = clustered
    session = issues_view.session
    path = session.current.path
    total = len(session.items)
    qtbot.keyClick(issues_view, Qt.Key.Key_Return)
    assert state(project, path)[0] == "bee"
    assert project.history(path)[0].source == "suggestion"
    assert session.current is None or session.current.path != path
    assert issues_view.counter.text().endswith(f" · reviewed 1 / remaining {total - 1}")


def test_a_digit_relabels_with_that_class(qtbot, issues_view, clustered):
    project, _ = clustered
    path = issues_view.session.current.path
    qtbot.keyClick(issues_view, Qt.Key.Key_3)
    third = project.classes()[2]
    assert state(project, path)[0] == third
    assert project.history(path)[0].source == "human"


def test_space_keeps_the_label_as_verified(qtbot, issues_view, clustered):
    project, _ = clustered
    session = issues_view.session
    path = session.current.path
    qtbot.keyClick(issues_view, Qt.Key.Key_Space)
    assert state(project, path) == ("ant", "verified")
    assert session.decisions[path] == "keep"
    assert session.current is None or session.current.path != path


def test_x_excludes(qtbot, issues_view, clustered):
    project, _ = clustered
    path = issues_view.session.current.path
    qtbot.keyClick(issues_view, Qt.Key.Key_X)
    assert state(project, path)[1] == "excluded"


def test_a_letter_key_with_shift_acts_as_the_letter(qtbot, issues_view, clustered):
    # Shift+A (the key line's "A" typed as a capital) and Shift+X did nothing.
    project, _ = clustered
    project.add_classes([f"c{n}" for n in range(4, 11)])  # ant, bee, cow, c4 … c10
    tenth = project.classes()[9]
    first = issues_view.session.current.path
    qtbot.keyClick(issues_view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert state(project, first)[0] == tenth
    second = issues_view.session.current.path
    assert second != first  # moved on, as after A
    qtbot.keyClick(issues_view, Qt.Key.Key_X, Qt.KeyboardModifier.ShiftModifier)
    assert state(project, second)[1] == "excluded"


def test_ctrl_z_undoes_and_returns_to_the_image(qtbot, issues_view, clustered):
    project, _ = clustered
    session = issues_view.session
    path = session.current.path
    qtbot.keyClick(issues_view, Qt.Key.Key_Return)
    assert state(project, path)[0] == "bee"
    qtbot.keyClick(issues_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert state(project, path)[0] == "ant"
    assert session.current.path == path
    assert issues_view.info.path_label.text() == path
    assert " · reviewed 0 /" in issues_view.counter.text()
    qtbot.keyClick(issues_view, Qt.Key.Key_Space)  # plain Z works as well
    qtbot.keyClick(issues_view, Qt.Key.Key_Z)
    assert state(project, path) == ("ant", None)
    assert session.current.path == path


def test_arrows_move_without_deciding(qtbot, issues_view):
    session = issues_view.session
    first = session.current.path
    qtbot.keyClick(issues_view, Qt.Key.Key_Right)
    assert session.current.path != first
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)
    assert session.current.path == first
    assert session.reviewed == 0


def test_clicking_a_neighbour_shows_it_large_until_a_key_which_decides_nothing(
    qtbot, issues_view, clustered
):
    project, _ = clustered
    view = issues_view
    reviewed = view.session.current.path
    picture, caption = view.neighbours.tiles[0]
    qtbot.waitUntil(lambda: bool(caption.text()), timeout=10000)
    qtbot.mouseClick(picture, Qt.MouseButton.LeftButton)
    assert view.popup.isVisible() and view.popup.path == picture.path
    assert caption.text() in view.popup.caption.text()
    assert view.popup.picture.has_image()
    qtbot.keyClick(view.popup, Qt.Key.Key_Return)  # closes the popup, accepts nothing
    assert not view.popup.isVisible()
    assert view.session.current.path == reviewed and view.session.reviewed == 0
    assert state(project, reviewed) == ("ant", None)


def test_neighbours_are_shown(qtbot, issues_view):
    picture, caption = issues_view.neighbours.tiles[0]
    qtbot.waitUntil(lambda: bool(caption.text()), timeout=10000)
    assert caption.text() in {"ant", "bee", "cow", "unlabeled"}
    assert not picture.pixmap().isNull()


def test_queue_shows_the_prediction_and_enter_labels_it(qtbot, queue_view, clustered):
    project, _ = clustered
    session = queue_view.session
    item = session.current
    assert item.label is None and item.suggested in project.classes()
    assert re.fullmatch(
        rf"(almost surely|probably|perhaps|unsure, maybe) {item.suggested} \(\d+%\)",
        queue_view.info.suggested_label.text(),
    )
    assert queue_view.info.score_label.text() == f"1 of {len(session.items)}, most useful first"
    assert queue_view.info.given_label.text() == "unlabeled"
    qtbot.keyClick(queue_view, Qt.Key.Key_Return)
    assert state(project, item.path)[0] == item.suggested
    assert project.history(item.path)[0].source == "suggestion"  # the model's, accepted
    qtbot.keyClick(queue_view, Qt.Key.Key_Space)  # skip: nothing written
    assert session.decisions[session.items[1].path] == "skip"
    assert queue_view.counter.text().startswith("labeled 1 · skipped 1 /")  # queue's words


def test_queue_refreshes_in_the_background_after_n_labels(qtbot, queue_view):
    queue_view.refresh_every.setValue(3)  # as if typed in the box: saved and announced
    session = queue_view.session
    messages: list[str] = []
    queue_view.message.connect(messages.append)
    qtbot.keyClick(queue_view, Qt.Key.Key_Return)
    qtbot.keyClick(queue_view, Qt.Key.Key_1)
    assert not queue_view.jobs.refreshing and session.labels_since_refresh == 2
    current = session.current.path
    with qtbot.waitSignal(queue_view.refreshed, timeout=20000):
        qtbot.keyClick(queue_view, Qt.Key.Key_Return)
        current = session.current.path
    assert session.current.path == current  # the image on screen stayed
    assert session.labels_since_refresh == 0
    upcoming = {it.path for it in session.items[session.index + 1 :]}
    assert not set(session.decisions) & upcoming  # labeled images do not come back
    trainable = 3 * 30 + 3  # the clustered project's train labels, plus three new ones
    said = f"Model refit on the {trainable} labels of the train split, queue refreshed"
    assert messages[-1] == said  # ("on 93 labels" beside "123 labeled" read as a loss)


def test_a_queue_that_runs_out_fetches_more_and_shows_the_next_image(
    qtbot, clustered, runner, monkeypatch
):
    from labeldesk.browse import review_lists

    monkeypatch.setattr(review_lists, "QUEUE_SIZE", 3)
    settings.set_queue_refresh_every(50)  # far more labels than the queue holds
    project, _ = clustered
    view = open_review(qtbot, project, runner, "queue")
    try:
        session = view.session
        first = [item.path for item in session.items]
        assert len(first) == 3
        qtbot.keyClick(view, Qt.Key.Key_Return)
        qtbot.keyClick(view, Qt.Key.Key_Space)  # skipped: must not come straight back
        with qtbot.waitSignal(view.refreshed, timeout=20000):
            qtbot.keyClick(view, Qt.Key.Key_Return)  # the last one: the queue ran out
            assert "fetching more" in view.notice.text()
        item = session.current
        assert item is not None and item.path not in first
        assert view.info.path_label.text() == item.path  # the image labeled next is on screen
        assert view.notice.isHidden()
        qtbot.keyClick(view, Qt.Key.Key_Return)
        assert state(project, item.path)[0] == item.suggested
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)


def test_the_place_in_the_queue_follows_a_background_refresh(qtbot, clustered, runner, monkeypatch):
    """The queue grows under the image on screen: its place ("3 of 7") is said anew at
    once, as the header's "remaining" is, not only after an arrow key."""
    from labeldesk.browse import review_lists

    monkeypatch.setattr(review_lists, "QUEUE_SIZE", 5)
    settings.set_queue_refresh_every(2)
    project, _ = clustered
    view = open_review(qtbot, project, runner, "queue")
    try:
        session = view.session
        assert len(session.items) == 5
        qtbot.keyClick(view, Qt.Key.Key_Return)
        with qtbot.waitSignal(view.refreshed, timeout=20000):
            qtbot.keyClick(view, Qt.Key.Key_Return)  # the second label: a refresh starts
            shown = session.current
            assert view.info.score_label.text() == "3 of 5, most useful first"
        assert session.current is shown  # the image stayed, the queue around it grew
        total = len(session.items)
        assert total == 3 + 4  # two labeled and the one shown, then four fresh ones
        assert view.info.score_label.text() == f"3 of {total}, most useful first"
        assert view.counter.text() == f"labeled 2 / remaining {total - 2}"
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)


def label_until_refresh(qtbot, view, limit: int) -> int:
    """Label with Enter until a background refresh starts; how many labels that took."""
    for n in range(1, limit + 1):
        qtbot.keyClick(view, Qt.Key.Key_Return)
        if view.jobs.refreshing:
            qtbot.waitUntil(lambda: not view.jobs.refreshing, timeout=20000)
            return n
    return 0


@pytest.mark.parametrize("every", [2, 5])
def test_changing_n_changes_when_the_queue_refreshes(qtbot, queue_view, every):
    assert queue_view.refresh_box.isVisibleTo(queue_view)
    assert queue_view.refresh_every.value() == review_session.QUEUE_REFRESH_EVERY
    queue_view.refresh_every.setValue(every)  # as the user would
    assert queue_view.session.refresh_every == every
    assert settings.queue_refresh_every() == every  # remembered for the next review
    assert label_until_refresh(qtbot, queue_view, limit=8) == every


def test_the_refresh_setting_is_read_when_the_view_opens(qtbot, clustered, runner):
    settings.set_queue_refresh_every(4)
    project, _ = clustered
    view = open_review(qtbot, project, runner, "queue")
    try:
        assert view.refresh_every.value() == 4
        assert view.session.refresh_every == 4
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)


def test_the_refresh_setting_is_hidden_outside_the_queue(issues_view):
    assert not issues_view.refresh_box.isVisibleTo(issues_view)


def test_typing_in_the_refresh_box_labels_nothing(qtbot, queue_view, clustered):
    project, _ = clustered
    path = queue_view.session.current.path
    box = queue_view.refresh_every
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.hasFocus()
    box.selectAll()
    qtbot.keyClicks(box, "3")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.value() == 3 and queue_view.session.refresh_every == 3
    assert state(project, path) == (None, None)  # the digit and Enter went to the box
    assert queue_view.session.current.path == path
    assert queue_view.hasFocus()  # back to deciding with keys
    left: list[bool] = []
    queue_view.backRequested.connect(lambda: left.append(True))
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    box.selectAll()
    qtbot.keyClicks(box, "7")
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # drops the typing, stays in the review
    assert box.value() == 3 and box.text() == "3" and not left
    assert queue_view.hasFocus()


def test_menu_opens_review_and_escape_returns_to_the_grid(qtbot, window, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    path = project.path
    project.close()
    assert window.open_project(path)
    window.menus.review_issues_action.trigger()
    review = window.review.view
    assert window.stack.currentWidget() is review
    qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
    first = review.session.current.path
    review.setFocus()
    qtbot.keyClick(review, Qt.Key.Key_Return)
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.view
    catalog = window.view.catalog
    position = list(catalog.paths).index(first)
    assert catalog.info(position).label == "bee"  # the grid re-read the labels


def test_no_embeddings_shows_one_readable_message(qtbot, window, project):
    assert window.open_project(project.path)
    window.menus.review_queue_action.trigger()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.view, timeout=20000)
    notice = window.findChild(object, "errorNotice")
    assert notice is not None
    assert "Tools → Compute embeddings" in notice.text()


def test_neighbours_of_the_previous_image_never_show_under_the_next(
    qtbot, issues_view, monkeypatch
):
    import threading

    from labeldesk.gui import review_jobs

    view = issues_view
    gate, started = threading.Event(), threading.Event()

    def slow_find(project, path, cancel=None):
        started.set()
        gate.wait(10)
        return [("train/ant/ant9.png", "ant", QImage(), 0.9)]

    monkeypatch.setattr(review_jobs, "find_neighbours", slow_find)
    view._neighbour_timer.setInterval(0)
    view.step_by(1)  # a lookup for this image starts and is slow
    qtbot.waitUntil(started.is_set, timeout=5000)
    searching = view.jobs.neighbour_job
    view._neighbour_timer.setInterval(60_000)  # the next image's lookup waits
    view.step_by(-1)  # the person moves on before it answers
    gate.set()
    qtbot.waitUntil(lambda: not searching.running, timeout=5000)
    qtbot.wait(50)
    assert view.neighbours.paths() == []  # not the other image's neighbours


def test_a_cancelled_refresh_of_an_empty_queue_says_so(qtbot, clustered, runner, monkeypatch):
    import threading

    from labeldesk.browse import review_lists
    from labeldesk.gui import review_jobs

    monkeypatch.setattr(review_lists, "QUEUE_SIZE", 1)
    settings.set_queue_refresh_every(50)
    gate = threading.Event()
    real = review_jobs.refresh_queue_items
    monkeypatch.setattr(review_jobs, "refresh_queue_items", lambda *a: (gate.wait(10), real(*a))[1])
    project, _ = clustered
    view = open_review(qtbot, project, runner, "queue")
    try:
        qtbot.keyClick(view, Qt.Key.Key_Space)  # the queue runs out: a refresh starts
        job = view.jobs.refresh_job
        assert job is not None and "fetching more" in view.notice.text()
        job.cancel()  # as the status bar's Cancel does
        gate.set()
        qtbot.waitUntil(lambda: not job.running, timeout=10000)
        assert view.notice.text().startswith("All reviewed")
        # the notice alone: no empty label fields, no empty neighbour boxes
        assert view.info.isHidden() and view.neighbours.isHidden()
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)


def test_a_rescan_drops_a_removed_image_and_follows_a_moved_one(qtbot, issues_view, clustered):
    project, _ = clustered
    view = issues_view
    session = view.session
    removed, moved = session.items[0].path, session.items[1].path
    total = len(session.items)
    (project.root / removed).unlink()
    new_path = moved.rsplit("/", 1)[0] + "/renamed.png"
    (project.root / moved).rename(project.root / new_path)
    project.scan(workers=1)  # as the app's rescan: the view hears of it from the project
    qtbot.waitUntil(lambda: view.info.path_label.text() == new_path, timeout=5000)
    assert view.counter.text().endswith(
        f" · reviewed 0 / remaining {total - 1} · 1 gone from the folder"
    )
    qtbot.keyClick(view, Qt.Key.Key_Return)  # decides the moved image, at its new path
    assert state(project, new_path)[0] == "bee"
    assert session.decisions == {new_path: "accept"}


def test_a_label_changed_by_another_process_is_shown_and_not_verified_unseen(
    qtbot, issues_view, clustered
):
    """The review heard only its own process's writes: Space then verified a label
    another process had set, shown as the old one."""
    from labeldesk.core.project import open_project
    from labeldesk.gui.session import OUTSIDE_CHANGES

    project, _ = clustered
    session = issues_view.session
    path = session.current.path
    with open_project(project.path) as other:  # `labeldesk label` in a terminal
        other.set_label(path, "cow")
    said: list[str] = []
    issues_view.message.connect(said.append)
    qtbot.keyClick(issues_view, Qt.Key.Key_Space)  # before the poll: refused by core
    assert state(project, path) == ("cow", None) and "nothing written" in said[-1]
    assert "cow" in issues_view.info.given_label.text()  # the label now, on screen
    with open_project(project.path) as other:
        other.set_label(path, "bee")
    issues_view.follow_outside(OUTSIDE_CHANGES)  # what the session's poll delivers
    assert "bee" in issues_view.info.given_label.text()
    qtbot.keyClick(issues_view, Qt.Key.Key_Space)
    assert state(project, path) == ("bee", "verified")


def test_no_class_yet_says_how_to_add_one(qtbot, clustered, runner):
    """A new user's first queue, with no class yet: the key hint says how to add classes
    (not "Enter accept ·  · Space skip"), and a number key says where they are added."""
    project, _ = clustered
    for name in CLASSES:
        project.remove_class(name)
    assert project.classes() == []
    view = open_review(qtbot, project, runner, "queue")
    try:
        hint = view.info.hint.text()
        assert "Classes → Add class…" in hint and "·  ·" not in hint
        with qtbot.waitSignal(view.message) as message:
            qtbot.keyClick(view, Qt.Key.Key_1)
        assert message.args[0] == "No class for key 1; add one with Classes → Add class…"
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)


def test_each_key_of_the_hint_stays_beside_its_word(queue_view):
    """The queue's hint wrapped between "· Z" and "undo" on the next line (only the class
    keys were kept whole)."""
    from labeldesk.gui.review_words import unbroken

    hint = queue_view.info.hint.text()
    for part in ("Enter label", "Space skip", "X exclude", "Z undo", "←/→ move", "Esc back"):
        assert unbroken(part) in hint, part


def test_the_hint_names_redo_beside_undo(queue_view):
    """The hint listed "Z undo" but not the redo key (Ctrl+Y, or Ctrl+Shift+Z)."""
    from labeldesk.gui.review_words import unbroken

    hint = queue_view.info.hint.text()
    assert unbroken("Z undo") + " · " + unbroken("Ctrl+Y redo") in hint
