"""The map view draws one point per embedded image, colours them, and selects by box."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time

import numpy as np
import pyqtgraph as pg
import pytest
from ml import fake_fits
from ml.fake_embeddings import CLASSES
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QMouseEvent
from PySide6.QtWidgets import QApplication
from scipy.spatial import ConvexHull

from labeldesk.gui.map_selection import points_in_polygon
from labeldesk.gui.map_view import MapView
from labeldesk.gui.tile_delegate import class_color
from labeldesk.ml import projection
from labeldesk.ml.store import project_vectors


def point_colors(widget: MapView) -> list[str]:
    """The colour each point is drawn with."""
    return [
        QBrush(b).color().name() for b in widget.raster.in_row_order(widget.scatter.data["brush"])
    ]


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


def test_one_point_per_embedded_image(make_view, clustered_clean):
    widget = make_view(clustered_clean)
    assert widget.data is not None
    assert len(widget.scatter.data) == len(project_vectors(clustered_clean).paths)
    assert widget.data.paths == project_vectors(clustered_clean).paths
    assert widget.progress.isHidden()


def test_colour_by_label_uses_the_class_colours(make_view, clustered_clean):
    widget = make_view(clustered_clean)
    classes = clustered_clean.classes()
    colors = point_colors(widget)
    for path, label, color in zip(
        widget.data.paths, project_vectors(clustered_clean).labels, colors, strict=True
    ):
        expected = class_color(classes.index(label) if label else -1)
        assert color == expected.name(), path
    assert class_color(-1).name() in colors  # _unlabeled/ is grey


def test_colour_by_issue_score_is_a_colormap(make_view, clustered_clean, qtbot):
    widget = make_view(clustered_clean)
    with qtbot.waitSignal(widget.recolored, timeout=15000):
        widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))
    names = set(point_colors(widget))
    assert class_color(-1).name() in names  # unlabeled images have no score
    assert len(names) >= 2


def test_box_over_one_cluster_selects_its_images(make_view, clustered_clean, qtbot):
    widget = make_view(clustered_clean)
    data = widget.data
    labels = project_vectors(clustered_clean).labels
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


def test_hover_finds_the_point_under_the_mouse(make_view, clustered_clean):
    widget = make_view(clustered_clean)
    row = 0
    x, y = widget.data.xy[row]
    scene_pos = widget.viewbox.mapViewToScene(QPointF(float(x), float(y)))
    found = widget.point_at(scene_pos)
    assert found is not None
    assert np.allclose(widget.data.xy[found], widget.data.xy[row], atol=1e-2)
    widget._hover(scene_pos)
    assert widget.hover_card.isVisible()
    assert widget.data.paths[found] in widget.hover_card.text()


def test_the_card_goes_when_the_mouse_leaves_the_map(make_view, clustered_clean):
    """The card stayed over the map where the mouse had left it over a point (onto the
    colouring box, say) until the mouse came back."""
    widget = make_view(clustered_clean)
    x, y = widget.data.xy[0]
    widget._hover(widget.viewbox.mapViewToScene(QPointF(float(x), float(y))))
    assert widget.hover_card.isVisible()
    QApplication.sendEvent(widget.plot.viewport(), QEvent(QEvent.Type.Leave))
    assert not widget.hover_card.isVisible() and widget.hovered is None


def test_computing_the_map_can_be_cancelled(make_view, clustered_clean, qtbot, monkeypatch):
    release = threading.Event()
    original = projection.METHODS["pca"]

    def slow(vectors, seed):
        release.wait(5)
        return original(vectors, seed)

    monkeypatch.setitem(projection.METHODS, "pca", slow)
    widget = make_view(clustered_clean, wait=False)
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


# -- lasso -----------------------------------------------------------------------------
def star(center, inner: float, outer: float, points: int = 7) -> np.ndarray:
    """A non-convex polygon: a star with ``points`` tips."""
    angles = np.linspace(0, 2 * np.pi, 2 * points, endpoint=False)
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return np.column_stack([np.cos(angles) * radii, np.sin(angles) * radii]) + center


def test_points_in_polygon_agrees_with_a_reference():
    from skimage.measure import points_in_poly

    rng = np.random.default_rng(1)
    xy = rng.uniform(-2, 2, size=(20_000, 2))
    for polygon in (star((0.2, -0.1), 0.6, 1.8), np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])):
        expected = np.flatnonzero(points_in_poly(xy, polygon))
        found = points_in_polygon(xy, polygon)
        assert 0 < len(found) < len(xy)
        np.testing.assert_array_equal(found, expected)
    assert len(points_in_polygon(xy, np.array([[0, 0], [1, 1]]))) == 0  # not a polygon
    assert len(points_in_polygon(xy[:0], star((0, 0), 1, 2))) == 0


def test_points_in_polygon_is_fast_for_100k_points():
    rng = np.random.default_rng(2)
    xy = rng.normal(size=(100_000, 2)).astype(np.float32)
    angles = np.linspace(0, 2 * np.pi, 2000, endpoint=False)  # a long hand-drawn lasso
    wobble = 1.5 + 0.3 * np.sin(angles * 40)
    lasso = np.column_stack([np.cos(angles) * wobble, np.sin(angles) * wobble])
    points_in_polygon(xy, lasso)  # warm up
    start = time.perf_counter()
    found = points_in_polygon(xy, lasso)
    elapsed = time.perf_counter() - start
    assert 40_000 < len(found) < 100_000
    assert elapsed < 0.25, f"{elapsed:.3f} s for 100k points"


def cluster_outline(widget: MapView, labels, name: str, grow: float = 1.3) -> np.ndarray:
    """The convex hull of one class's points, grown around its centre (data coordinates)."""
    pts = widget.data.xy[[i for i, lab in enumerate(labels) if lab == name]].astype(np.float64)
    hull = pts[ConvexHull(pts).vertices]
    centre = pts.mean(axis=0)
    return centre + (hull - centre) * grow


def assert_selects_cluster(widget: MapView, labels, selected: list[str], name: str) -> None:
    data = widget.data
    inside = {p for p, lab in zip(data.paths, labels, strict=True) if lab == name}
    assert inside <= set(selected)
    others = {p for p, lab in zip(data.paths, labels, strict=True) if lab not in (None, name)}
    assert not others & set(selected)  # unlabeled look-alikes may be caught
    assert len(widget.highlight.data) == len(selected) == len(widget.selected)


def test_lasso_around_one_cluster_selects_its_images(make_view, clustered_clean, qtbot):
    widget = make_view(clustered_clean)
    labels = project_vectors(clustered_clean).labels
    with qtbot.waitSignal(widget.selectionChanged) as blocker:
        widget.select_polygon(cluster_outline(widget, labels, CLASSES[1]))
    assert_selects_cluster(widget, labels, blocker.args[0], CLASSES[1])
    assert f"{len(blocker.args[0]):,} of" in widget.status.text()


def test_choosing_lasso_switches_select_on(make_view, clustered_clean):
    widget = make_view(clustered_clean)
    assert widget.viewbox.tool == "box" and not widget.select_button.isChecked()
    widget.select_tool.setCurrentIndex(widget.select_tool.findData("lasso"))
    assert widget.viewbox.tool == "lasso"
    assert widget.select_button.isChecked() and widget.viewbox.selecting
    assert "around" in widget.select_button.toolTip()
    widget.select_tool.setCurrentIndex(widget.select_tool.findData("box"))
    assert widget.viewbox.tool == "box" and widget.viewbox.selecting


def send_mouse(viewport, kind, pos: QPointF, buttons) -> None:
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    global_pos = QPointF(viewport.mapToGlobal(pos.toPoint()))
    event = QMouseEvent(kind, pos, global_pos, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)


@pytest.fixture
def every_mouse_move():
    """pyqtgraph drops moves closer than 10 ms apart; synthetic ones come faster."""
    limit = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=0)
    yield
    pg.setConfigOptions(mouseRateLimit=limit)


def test_dragging_a_lasso_draws_it_then_selects_inside(
    make_view, clustered_clean, qtbot, every_mouse_move
):
    widget = make_view(clustered_clean)
    widget.select_tool.setCurrentIndex(widget.select_tool.findData("lasso"))
    labels = project_vectors(clustered_clean).labels
    outline = cluster_outline(widget, labels, CLASSES[2])
    # a hand-drawn stroke: many small steps along the grown hull, in viewport pixels
    closed = np.vstack([outline, outline[:1]])
    stroke = np.vstack(
        [np.linspace(a, b, 12, endpoint=False) for a, b in itertools.pairwise(closed)]
    )
    viewport = widget.plot.viewport()

    def to_viewport(x: float, y: float) -> QPointF:
        scene = widget.viewbox.mapViewToScene(QPointF(float(x), float(y)))
        return QPointF(widget.plot.mapFromScene(scene))

    pixels = [to_viewport(x, y) for x, y in stroke]
    held = Qt.MouseButton.LeftButton
    send_mouse(viewport, QEvent.Type.MouseButtonPress, pixels[0], held)
    for pos in pixels[1 : len(pixels) // 2]:
        send_mouse(viewport, QEvent.Type.MouseMove, pos, held)
    lasso = widget.viewbox.lasso_item
    assert lasso.isVisible()  # the outline is drawn while dragging
    assert lasso.path().elementCount() > 10
    with qtbot.waitSignal(widget.selectionChanged, timeout=5000) as blocker:
        for pos in pixels[len(pixels) // 2 :]:
            send_mouse(viewport, QEvent.Type.MouseMove, pos, held)
        send_mouse(viewport, QEvent.Type.MouseButtonRelease, pixels[-1], Qt.MouseButton.NoButton)
    assert not lasso.isVisible()
    assert_selects_cluster(widget, labels, blocker.args[0], CLASSES[2])


# -- closing during a UMAP fit ---------------------------------------------------------
def test_shutdown_during_a_umap_fit_returns_at_once(qtbot, clustered_clean, monkeypatch, tmp_path):
    marker = tmp_path / "fit-started"
    monkeypatch.setenv(fake_fits.STARTED_ENV, str(marker))
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.slow)
    widget = MapView(clustered_clean, method="umap")
    qtbot.addWidget(widget)
    widget.refresh()
    child_pid = fake_fits.wait_started(marker)
    start = time.monotonic()
    widget.shutdown()  # cancels the job and waits for its thread
    assert time.monotonic() - start < 2.0
    assert not multiprocessing.active_children()
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)


def test_the_map_follows_a_theme_switch(qapp, make_view, clustered_clean, qtbot, light_theme):
    from labeldesk.gui.theme import apply_theme, dark_palette

    widget = make_view(clustered_clean)
    light = widget.plot.backgroundBrush().color()
    apply_theme(qapp, "dark")
    dark = dark_palette()
    qtbot.waitUntil(
        lambda: widget.plot.backgroundBrush().color() == dark.base().color(), timeout=2000
    )
    assert light != dark.base().color()
    assert widget.highlight.opts["pen"].color() == dark.text().color()


def test_a_map_that_cannot_be_computed_says_why_and_stops_spinning(make_view, project, qtbot):
    """The failure of a map job was dropped (taken for an older job's): "computing the
    map…" and the busy bar stayed for good on a project with no embeddings."""
    widget = make_view(project, wait=False)
    with qtbot.waitSignal(widget.error, timeout=15000) as failed:
        widget.refresh()
    assert "Tools → Compute embeddings (Ctrl+E)" in failed.args[0]
    assert "labeldesk embed" not in failed.args[0]
    assert widget.progress.isHidden() and widget.cancel_button.isHidden()
    assert "Compute embeddings" in widget.status.text()
