"""The browser with the model's insights: flagged filter, score sorts, the detail panel's
prediction and neighbours, "more like this" and "find different"."""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import Qt

from labeldesk.browse.image_records import SHOW_CHOICES, SORT_CHOICES
from labeldesk.gui.project_view import ProjectView


def test_flagged_filter_shows_the_planted_errors_with_badges(qtbot, insight_view, clustered):
    _, flipped = clustered
    view = insight_view
    assert view.sidebar.show_box.model().item(SHOW_CHOICES.index("flagged")).isEnabled()
    view.sidebar.select_show("flagged")
    shown = {view.model.path(r) for r in range(view.model.rowCount())}
    assert set(flipped) <= shown
    assert all(view.model.tile(r).flagged for r in range(view.model.rowCount()))
    assert "Likely mislabeled (" in view.sidebar.show_box.currentText()
    view.grid.select_row(view.model.row_of_id(view.project.ids_for([flipped[0]])[flipped[0]]))
    # One line of what the model thinks, the same in the detail panel and the tooltip: the
    # class it names is the suggested label, and it says what that means for the label.
    model_line = view.detail.fields["Model"].text()
    assert view.detail.fields["Model"].toolTip() == model_line  # whole, if a line is cut
    assert re.fullmatch(
        r"(almost surely|probably|perhaps) bee \(\d+%\) — label ant looks wrong", model_line
    )
    assert re.fullmatch(
        r"(<1%|\d+%) · flagged as likely mislabeled", view.detail.fields["Label fit"].text()
    )
    detail_tips = (view.detail.fields["Model"].toolTip(), view.detail.fields["Path"].toolTip())
    assert all(detail_tips)
    view.detail.show_none()  # no image: no last image's text on hover either
    assert view.detail.fields["Model"].toolTip() == view.detail.fields["Path"].toolTip() == ""
    tooltip = view.model.data(
        view.model.index(view.grid.selected_rows()[0]), Qt.ItemDataRole.ToolTipRole
    )
    assert tooltip.splitlines()[-1] == f"Model: {model_line}"


def test_the_model_line_agrees_with_the_suggestion_wherever_they_differed(insight_view):
    """Where the plain prediction's top class is not the suggestion, the app names only
    the suggestion (with its de-noised probability), never both."""
    catalog = insight_view.catalog
    scored = ~np.isnan(catalog.issue_scores)
    assert (catalog.guess[scored] == catalog.suggested[scored]).all()
    for pos in np.flatnonzero(scored)[:40]:
        line = catalog.opinion(int(pos))
        assert line.startswith("Model: ") and f" {catalog.suggested[pos]} (" in line
        if catalog.predicted[pos] != catalog.suggested[pos]:
            assert f" {catalog.predicted[pos]} (" not in line
    unlabeled = np.flatnonzero(catalog.label_codes == -1)
    assert len(unlabeled) and all(
        catalog.opinion(int(p)).startswith("Model: ") and "label" not in catalog.opinion(int(p))
        for p in unlabeled
    )


def test_the_flagged_filter_says_how_many_labels_are_likely_wrong(insight_view):
    view = insight_view
    expected = view.catalog.expected_errors
    flagged = int(view.catalog.flagged.sum())
    assert expected is not None and flagged >= 2
    assert view.sidebar.expected_note.isVisibleTo(view)
    note = view.sidebar.expected_note.text()
    assert f"about {expected} wrong label" in note and str(flagged) in note
    box = view.sidebar.show_box
    assert note == box.itemData(SHOW_CHOICES.index("flagged"), Qt.ItemDataRole.ToolTipRole)


def test_sorting_by_issue_score_puts_the_planted_errors_first(qtbot, insight_view, clustered):
    _, flipped = clustered
    view = insight_view
    view.sidebar.select_sort("issue")
    assert view.model.image_filter.sort == "issue"
    assert {view.model.path(0), view.model.path(1)} == set(flipped)
    view.sidebar.select_sort("outlier")
    scores = view.catalog.outlier_scores[view.model.positions(np.arange(view.model.rowCount()))]
    assert list(scores) == sorted(scores, reverse=True)
    view.sidebar.select_sort("path")
    paths = [view.model.path(r) for r in range(view.model.rowCount())]
    assert paths == sorted(paths)
    assert len(SORT_CHOICES) == view.sidebar.sort_box.count()


def test_relabeling_a_flagged_image_clears_its_badge_at_once(qtbot, insight_view, clustered):
    project, flipped = clustered
    view = insight_view
    row = view.model.row_of_id(project.ids_for([flipped[0]])[flipped[0]])
    assert view.model.tile(row).flagged
    view.grid.select_row(row)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # bee, the true class
    assert not view.model.tile(row).flagged
    # ...and the feed recomputes once labeling pauses.
    view.feed._timer.setInterval(10)
    view.feed.labels_changed()
    qtbot.waitUntil(lambda: not view.feed.job or not view.feed.job.running, timeout=20000)
    qtbot.waitUntil(lambda: flipped[0] not in _flagged_paths(view), timeout=20000)


def _flagged_paths(view: ProjectView) -> set[str]:
    return {str(p) for p in view.catalog.paths[view.catalog.flagged]}


def test_neighbour_strip_shows_similar_images_and_a_click_jumps(qtbot, insight_view):
    view = insight_view
    view.sidebar.select_class("cow")
    view.grid.select_row(0)
    ids = view.detail.neighbour_ids()
    assert len(ids) == 8
    labels = view.catalog.labels[view.catalog.positions_of(ids)]
    assert sum(label == "cow" for label in labels) >= 6  # its own cluster
    # A neighbour outside the "cow" filter widens the filter; otherwise any neighbour.
    others = [i for i, label in zip(ids, labels, strict=True) if label != "cow"]
    target = others[0] if others else ids[-1]
    item = view.detail.neighbours.item(ids.index(target))
    view.detail.neighbours.itemClicked.emit(item)
    assert int(view.model.rows_to_ids(view.grid.selected_rows())[0]) == target


def test_enter_on_a_neighbour_jumps_to_it_as_a_click_does(qtbot, insight_view):
    """Keyboard only: Tab from the grid to the strip, Right, Enter."""
    view = insight_view
    view.grid.select_row(0)
    ids = view.detail.neighbour_ids()
    strip = view.detail.neighbours
    for _ in range(30):  # Tab on through the panel's buttons to the strip
        if strip.hasFocus():
            break
        qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
    assert strip.hasFocus()
    strip.setCurrentRow(0)
    qtbot.keyClick(strip, Qt.Key.Key_Right)
    qtbot.keyClick(strip, Qt.Key.Key_Return)
    assert int(view.model.rows_to_ids(view.grid.selected_rows())[0]) == ids[1]
    assert view.grid.hasFocus()  # as after a click: the keys label the image jumped to


def test_one_tab_from_the_grid_reaches_the_neighbours(qtbot, insight_view):
    """README: "reach them with Tab". The first Tab went to the detail panel's scroll
    area, which shows no focus, so Tab then the arrows seemed to do nothing."""
    view = insight_view
    view.grid.select_row(0)
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_Tab)
    assert view.detail.neighbours.hasFocus()


def test_more_like_this_ranks_the_selections_class_first(qtbot, insight_view):
    view = insight_view
    view.sidebar.select_class("cow")
    view.grid.select_row(0)
    job = view.more_like_selection()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)  # may end before any wait
    qtbot.waitUntil(lambda: view.model.image_filter.ranking is not None, timeout=5000)
    top = view.catalog.labels[view.model.positions(np.arange(20))]
    assert sum(label == "cow" for label in top) >= 18
    view.sidebar.reset()  # any sidebar change goes back to the full list
    assert view.model.image_filter.ranking is None
    assert view.model.rowCount() == 115


def test_find_different_sorts_by_outlier_score(qtbot, insight_view):
    view = insight_view
    view.detail.find_different_button.click()
    assert view.sidebar.sort_box.currentIndex() == SORT_CHOICES.index("outlier")
    assert view.model.image_filter.sort == "outlier"


def test_without_embeddings_the_model_choices_are_disabled(qtbot, view):
    qtbot.waitUntil(lambda: view.feed.job is not None and not view.feed.job.running, timeout=10000)
    sort_model = view.sidebar.sort_box.model()
    assert not sort_model.item(SORT_CHOICES.index("issue")).isEnabled()
    assert sort_model.item(SORT_CHOICES.index("path")).isEnabled()
    assert not view.detail.more_like_button.isEnabled()
    view.grid.select_row(0)
    assert view.detail.fields["Model"].text().startswith("not computed")


def test_the_app_computes_insights_in_a_child_process(qtbot, clustered, monkeypatch, child_targets):
    """The real path: the numpy and pandas work runs in a spawned child, not in a thread
    of the app (where it held the GIL and stalled scrolling at 100k)."""
    from labeldesk.gui.insights_feed import InsightsFeed

    monkeypatch.setattr(InsightsFeed, "in_process", False)
    project, flipped = clustered
    widget = ProjectView(project)
    qtbot.addWidget(widget)
    try:
        qtbot.waitUntil(lambda: widget.catalog.insights is not None, timeout=60000)
        assert child_targets == ["labeldesk.ml.insights:insights_if_embedded"]
        insights = widget.catalog.insights
        assert len(insights) == len(project.images())  # every clustered image is embedded
        flagged_ids = set(insights.ids[insights.flagged].tolist())
        assert set(project.ids_for(flipped).values()) <= flagged_ids
    finally:
        widget.shutdown()


def test_the_estimate_names_why_fewer_are_flagged():
    """Verified labels are never flagged (ml/issues.py); a label changed since the scores
    is not until they are computed again (browse/catalog.py): relabeling flagged images
    lowered the count, and the note blamed verified labels when none were."""
    from labeldesk.gui.estimate_words import expected_errors_text

    assert expected_errors_text(17, 12) == (
        "The model expects about 17 wrong labels; 12 are flagged (not labels you verified, "
        "nor those changed since it last scored them)."
    )
    assert expected_errors_text(1, 1) == (
        "The model expects about 1 wrong label; the 1 most suspicious are flagged."
    )


def test_the_estimates_tooltip_says_when_the_pixels_took_part(qtbot):
    """The sidebar's note stays one sentence; its tooltip adds how the model predicted."""
    from labeldesk.gui.sidebar import FilterSidebar

    sidebar = FilterSidebar()
    qtbot.addWidget(sidebar)
    sidebar.set_expected_errors(17, 17, 0.35)
    note = sidebar.expected_note
    assert (
        note.text()
        == "The model expects about 17 wrong labels; the 17 most suspicious are flagged."
    )
    assert note.toolTip() == note.text() + (
        "\nPredicted 65% from the embeddings and 35% from the images' own coarse pixels."
    )
    sidebar.set_expected_errors(17, 17, 0.0)
    assert note.toolTip() == note.text()
