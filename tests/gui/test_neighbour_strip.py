"""The neighbour strip: tiles with labels, and a click reports the neighbour's path."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage

from labeldesk.core.progress import CancelToken
from labeldesk.gui.neighbour_strip import NEIGHBOURS, NeighbourStrip, find_neighbours
from labeldesk.gui.pixel_ratio import fit_pixmap


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
    strip.show_neighbours([("a/1.png", "ant", solid(8), 0.9), ("u/2.png", None, solid(8), 0.8)])
    (pic1, cap1), (_, cap2), (pic3, cap3) = strip.tiles[:3]
    assert len(strip.tiles) == NEIGHBOURS
    assert (cap1.text(), cap2.text(), cap3.text()) == ("ant", "unlabeled", "")
    assert not pic1.pixmap().isNull() and pic3.pixmap().isNull()
    assert pic1.toolTip().startswith("a/1.png\n")
    assert strip.paths() == ["a/1.png", "u/2.png"]
    strip.clear()
    assert strip.paths() == [] and cap1.text() == ""


def test_clicking_a_picture_or_caption_emits_its_path(qtbot, strip):
    strip.show_neighbours([("a/1.png", "ant", solid(8), 0.9), ("b/2.png", "bee", solid(8), 0.8)])
    with qtbot.waitSignal(strip.clicked, timeout=1000) as blocker:
        qtbot.mouseClick(strip.tiles[1][0], Qt.MouseButton.LeftButton)  # a picture
    assert blocker.args == ["b/2.png"]
    with qtbot.waitSignal(strip.clicked, timeout=1000) as blocker:
        qtbot.mouseClick(strip.tiles[0][1], Qt.MouseButton.LeftButton)  # a caption
    assert blocker.args == ["a/1.png"]


def test_empty_tiles_and_other_buttons_do_not_emit(qtbot, strip):
    strip.show_neighbours([("a/1.png", "ant", solid(8), 0.9)])
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
        assert query not in {path for path, *_ in rows}
        assert {label for _, label, *_ in rows} <= {"cow", None}  # a tight cluster
        assert all(not image.isNull() for _, _, image, *_ in rows)
        token = CancelToken()
        token.cancel()
        assert find_neighbours(project, query, cancel=token) == []
    finally:
        project.close()


def test_each_tile_says_how_similar_its_image_is(strip):
    """Under each label, the neighbour's cosine similarity to the image under review, as
    the browser's neighbours say it (a percentage); in its tooltip, what it measures."""
    strip.show_neighbours([("a/1.png", "ant", solid(8), 0.934), ("b/2.png", "bee", solid(8), 1.0)])
    first, second, empty = strip.similarity_labels[:3]
    assert (first.text(), second.text(), empty.text()) == ("93% similar", "100% similar", "")
    assert "Similarity to the image under review: 93%" in first.toolTip()
    assert "Similarity to the image under review: 93%" in strip.tiles[0][0].toolTip()
    strip.clear()
    assert first.text() == ""


def test_the_similarity_line_makes_the_strip_no_wider(qtbot, strip):
    """The line under each label keeps to the tile's width: the strip asks the same
    width as the tiles alone, and a narrow one still fits the fewest it shows."""
    strip.show_neighbours([(f"a/{i}.png", "t-shirt_top", solid(8), 0.5) for i in range(8)])
    assert all(label.width() <= 96 for label in strip.similarity_labels)
    assert strip.minimumSizeHint().width() == 3 * strip._tile_step()


def test_find_neighbours_carries_each_cosine_nearest_first(tmp_path):
    from labeldesk.ml.neighbors import similar

    project, _ = make_clustered_project(tmp_path)
    try:
        query = "train/cow/cow0.png"
        rows = find_neighbours(project, query, k=4)
        cosines = [row.similarity for row in rows]
        assert cosines == [hit["score"] for hit in similar(project, query, k=4)]
        assert cosines == sorted(cosines, reverse=True) and all(-1 <= c <= 1 for c in cosines)
    finally:
        project.close()


def test_a_neighbour_edited_since_the_scan_shows_the_picture_scanned(tmp_path):
    """A neighbour is found by the vector of the picture the scan read, and its label was
    given to that picture: a file edited since (no rescan) showed its new picture on the
    tile, unlike the grid's tile of it. Now the tile shows the picture as scanned (its
    cached thumbnail), until a scan takes the edit in."""
    from helpers import write_image

    project, _ = make_clustered_project(tmp_path)
    try:
        query = "train/cow/cow0.png"
        path, _, before, *_ = find_neighbours(project, query, k=1)[0]
        write_image(project.image_path(path), size=(16, 16), fmt="PNG", seed=999)  # edited
        [(again, _, shown, *_)] = find_neighbours(project, query, k=1)
        assert again == path and shown.size() == before.size() == QSize(8, 8)  # not 16x16
        assert shown == QImage(str(project.thumbnail(path)))  # the scanned picture's
        untouched = find_neighbours(project, query, k=2)[1]  # the original, exactly
        assert untouched[2] == QImage(str(project.image_path(untouched[0]))).convertToFormat(
            untouched[2].format()
        )
    finally:
        project.close()
