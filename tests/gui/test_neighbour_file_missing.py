"""A neighbour whose file is gone from the image folder since the last scan is still found
by its stored embedding: the review's neighbour strip and the browser's neighbours showed
its stored thumbnail as if nothing were amiss (the command line says so on stderr). The
tile now wears a "file missing" badge across its foot, its tooltip says why and what to
do, and the browser's says so to a screen reader too."""

from __future__ import annotations

import os

import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from labeldesk.core.gone_files import FILE_MISSING_TIP
from labeldesk.gui.missing_badge import BADGE_BACK
from labeldesk.gui.neighbour_strip import NEIGHBOUR_SIDE, NeighbourStrip, find_neighbours


def _foot_colour(image: QImage) -> QColor:
    """The colour near the middle of the picture's lowest row."""
    return image.pixelColor(image.width() // 2 - 20, image.height() - 2)


def _icon(item) -> QImage:
    return item.icon().pixmap(64).toImage()


def _is_badge(colour: QColor) -> bool:
    return colour.red() > 120 and colour.green() < 60 and colour.blue() < 60


@pytest.fixture
def gone_neighbour(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    query = "train/cow/cow0.png"
    first, second = (row.path for row in find_neighbours(project, query, k=2))
    os.remove(project.image_path(second))
    yield project, query, first, second
    project.close()


def test_the_reviews_strip_badges_a_neighbour_whose_file_is_gone(qtbot, gone_neighbour):
    project, query, first, second = gone_neighbour
    rows = find_neighbours(project, query, k=2)
    assert [(row.path, row.file_missing) for row in rows] == [(first, False), (second, True)]
    assert not rows[1].image.isNull()  # still its picture as scanned
    strip = NeighbourStrip()
    qtbot.addWidget(strip)
    strip.show_neighbours(rows)
    assert strip.file_missing() == [False, True]
    (kept, _), (gone, _) = strip.tiles[:2]
    assert not _is_badge(_foot_colour(kept.pixmap().toImage()))
    badged = gone.pixmap().toImage()
    assert _is_badge(_foot_colour(badged)) and badged.width() == NEIGHBOUR_SIDE - 4
    assert FILE_MISSING_TIP in gone.toolTip() and FILE_MISSING_TIP not in kept.toolTip()
    assert BADGE_BACK.red() > 120  # (what _is_badge looks for)
    strip.show_neighbours([(first, "cow", rows[0].image, 0.9)])  # a plain row: no badge
    assert strip.file_missing() == [False]


def test_the_browsers_neighbours_badge_it_too(qtbot, tmp_path):
    from gui.conftest import shown_view

    project, _ = make_clustered_project(tmp_path)
    view = shown_view(qtbot, project, 1300, 850)
    try:
        qtbot.waitUntil(lambda: view.catalog.insights is not None, timeout=20000)
        view.sidebar.select_class("cow")
        view.grid.select_row(0)
        ids = view.detail.neighbour_ids()
        assert len(ids) == 8
        gone = view.project.paths_of([ids[1]])[0]
        os.remove(view.project.image_path(gone))
        view.grid.select_row(1)
        view.grid.select_row(0)  # shown again: looked at again
        strip = view.detail.neighbours
        items = [strip.item(i) for i in range(strip.count())]
        said = [item.data(Qt.ItemDataRole.AccessibleTextRole) for item in items]
        assert said[1].endswith(", file missing")
        assert not any(s.endswith("file missing") for n, s in enumerate(said) if n != 1)
        assert FILE_MISSING_TIP in items[1].toolTip()
        assert FILE_MISSING_TIP not in items[0].toolTip()
        # the thumbnail comes from the loader: the badge is drawn on it as it arrives
        qtbot.waitUntil(lambda: _is_badge(_foot_colour(_icon(items[1]))), timeout=10000)
        qtbot.waitUntil(lambda: not _icon(items[0]).isNull(), timeout=10000)
        assert not _is_badge(_foot_colour(_icon(items[0])))
    finally:
        view.shutdown()
