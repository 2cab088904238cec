"""Selections that say what they are: the map's box and a confusion cell replace the
browser's filters, the sidebar says what is shown, and a cell's number is what the
browser then shows. Also: the status bar follows every key of the labeling queue."""

from __future__ import annotations

import re

import pytest
from ml.fake_embeddings import CLASSES
from PySide6.QtCore import QRectF, Qt

from labeldesk.gui import map_view
from labeldesk.ml.store import project_vectors


def shown_paths(window) -> set[str]:
    model = window.view.model
    return set(model.paths_of_rows(range(model.rowCount())))


class PcaMap(map_view.MapView):
    """The map as the app builds it, with a projection fast enough for a test."""

    def __init__(self, project, runner=None, catalog_source=None):
        super().__init__(project, runner, method="pca", catalog_source=catalog_source)


def test_a_map_selection_replaces_the_filters_and_says_so(qtbot, opened, monkeypatch):
    window, _ = opened
    view, sidebar = window.view, window.view.sidebar
    sidebar.select_class("cow")
    sidebar.select_split("val")
    assert view.model.rowCount() == 5  # an earlier filter: 5 val cows
    monkeypatch.setattr(map_view, "MapView", PcaMap)
    window.show_map()
    page = window.pages.map
    qtbot.waitUntil(lambda: page.data is not None, timeout=20000)
    labels = project_vectors(view.project).labels
    rows = [i for i, lab in enumerate(labels) if lab == "ant"]
    (x0, y0), (x1, y1) = page.data.xy[rows].min(axis=0), page.data.xy[rows].max(axis=0)
    page.select_rect(QRectF(x0 - 1e-3, y0 - 1e-3, x1 - x0 + 2e-3, y1 - y0 + 2e-3))
    selected = set(page.selected)
    assert len(selected) >= 35  # the 35 ants and any ant-like unlabeled images
    assert window.stack.currentWidget() is view
    # Not intersected with the earlier filter (that showed no ants at all).
    assert shown_paths(window) == selected
    wanted = sidebar.current_filter()
    assert (wanted.label, wanted.split, wanted.show, wanted.search) == (None, None, "all", "")
    assert sidebar.banner.isVisibleTo(view)
    n = len(selected)
    assert sidebar.banner_text.text() == f"Showing {n} images selected on the map"
    assert f"showing {n}" in window.counts_label.text()
    # The filters now narrow within the selection, and the banner says so.
    sidebar.select_split("val")
    assert shown_paths(window) == {p for p in selected if p.startswith("val/")}
    k = view.model.rowCount()
    assert 0 < k < n
    assert sidebar.banner_text.text() == (
        f"Showing {k} of the {n} images selected on the map (narrowed by the filters)"
    )
    # ✕ drops the selection; the filters stay as they are.
    qtbot.mouseClick(sidebar.clear_selection_button, Qt.MouseButton.LeftButton)
    assert not sidebar.banner.isVisibleTo(view)
    assert view.model.rowCount() == 15  # every val image
    assert sidebar.current_filter().paths is None


@pytest.mark.parametrize("scope", ["val", None])
def test_a_confusion_cell_shows_as_many_images_as_it_says(qtbot, opened, scope):
    window, flipped = opened
    view = window.view
    view.sidebar.select_class("cow")  # an earlier filter, which the cell must not meet
    window.show_statistics()
    stats = window.pages.stats
    stats.confusion_split.setCurrentIndex(stats.confusion_split.findData(scope))
    table = stats.confusion
    n = len(CLASSES)
    cells = [(i, j) for i in range(n) for j in range(n) if int(table.item(i, j).text())]
    assert any(i != j for i, j in cells) or scope == "val"
    for i, j in cells:
        window.show_statistics()
        count = int(table.item(i, j).text())
        rect = table.visualItemRect(table.item(i, j))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window.stack.currentWidget() is view
        assert view.model.rowCount() == count, (CLASSES[i], CLASSES[j], scope)
        banner = view.sidebar.banner_text.text()
        assert banner.startswith(f"Showing {count} images labeled {CLASSES[i]} that the model")
        assert banner.endswith("when the cell was opened")  # still true once relabeled
        assert (f"(in {scope})" in banner) == (scope is not None)
        if scope is None and (i, j) == (0, 1):  # labeled ant, the model thinks bee
            assert set(flipped) <= shown_paths(window)
            for row in range(view.model.rowCount()):  # each says so in its tooltip
                tip = view.model.data(view.model.index(row), Qt.ItemDataRole.ToolTipRole)
                assert re.search(r"Model: .*bee \(>?\d+%\) — label ant", tip)  # or ">99%"


def test_the_status_bar_counts_follow_each_label_in_the_queue(qtbot, opened):
    window, _ = opened
    counts = window.counts_label
    assert "105 labeled · 10 unlabeled" in counts.text()
    window.review_queue()
    review = window.review.view
    qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
    for done in (1, 2, 3):
        qtbot.keyClick(review, Qt.Key.Key_Return)  # label with the model's prediction
        assert f"{105 + done} labeled · {10 - done} unlabeled" in counts.text()
    qtbot.keyClick(review, Qt.Key.Key_Z)  # undo follows too
    assert "107 labeled · 8 unlabeled" in counts.text()
    qtbot.keyClick(review, Qt.Key.Key_X)  # exclude
    assert "1 excluded" in counts.text()
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.view
    assert "107 labeled · 8 unlabeled · 1 excluded" in counts.text()


def test_a_selection_of_images_not_read_yet_is_counted_and_chosen_once_they_are(
    qtbot, view, project
):
    """Images added from the drift page were shown before the browser had read them:
    "Showing 2 of the 0 images … (narrowed by the filters)", nothing selected."""
    from helpers import write_image

    added = ["_unlabeled/new/a.png", "_unlabeled/new/b.png"]
    for n, rel in enumerate(added):
        write_image(project.root / rel, fmt="PNG", seed=40 + n)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10000)
    view.show_paths(added, "added from the drift check")
    project.scan(workers=1)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10000)
    qtbot.waitUntil(lambda: "Showing 2 images added" in view.sidebar.banner_text.text())
    assert "narrowed" not in view.sidebar.banner_text.text()
    assert len(view.grid.selected_rows()) == 1


def test_a_selection_the_filters_hide_chooses_nothing_on_a_later_read(qtbot, view, project):
    """A selection whose images were read but all hidden by the filters chose its first
    image on the next unrelated re-read: a key pressed next labeled it."""
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10000)
    view.show_paths(["train/dog/dog0.jpg", "train/dog/dog1.jpg"], "selected on the map")
    view.sidebar.select_class(None, unlabeled=True)  # the filters hide both
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=10000)
    project.set_label("train/dog/dog0.jpg", None)  # now unlabeled: the filter shows it
    view.fill_in()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10000)
    qtbot.wait(100)
    assert len(view.grid.selected_rows()) == 0
