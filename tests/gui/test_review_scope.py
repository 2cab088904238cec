"""Review → Review likely mislabels (Ctrl+I) keeps to what the browser is narrowed to: an
annotator who picked "coat" in the class list (its *Likely mislabeled*: 41) was taken
through every flagged image of every class ("image 1 of 262"). The header names the
scope, and *Review the whole project* takes in the rest."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import Qt

from gui.held_join import hold_orders
from labeldesk.browse import review_scope
from labeldesk.browse.review_scope import ReviewScope


def open_with_flags_in_two_classes(qtbot, window, clustered):
    """The clustered project (two ant images that look like bees) with a cow image
    labeled bee too, opened in the window, its insights computed."""
    project, flipped = clustered
    project.set_label("train/cow/cow0.png", "bee")
    path = project.path
    project.close()
    assert window.open_project(path)
    qtbot.waitUntil(lambda: window.view.catalog.insights is not None, timeout=30000)
    return flipped


def start_review(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    review = window.review.view
    assert review is not None
    qtbot.waitUntil(lambda: review.session is not None, timeout=30000)
    return review


def test_the_review_keeps_to_the_class_the_browser_shows(qtbot, window, clustered):
    flipped = open_with_flags_in_two_classes(qtbot, window, clustered)
    review = start_review(qtbot, window)
    everything = {item.path: item.label for item in review.session.items}
    assert "train/cow/cow0.png" in everything and set(flipped) <= set(everything)
    ants = [path for path, label in everything.items() if label == "ant"]
    window.show_browser()

    window.view.sidebar.select_class("ant")
    review = start_review(qtbot, window)
    items = review.session.items
    assert [item.path for item in items] == ants  # in the same order
    assert review.counter.text().startswith(f"ant · image 1 of {len(ants)} · ")
    assert review.whole_button.isVisible()

    review.whole_button.click()  # the way back to all
    qtbot.waitUntil(lambda: review.session is not None, timeout=30000)
    assert {item.path for item in review.session.items} == set(everything)
    header = review.counter.text()
    assert f"image 1 of {len(everything)} · " in header and "ant" not in header
    assert not review.whole_button.isVisible()


def test_the_whole_project_is_reviewed_when_the_browser_is_not_narrowed(qtbot, window, clustered):
    open_with_flags_in_two_classes(qtbot, window, clustered)
    window.view.sidebar.select_class(None)  # All images
    review = start_review(qtbot, window)
    labels = {item.label for item in review.session.items}
    assert {"ant", "bee"} <= labels
    assert not review.whole_button.isVisible()


def test_the_scope_is_narrowed_off_the_gui_thread(qtbot, window, clustered, monkeypatch):
    """At a million images, a set of the paths of a browser narrowed to a split is about
    half a second's work: the review's load job makes it, and keeps the list to it, while
    the window goes on (it was made on the GUI thread at Ctrl+I, and the list narrowed
    there when it arrived)."""
    open_with_flags_in_two_classes(qtbot, window, clustered)
    made_in: list[threading.Thread] = []  # where the scope's set of paths was made
    narrowed_in: list[threading.Thread] = []
    narrow = ReviewScope.narrow

    def making(paths):
        made_in.append(threading.current_thread())
        return frozenset(paths)

    def narrowing(scope, items):
        narrowed_in.append(threading.current_thread())
        return narrow(scope, items)

    monkeypatch.setattr(review_scope, "frozenset", making, raising=False)
    monkeypatch.setattr(ReviewScope, "narrow", narrowing)
    window.view.sidebar.select_class("ant")
    review = start_review(qtbot, window)
    assert {item.label for item in review.session.items} == {"ant"}
    assert made_in and narrowed_in
    assert threading.main_thread() not in made_in + narrowed_in


def more_like(qtbot, window, paths):
    """Select ``paths`` in the browser and wait for More like this to show its ranking."""
    view = window.view
    view.sidebar.select_class(None)
    rows = np.sort(
        [
            view.model.row_of_id(int(i))
            for i in view.catalog.ids[view.catalog.positions_of_paths(paths)]
        ]
    )
    view.grid.restore_selection(rows, int(rows[0]))
    job = view.more_like_selection()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: view.model.image_filter.ranking is not None, timeout=5000)


def test_after_more_like_this_the_header_names_the_image_and_counts_the_review(
    qtbot, window, clustered
):
    """The header read "like the selected image: it first, then the 200 most similar ·
    image 1 of 2 · …": the banner's words, with a count of the whole ranking beside the
    review's own. It names the list as the other scopes do ("ant · image 1 of 2")."""
    flipped = open_with_flags_in_two_classes(qtbot, window, clustered)
    more_like(qtbot, window, [flipped[0]])
    review = start_review(qtbot, window)
    count = len(review.session.items)
    header = review.counter.text()
    assert header.startswith(f"images like {flipped[0]} · image 1 of {count} · "), header
    assert "most similar" not in header and "it first" not in header

    window.show_browser()
    more_like(qtbot, window, list(flipped[:2]))
    review = start_review(qtbot, window)
    header = review.counter.text()
    assert header.startswith(f"images like {min(flipped[:2])} and 1 more · image 1 of "), header


def test_a_class_chosen_while_its_order_is_made_is_the_scope(qtbot, window, clustered, monkeypatch):
    """At a million images a class chosen while the browser's order by a model value is
    being made waits for that order (the grid keeps its rows a moment): Ctrl+I meanwhile
    keeps to the class chosen, not to the rows still shown."""
    open_with_flags_in_two_classes(qtbot, window, clustered)
    view = window.view
    view.sidebar.select_sort("confidence")
    begun, gate = hold_orders(monkeypatch)
    try:
        view._insights_updated(view.catalog.insights)  # new scores: orders made by a job
        qtbot.waitUntil(begun.is_set, timeout=30000)
        view.sidebar.select_class("ant")
        assert view.model.image_filter.label is None  # (the grid waits for the order)
        qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    finally:
        gate.set()
    review = window.review.view
    assert review is not None
    qtbot.waitUntil(lambda: review.session is not None, timeout=30000)
    assert review.session.items and {item.label for item in review.session.items} == {"ant"}
    assert review.counter.text().startswith("ant · image 1 of ")
