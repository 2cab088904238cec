"""A selection made on the map arrives in the browser selected, all of it: the detail
panel and the label keys act on the whole cluster at once, and Undo takes such a label
back in one step. Before, only the first image was selected, so labeling the cluster
needed Ctrl+A first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF, Qt

from labeldesk.gui import map_view
from labeldesk.ml.store import project_vectors


class PcaMap(map_view.MapView):
    """The map as the app builds it, with a projection fast enough for a test."""

    def __init__(self, project, runner=None, catalog_source=None):
        super().__init__(project, runner, method="pca", catalog_source=catalog_source)


@pytest.fixture
def on_map(qtbot, opened, monkeypatch):
    """The main window on the clustered project, its map shown and drawn."""
    window, _ = opened
    monkeypatch.setattr(map_view, "MapView", PcaMap)
    window.show_map()
    page = window.pages.map
    qtbot.waitUntil(lambda: page.data is not None, timeout=20000)
    return window, page


def labels_of(window, paths) -> dict[str, str | None]:
    frame = window.project.images().set_index("path")
    return {p: (lab if isinstance(lab, str) else None) for p, lab in frame.label[paths].items()}


def assert_all_selected_with_current_in_view(window, paths) -> None:
    view = window.view
    grid, model = view.grid, view.model
    n = len(paths)
    assert window.stack.currentWidget() is view
    assert set(model.paths_of_rows(range(model.rowCount()))) == set(paths)
    assert grid.selected_rows().tolist() == list(range(n))  # all of them, not the first
    current = grid.currentIndex()
    assert current.isValid() and grid.viewport().rect().intersects(grid.visualRect(current))
    assert view.detail.title.text() == f"{n} images selected"
    assert f"{n} selected" in window.counts_label.text()


def test_a_box_on_the_map_arrives_selected_and_one_key_labels_it_all(qtbot, on_map, monkeypatch):
    window, page = on_map
    view = window.view
    labels = project_vectors(view.project).labels
    rows = [i for i, lab in enumerate(labels) if lab == "ant"]
    (x0, y0), (x1, y1) = page.data.xy[rows].min(axis=0), page.data.xy[rows].max(axis=0)
    page.select_rect(QRectF(x0 - 1e-3, y0 - 1e-3, x1 - x0 + 2e-3, y1 - y0 + 2e-3))
    boxed = list(page.selected)
    assert len(boxed) >= 35  # the 35 ants and any ant-like unlabeled images
    assert_all_selected_with_current_in_view(window, boxed)
    before = labels_of(window, boxed)
    assert set(before.values()) >= {"ant"}
    monkeypatch.setattr(view.labeling, "confirm", lambda *_: True)  # (over 50: it asks)
    qtbot.keyClick(view.grid, Qt.Key.Key_3)  # the third class, cow: the whole cluster
    assert set(labels_of(window, boxed).values()) == {"cow"}
    assert len(view.grid.selected_rows()) == len(boxed)  # still selected for the next key
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert labels_of(window, boxed) == before  # one Undo takes all of it back


def test_the_keyboards_selection_on_the_map_arrives_selected_too(qtbot, on_map):
    window, page = on_map
    plot = page.plot
    plot.setFocus()
    qtbot.waitUntil(lambda: page.finder() is not None and page.finder().built)
    qtbot.keyClick(plot, Qt.Key.Key_Right)  # the cursor, on from the browser's image
    for _ in range(3):
        qtbot.keyClick(plot, Qt.Key.Key_BracketRight)  # its 1, 5, then 10 nearest
    chosen = list(page.selected)
    assert len(chosen) == 10 and window.stack.currentWidget() is page  # not sent yet
    qtbot.keyClick(plot, Qt.Key.Key_Return)
    assert_all_selected_with_current_in_view(window, chosen)
    # Esc narrows it to the current image, as after Ctrl+A
    qtbot.keyClick(window.view.grid, Qt.Key.Key_Escape)
    assert len(window.view.grid.selected_rows()) == 1


def test_the_map_opens_on_the_browsers_image(qtbot, opened, monkeypatch):
    """Opened from an image in the browser (a planted mislabel), the map showed the
    whole map and nothing of where that image lies: its cursor is on it now, its card
    shown; back in the browser on another image, the map opens on that one."""
    window, flipped = opened
    monkeypatch.setattr(map_view, "MapView", PcaMap)
    view = window.view
    model = view.model
    paths = model.paths_of_rows(range(model.rowCount()))
    rows = [paths.index(flipped[0]), paths.index(flipped[1])]
    view.grid.setCurrentIndex(model.index(rows[0], 0))
    window.show_map()
    page = window.pages.map
    qtbot.waitUntil(lambda: page.keys.cursor_id == model.image_id(rows[0]), timeout=20000)
    assert page.hover_card.isVisible() and flipped[0] in page.hover_card.text()
    window.show_browser()
    view.grid.setCurrentIndex(model.index(rows[1], 0))
    window.show_map()
    assert page.keys.cursor_id == model.image_id(rows[1])
    assert flipped[1] in page.hover_card.text()
