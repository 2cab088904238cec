"""The map view draws one point per embedded image, colours them, and selects by box."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from ml.fake_embeddings import CLASSES, make_clustered_project
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush

from labeldesk.gui.map_view import MapView
from labeldesk.gui.tile_delegate import class_color
from labeldesk.ml import projection
from labeldesk.ml.store import project_vectors


def point_colors(widget: MapView) -> list[str]:
    """The colour each point is drawn with."""
    return [QBrush(b).color().name() for b in widget.scatter.data["brush"]]


@pytest.fixture
def clustered(tmp_path):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    yield project
    project.close()


@pytest.fixture
def make_view(qtbot):
    views: list[MapView] = []

    def make(project, wait: bool = True) -> MapView:
        widget = MapView(project, method="pca")
        qtbot.addWidget(widget)
        widget.resize(900, 700)
        widget.show()
        qtbot.waitExposed(widget)
        views.append(widget)
        if wait:
            with qtbot.waitSignal(widget.mapReady, timeout=15000):
                widget.refresh()
        return widget

    yield make
    for widget in views:
        widget.shutdown()


def test_one_point_per_embedded_image(make_view, clustered):
    widget = make_view(clustered)
    assert widget.data is not None
    assert len(widget.scatter.data) == len(project_vectors(clustered).paths)
    assert widget.data.paths == project_vectors(clustered).paths
    assert widget.progress.isHidden()


def test_colour_by_label_uses_the_class_colours(make_view, clustered):
    widget = make_view(clustered)
    classes = clustered.classes()
    colors = point_colors(widget)
    for path, label, color in zip(
        widget.data.paths, project_vectors(clustered).labels, colors, strict=True
    ):
        expected = class_color(classes.index(label) if label else -1)
        assert color == expected.name(), path
    assert class_color(-1).name() in colors  # _unlabeled/ is grey


def test_colour_by_issue_score_is_a_colormap(make_view, clustered, qtbot):
    widget = make_view(clustered)
    with qtbot.waitSignal(widget.recolored, timeout=15000):
        widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))
    names = set(point_colors(widget))
    assert class_color(-1).name() in names  # unlabeled images have no score
    assert len(names) >= 2


def test_box_over_one_cluster_selects_its_images(make_view, clustered, qtbot):
    widget = make_view(clustered)
    data = widget.data
    labels = project_vectors(clustered).labels
    rows = [i for i, lab in enumerate(labels) if lab == CLASSES[0]]
    (x0, y0), (x1, y1) = data.xy[rows].min(axis=0), data.xy[rows].max(axis=0)
    box = QRectF(x0 - 1e-3, y0 - 1e-3, x1 - x0 + 2e-3, y1 - y0 + 2e-3)
    with qtbot.waitSignal(widget.selectionChanged) as blocker:
        widget.select_rect(box)
    selected = blocker.args[0]
    inside = {p for p, lab in zip(data.paths, labels, strict=True) if lab == CLASSES[0]}
    assert inside <= set(selected)
    # nothing of another class is caught (unlabeled ant-like images may be)
    others = {p for p, lab in zip(data.paths, labels, strict=True) if lab not in (None, CLASSES[0])}
    assert not others & set(selected)
    assert len(widget.highlight.data) == len(selected)


def test_hover_finds_the_point_under_the_mouse(make_view, clustered):
    widget = make_view(clustered)
    row = 0
    x, y = widget.data.xy[row]
    scene_pos = widget.viewbox.mapViewToScene(QPointF(float(x), float(y)))
    found = widget.point_at(scene_pos)
    assert found is not None
    assert np.allclose(widget.data.xy[found], widget.data.xy[row], atol=1e-2)
    widget._hover(scene_pos)
    assert widget.hover_card.isVisible()
    assert widget.data.paths[found] in widget.hover_card.text()


def test_computing_the_map_can_be_cancelled(make_view, clustered, qtbot, monkeypatch):
    release = threading.Event()
    original = projection.METHODS["pca"]

    def slow(vectors, seed):
        release.wait(5)
        return original(vectors, seed)

    monkeypatch.setitem(projection.METHODS, "pca", slow)
    widget = make_view(clustered, wait=False)
    widget.refresh()
    assert widget.progress.isVisible() and widget.cancel_button.isVisible()
    job = widget.job
    with qtbot.waitSignal(job.cancelled, timeout=10000):
        widget.cancel_button.click()
        release.set()
    qtbot.waitUntil(lambda: widget.job is None)
    assert widget.data is None
    assert "cancelled" in widget.status.text().lower()
    assert not widget.cancel_button.isVisible()
