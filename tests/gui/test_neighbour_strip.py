"""The neighbour strip: tiles with labels, and a click reports the neighbour's path."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage

from labeldesk.core.progress import CancelToken
from labeldesk.gui.image_display import fit_pixmap
from labeldesk.gui.neighbour_strip import NEIGHBOURS, NeighbourStrip, find_neighbours


def solid(side: int) -> QImage:
    image = QImage(side, side, QImage.Format.Format_RGB888)
    image.fill(QColor("red"))
    return image


@pytest.fixture
def strip(qtbot):
    widget = NeighbourStrip()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_rows_fill_the_first_tiles_and_the_rest_stay_empty(strip):
    strip.show_neighbours([("a/1.png", "ant", solid(8)), ("u/2.png", None, solid(8))])
    (pic1, cap1), (_, cap2), (pic3, cap3) = strip.tiles[:3]
    assert len(strip.tiles) == NEIGHBOURS
    assert (cap1.text(), cap2.text(), cap3.text()) == ("ant", "(unlabeled)", "")
    assert not pic1.pixmap().isNull() and pic3.pixmap().isNull()
    assert pic1.toolTip() == "a/1.png"
    assert strip.paths() == ["a/1.png", "u/2.png"]
    strip.clear()
    assert strip.paths() == [] and cap1.text() == ""


def test_clicking_a_picture_or_caption_emits_its_path(qtbot, strip):
    strip.show_neighbours([("a/1.png", "ant", solid(8)), ("b/2.png", "bee", solid(8))])
    with qtbot.waitSignal(strip.clicked, timeout=1000) as blocker:
        qtbot.mouseClick(strip.tiles[1][0], Qt.MouseButton.LeftButton)  # a picture
    assert blocker.args == ["b/2.png"]
    with qtbot.waitSignal(strip.clicked, timeout=1000) as blocker:
        qtbot.mouseClick(strip.tiles[0][1], Qt.MouseButton.LeftButton)  # a caption
    assert blocker.args == ["a/1.png"]


def test_empty_tiles_and_other_buttons_do_not_emit(qtbot, strip):
    strip.show_neighbours([("a/1.png", "ant", solid(8))])
    clicks: list[str] = []
    strip.clicked.connect(clicks.append)
    qtbot.mouseClick(strip.tiles[1][0], Qt.MouseButton.LeftButton)  # an empty tile
    qtbot.mouseClick(strip.tiles[0][0], Qt.MouseButton.RightButton)
    strip.clear()
    qtbot.mouseClick(strip.tiles[0][0], Qt.MouseButton.LeftButton)  # cleared
    assert clicks == []


def test_fit_pixmap_enlarges_tiny_images_by_whole_factors_and_shrinks_to_fit():
    assert fit_pixmap(solid(28), QSize(92, 92)).size() == QSize(84, 84)
    assert fit_pixmap(solid(200), QSize(92, 50)).size() == QSize(50, 50)
    assert fit_pixmap(QImage(), QSize(92, 92)).isNull()


def test_find_neighbours_returns_labels_and_pixels(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    try:
        query = "train/cow/cow0.png"
        rows = find_neighbours(project, query, k=4)
        assert len(rows) == 4
        assert query not in {path for path, _, _ in rows}
        assert {label for _, label, _ in rows} <= {"cow", None}  # a tight cluster
        assert all(not image.isNull() for _, _, image in rows)
        token = CancelToken()
        token.cancel()
        assert find_neighbours(project, query, cancel=token) == []
    finally:
        project.close()
