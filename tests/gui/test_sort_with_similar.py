"""More like this shows its images in similarity order, whatever Sort says: the Sort box
stayed enabled and kept its text ("Path"), and picking another order did nothing. Find
different over those results said "Sorted by outlier score: the most unusual images
come first" and set Sort to Most unusual first, while the grid kept the similarity
order. Now Sort is off (and says why) while that order is shown, and Find different
drops it and sorts the images by outlier score."""

from __future__ import annotations

import numpy as np

from labeldesk.browse.image_records import SORT_CHOICES
from labeldesk.gui.project_view import ProjectView


def _more_like_first_image(qtbot, view: ProjectView) -> None:
    view.grid.select_row(0)
    job = view.more_like_selection()
    assert job is not None
    qtbot.waitUntil(lambda: view.model.image_filter.ranking is not None, timeout=20000)


def test_sort_is_off_while_the_similarity_order_is_shown(qtbot, insight_view):
    view = insight_view
    assert view.sidebar.sort_box.isEnabled()
    _more_like_first_image(qtbot, view)
    box = view.sidebar.sort_box
    assert not box.isEnabled()
    assert "similar" in box.toolTip()
    view.sidebar.clear_selection_button.click()
    assert view.model.image_filter.ranking is None
    assert box.isEnabled() and box.toolTip() == ""


def test_find_different_over_similar_images_sorts_by_outlier_score(qtbot, insight_view):
    view = insight_view
    _more_like_first_image(qtbot, view)
    view.detail.find_different_button.click()
    qtbot.waitUntil(lambda: view.model.image_filter.ranking is None, timeout=5000)
    assert view.sidebar.sort_box.currentIndex() == SORT_CHOICES.index("outlier")
    assert view.sidebar.sort_box.isEnabled()
    assert not view.sidebar.banner.isVisible()
    shown = view.model.positions(np.arange(view.model.rowCount()))
    scores = view.catalog.outlier_scores[shown]
    assert np.all(np.diff(scores) <= 1e-9)  # the most unusual first, as the message says
