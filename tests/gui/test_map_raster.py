"""A map of many points is drawn as one image (labeldesk/gui/map_raster.py): each point a
dot of its colour at its place, the selection ringed, recoloured in place, made again
when the view moves. Here with the threshold lowered, so a few points take that path."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from gui.map_shown import empty_map, map_showing, wait_drawn
from labeldesk.core.project import Project
from labeldesk.gui import map_raster, map_tree
from labeldesk.gui.map_pixels import disc, grow
from labeldesk.gui.map_view import MapView
from labeldesk.gui.tile_delegate import class_color
from labeldesk.ml.map_data import MapPoints

CLASSES = ["ant", "bee", "cow"]


@pytest.fixture
def raster_from_3(monkeypatch):
    monkeypatch.setattr(map_raster, "RASTER_MIN_POINTS", 3)


@pytest.fixture
def empty_project(tmp_path):
    (tmp_path / "images").mkdir()
    project = Project.create(tmp_path / "project", tmp_path / "images", classes=CLASSES)
    yield project
    project.close()


def grid_points() -> MapPoints:
    """6 x 4 points on a grid, far apart on screen, labels cycling (-1: unlabeled), and
    one more point exactly over the first (of another colour)."""
    x, y = np.meshgrid(np.arange(6.0), np.arange(4.0) * 1.5)
    xy = np.vstack([np.column_stack([x.ravel(), y.ravel()]), [[0.0, 0.0]]]).astype(np.float32)
    labels = np.array([(i % 4) - 1 for i in range(24)] + [2], dtype=np.int64)
    paths = [f"p{i}.png" for i in range(len(xy))]
    return MapPoints(paths, xy, labels, CLASSES, np.arange(len(xy), dtype=np.int64))


@pytest.fixture
def grid_map(qtbot, empty_project, raster_from_3):
    widget = map_showing(qtbot, empty_project, grid_points())
    yield widget
    widget.shutdown()


def pixel_color(widget: MapView, x: float, y: float) -> str:
    row, col = widget.raster.pixel(x, y)
    return QColor.fromRgba(int(widget.raster.image[row, col])).name()


def expected(widget: MapView, row: int) -> str:
    return class_color(int(widget.data.labels[row])).name()


def test_each_point_is_a_dot_of_its_colour_at_its_place(grid_map):
    widget = grid_map
    assert len(widget.scatter.data) == 0  # not the per-point scatter
    assert widget.raster.image.size
    for row in range(1, 24):
        assert pixel_color(widget, *widget.data.xy[row]) == expected(widget, row), row
    rank = widget.raster.order.rank  # the later point in the drawing order on top
    assert pixel_color(widget, 0, 0) == expected(widget, 24 if rank[24] > rank[0] else 0)
    # between the dots: nothing drawn (the background shows)
    assert widget.raster.image[widget.raster.pixel(0.5, 0.75)] == 0


def test_the_view_on_screen_shows_the_image(grid_map):
    """Read back from the widget itself: the image sits where the points are (not
    flipped or shifted)."""
    widget = grid_map
    shot = widget.plot.grab().toImage()
    for row in (1, 5, 18, 23):
        x, y = widget.data.xy[row]
        scene = widget.viewbox.mapViewToScene(QPointF(float(x), float(y)))
        at = widget.plot.viewport().mapTo(widget.plot, widget.plot.mapFromScene(scene))
        ratio = shot.devicePixelRatio()
        color = shot.pixelColor(QPoint(round(at.x() * ratio), round(at.y() * ratio)))
        assert color.name() == expected(widget, row), row


def test_a_dot_is_the_scatters_size():
    assert disc(2.5) == [(1, 2), (2, 1)]  # 5 x 5 without its corners
    one = np.zeros((9, 9), dtype=np.int32)
    one[4, 4] = 7
    dot = grow(one, 2.5)
    assert (dot == 7).sum() == 21 and dot[2, 2] == 0 and dot[2, 3] == 7


@pytest.mark.parametrize("radius", [0.5, 2.5, 3.75, 5.25, 7.0])
def test_growing_is_the_largest_value_within_the_disc(radius):
    rng = np.random.default_rng(3)
    image = np.where(rng.random((30, 40)) < 0.05, rng.integers(1, 100, (30, 40)), 0)
    reach = int(radius)
    offsets = [
        (dy, dx)
        for dy in range(-reach, reach + 1)
        for dx in range(-reach, reach + 1)
        if dx * dx + dy * dy <= radius * radius
    ]
    padded = np.pad(image, reach)
    h, w = image.shape
    want = np.max(
        [padded[reach + dy : reach + dy + h, reach + dx : reach + dx + w] for dy, dx in offsets],
        axis=0,
    )
    assert np.array_equal(grow(image, radius), want)


def test_the_selection_is_ringed(grid_map, qtbot):
    widget = grid_map
    ring = widget.highlight.opts["pen"].color().rgba()
    with qtbot.waitSignal(widget.selectionChanged):
        widget.select_rect(QRectF(-0.2, -0.2, 1.4, 0.4))  # rows 0, 1 and 24
    assert widget.selected == ["p0.png", "p1.png", "p24.png"]
    assert len(widget.highlight.data) == 0  # the ring is in the image
    image = widget.raster.image

    def rings(row: int) -> bool:
        r, c = widget.raster.pixel(*widget.data.xy[row])
        around = image[r - 6 : r + 7, c - 6 : c + 7]
        return bool((around == ring).any()) and image[r, c] != ring

    assert rings(1) and rings(24)
    assert not any(rings(row) for row in range(2, 24))
    widget.select_rect(QRectF(10, 10, 1, 1))  # nothing there: the rings go
    assert not (widget.raster.image == ring).any()


def test_hovering_finds_the_point(grid_map):
    widget = grid_map
    x, y = widget.data.xy[9]
    widget._hover(widget.viewbox.mapViewToScene(QPointF(float(x) + 0.01, float(y))))
    assert widget.hover_card.isVisible()
    assert "p9.png" in widget.hover_card.text()


def test_a_restyle_changes_only_that_points_pixels(grid_map):
    widget = grid_map
    before, made = widget.raster.image.copy(), widget.raster.images_made
    labels = widget.data.labels.copy()
    labels[9] = 2 if labels[9] != 2 else 0
    widget.data = dataclasses.replace(widget.data, labels=labels)  # as a label key does
    widget.recolor()
    after = widget.raster.image
    assert widget.raster.images_made == made  # recoloured, not placed again
    assert pixel_color(widget, *widget.data.xy[9]) == class_color(int(labels[9])).name()
    rows, cols = np.nonzero(after != before)
    r, c = widget.raster.pixel(*widget.data.xy[9])
    assert len(rows) == 21  # its dot, nothing else
    assert abs(rows - r).max() <= 2 and abs(cols - c).max() <= 2


def test_a_recolouring_recolours_every_point(grid_map, qtbot):
    widget = grid_map
    widget._extra["issue"] = np.linspace(0, 1, len(widget.data.paths))
    with qtbot.waitSignal(widget.recolored):
        widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))
    first, last = pixel_color(widget, 1, 0), pixel_color(widget, 5, 4.5)
    assert first != last and class_color(0).name() not in (first, last)
    assert "Label fit" in widget.legend.text()


def test_zooming_makes_the_image_again(grid_map, qtbot):
    widget = grid_map
    made = widget.raster.images_made
    widget.viewbox.setRange(xRange=(1.5, 3.5), yRange=(1, 3.5), padding=0)
    qtbot.waitUntil(lambda: widget.raster.images_made > made, timeout=2000)
    rect = widget.raster.rect
    assert (rect.left(), rect.right()) == pytest.approx((1.5, 3.5), abs=1e-6)
    for row in (8, 9, 14, 15):  # in view, at their new places
        assert pixel_color(widget, *widget.data.xy[row]) == expected(widget, row), row
    (_, c), (_, c2) = widget.raster.pixel(2, 1.5), widget.raster.pixel(3, 1.5)
    assert c2 - c > 200  # zoomed: the dots are far apart now


def test_fewer_points_go_back_to_the_scatter(grid_map):
    widget = grid_map
    few = grid_points()
    few = MapPoints(few.paths[:2], few.xy[:2], few.labels[:2], CLASSES, few.ids[:2])
    widget._set_points(few, keep_view=False)
    widget.recolor()
    assert len(widget.scatter.data) == 2
    assert widget.raster.image.size == 0


def test_the_ring_follows_a_theme_switch(qapp, grid_map, qtbot, light_theme):
    from labeldesk.gui.theme import apply_theme, dark_palette

    widget = grid_map
    widget.select_rect(QRectF(-0.2, -0.2, 1.4, 0.4))
    apply_theme(qapp, "dark")
    dark = dark_palette().text().color().rgba()
    qtbot.waitUntil(lambda: widget.highlight.opts["pen"].color().rgba() == dark, timeout=2000)
    widget.plot.grab()  # painted: the image is coloured again
    assert (widget.raster.image == dark).any()


def test_a_read_map_of_many_points_is_drawn_as_an_image(qtbot, tmp_path, raster_from_3):
    """The whole path: a project's map read in the background, a label written here."""
    project, _ = make_clustered_project(tmp_path, flipped=0)
    widget = MapView(project, method="pca")
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    try:
        with qtbot.waitSignal(widget.mapReady, timeout=15000):
            widget.refresh()
        wait_drawn(qtbot, widget)  # (its picture worked out by a job)
        assert len(widget.scatter.data) == 0 and widget.raster.image.size
        drawn = set(widget.raster.image.ravel().tolist())
        shown = {QColor.fromRgba(c).name() for c in drawn if c}
        assert {class_color(i).name() for i in range(len(widget.data.classes))} | {
            class_color(-1).name()
        } <= shown
        last = int(widget.raster.order.rows[-1])  # drawn over every other point
        x, y = widget.data.xy[last]
        now = widget.data.labels[last]
        label = "cow" if now != widget.data.classes.index("cow") else "ant"
        changes = project.set_label(widget.data.paths[last], label)
        made = widget.raster.images_made
        widget.project_changed(changes)  # a key on the map page: restyled at once
        assert widget.raster.images_made == made
        assert pixel_color(widget, x, y) == class_color(widget.data.classes.index(label)).name()
    finally:
        widget.shutdown()
        project.close()


# -- draw order: rows follow folders (classes); drawn in row order the last class covered
# the others wherever classes overlap (at 1M one colour dominated the overview) ----------
def stacked_points() -> MapPoints:
    """Three images at each of 40 places, one of each class, in rows as a scan lists
    them: class by class (their folders)."""
    x, y = np.meshgrid(np.arange(8.0), np.arange(5.0))
    places = np.column_stack([x.ravel(), y.ravel()])
    xy = np.tile(places, (3, 1)).astype(np.float32)
    labels = np.repeat(np.arange(3), len(places)).astype(np.int64)
    paths = [f"{CLASSES[c]}/{i}.png" for i, c in enumerate(labels)]
    return MapPoints(paths, xy, labels, CLASSES, np.arange(1, len(xy) + 1, dtype=np.int64))


def on_screen(widget: MapView, xy: np.ndarray) -> list[str]:
    """The colour the view shows at each of ``xy``'s points (read back from the widget)."""
    shot = widget.plot.grab().toImage()
    ratio = shot.devicePixelRatio()
    colors = []
    for x, y in xy:
        scene = widget.viewbox.mapViewToScene(QPointF(float(x), float(y)))
        at = widget.plot.viewport().mapTo(widget.plot, widget.plot.mapFromScene(scene))
        colors.append(shot.pixelColor(QPoint(round(at.x() * ratio), round(at.y() * ratio))).name())
    return colors


@pytest.fixture(params=["scatter", "raster"])
def stacked_map(request, qtbot, empty_project, monkeypatch):
    if request.param == "raster":
        monkeypatch.setattr(map_raster, "RASTER_MIN_POINTS", 3)
    widget = map_showing(qtbot, empty_project, stacked_points())
    yield widget
    widget.shutdown()


def test_no_class_covers_the_others_where_they_overlap(stacked_map):
    widget = stacked_map
    places = widget.data.xy[:40]
    tops = on_screen(widget, places)
    for c in range(3):  # each class on top at some of the places (by chance: ~13 each)
        assert tops.count(class_color(c).name()) >= 5, (c, tops)
    assert set(tops) <= {class_color(c).name() for c in range(3)}
    widget._set_points(stacked_points(), keep_view=True)  # the same map read again
    widget.recolor()
    assert on_screen(widget, places) == tops  # the same order every time


def test_the_same_order_on_both_paths(qtbot, empty_project, monkeypatch):
    def tops(threshold: int) -> list[str]:
        monkeypatch.setattr(map_raster, "RASTER_MIN_POINTS", threshold)
        widget = map_showing(qtbot, empty_project, stacked_points())
        shown = on_screen(widget, widget.data.xy[:40])
        widget.shutdown()
        return shown

    assert tops(3) == tops(10**6)


def test_a_restyle_recolours_the_point_whatever_its_place_in_the_order(stacked_map):
    """Restyling, hover and selection go by row; the drawing order is another."""
    widget = stacked_map
    places = widget.data.xy[:40]
    tops = on_screen(widget, places)
    names = [class_color(c).name() for c in range(3)]
    top_rows = [i + 40 * names.index(t) for i, t in enumerate(tops)]  # row: class by class
    labels = widget.data.labels.copy()
    top, under = top_rows[1], next(r for r in (0, 40, 80) if r != top_rows[0])
    labels[top] = (labels[top] + 1) % 3  # shows
    labels[under] = ({0, 1, 2} - {labels[under], names.index(tops[0])}).pop()  # covered
    widget.data = dataclasses.replace(widget.data, labels=labels)  # as a label key does
    widget.recolor()
    now = on_screen(widget, places)
    assert now[1] == names[labels[top]]  # the top point at place 1 restyled
    assert now[0] == tops[0]  # one beneath the top at place 0: still covered
    assert now[2:] == tops[2:]
    widget.select_rect(QRectF(0.9, -0.1, 0.2, 0.2))  # place 1: its three images, by row
    assert sorted(widget.selected) == sorted(widget.data.paths[r] for r in (1, 41, 81))


@pytest.mark.parametrize("threshold", [3, 10**6], ids=["raster", "scatter"])
def test_hovering_names_the_point_drawn_on_top(qtbot, empty_project, monkeypatch, threshold):
    """Two images at one place (rows 0 and 24, of other colours): the card names the
    one whose colour shows, not the one beneath it (it named either by chance)."""
    monkeypatch.setattr(map_raster, "RASTER_MIN_POINTS", threshold)
    widget = map_showing(qtbot, empty_project, grid_points())
    try:
        rank = widget.raster.order.rank
        top = 0 if rank[0] > rank[24] else 24
        assert on_screen(widget, [(0.0, 0.0)]) == [expected(widget, top)]
        for dx in (0.0, 0.01):  # on it, and a pixel or so beside it
            widget.hovered = None
            widget._hover(widget.viewbox.mapViewToScene(QPointF(dx, 0.0)))
            assert widget.hovered == f"p{top}.png"
        widget._hover(widget.viewbox.mapViewToScene(QPointF(0.3, 0.0)))  # off the dots
        assert widget.hovered is None
    finally:
        widget.shutdown()


def test_zoomed_far_in_the_dot_is_where_the_point_is(grid_map, qtbot):
    """The view's corner rounded to float32 (the points' type) moved every dot by
    pixels zoomed far in (here 20, in a view 0.00004 wide at ~19; ~1 at 0.001):
    off the place hover and selection go by."""
    widget = grid_map
    xy = widget.data.xy.copy()
    xy += np.float32(16.3)  # (not a round number in float32)
    widget.data = dataclasses.replace(widget.data, xy=xy)
    widget.recolor()
    wait_drawn(qtbot, widget)  # (new points: their picture worked out by a job)
    made = widget.raster.images_made
    x, y = (float(v) for v in xy[9])
    widget.viewbox.setRange(
        xRange=(x - 1.234567e-5, x + 2.765433e-5), yRange=(y - 2e-5, y + 2e-5), padding=0
    )
    qtbot.waitUntil(lambda: widget.raster.images_made > made, timeout=2000)
    drawn = np.argwhere(widget.raster.image != 0)  # the one dot in view
    assert 0 < len(drawn) < 100
    assert np.abs(drawn.mean(axis=0) - widget.raster.pixel(x, y)).max() <= 1.0


def test_on_a_screen_of_another_pixel_ratio_the_picture_is_made_for_it(grid_map, qtbot):
    """The window moved to a screen with twice the pixels: the picture was drawn scaled
    up (blurred) until the next pan or zoom."""
    widget = grid_map
    height, width = widget.raster.image.shape
    made = widget.raster.images_made
    widget.plot.devicePixelRatioF = lambda: 2.0  # type: ignore[method-assign]  # the screen's
    QApplication.sendEvent(widget, QEvent(QEvent.Type.DevicePixelRatioChange))  # as Qt does
    qtbot.waitUntil(lambda: widget.raster.images_made > made, timeout=2000)
    assert widget.raster.image.shape == (2 * height, 2 * width)
    for row in (8, 9, 14, 15):
        assert pixel_color(widget, *widget.data.xy[row]) == expected(widget, row), row


def test_a_closed_map_makes_no_picture_when_its_view_changes(grid_map, qtbot):
    widget = grid_map
    made = widget.raster.images_made
    widget.viewbox.scaleBy((0.8, 0.8))  # a redraw due ...
    widget.shutdown()  # ... when the page is closed (the project closed)
    widget.viewbox.scaleBy((0.8, 0.8))
    widget.resize(700, 500)
    qtbot.wait(5 * map_raster.REDRAW_MS)
    assert widget.raster.images_made == made


@pytest.mark.parametrize("threshold", [3, 10**6], ids=["raster", "scatter"])
def test_hover_names_the_right_point_while_its_tree_is_built_off_the_gui_thread(
    qtbot, empty_project, monkeypatch, threshold
):
    """The hover tree (0.42-0.47 s at 1M points) was built on the GUI thread each time a
    map was read. Built on another, hover names the same points before it is done."""
    monkeypatch.setattr(map_raster, "RASTER_MIN_POINTS", threshold)
    built_on, release = [], threading.Event()
    real = map_tree.cKDTree

    def held(xy):
        built_on.append(threading.current_thread())
        assert release.wait(10)
        return real(xy)

    monkeypatch.setattr(map_tree, "cKDTree", held)
    widget = map_showing(qtbot, empty_project, grid_points())
    try:
        qtbot.waitUntil(lambda: len(built_on) == 1, timeout=2000)
        assert built_on[0] is not threading.main_thread()
        rank = widget.raster.order.rank
        top = 0 if rank[0] > rank[24] else 24
        x9, y9 = (float(v) for v in widget.data.xy[9])
        places = [(0.0, 0.0, f"p{top}.png"), (0.01, 0.0, f"p{top}.png"), (0.3, 0.0, None)]
        places.append((x9 + 0.01, y9, "p9.png"))

        def hovered() -> list[str | None]:
            names = []
            for x, y, _ in places:
                widget.hovered = None
                widget._hover(widget.viewbox.mapViewToScene(QPointF(x, y)))
                names.append(widget.hovered)
            return names

        assert not widget._tree.built
        assert hovered() == [name for _, _, name in places]  # meanwhile
        release.set()
        qtbot.waitUntil(lambda: widget._tree.built, timeout=5000)
        assert hovered() == [name for _, _, name in places]
    finally:
        release.set()
        widget.shutdown()


# -- a new map's first picture: worked out by a job, drawn when it ends ------------------
@pytest.fixture
def grown_where(monkeypatch) -> list[bool]:
    """Whether each growing of dots (the picture's heavy step) ran on the GUI thread."""
    from labeldesk.gui import map_pixels

    on_gui: list[bool] = []
    real = map_pixels.grow

    def recording(image: np.ndarray, radius: float) -> np.ndarray:
        on_gui.append(threading.current_thread() is threading.main_thread())
        return real(image, radius)

    monkeypatch.setattr(map_pixels, "grow", recording)
    monkeypatch.setattr(map_raster, "grow", recording)  # (the rings')
    return on_gui


def test_a_new_maps_picture_is_worked_out_off_the_gui_thread(
    qtbot, empty_project, raster_from_3, grown_where
):
    """Which point each pixel shows (at a million points 0.05 s of CPU, 0.7 s of the
    window on a busy machine) was worked out on the GUI thread as a read map was first
    drawn: a job works it out, and the picture is drawn when it ends."""
    widget = empty_map(qtbot, empty_project)
    try:
        widget._set_points(grid_points(), keep_view=False)  # as a read of the map does
        widget.recolor()
        assert widget.raster.pending is not None and not widget.raster.image.size
        wait_drawn(qtbot, widget)
        assert grown_where and not any(grown_where)  # none of it on the GUI thread
        assert widget.raster.image.size and widget.raster.images_made == 1
        for row in range(1, 24):
            assert pixel_color(widget, *widget.data.xy[row]) == expected(widget, row), row
    finally:
        widget.shutdown()


def test_what_changed_while_the_picture_was_worked_out_is_drawn_with_it(
    qtbot, empty_project, raster_from_3, grown_where
):
    """A recolouring and a selection made meanwhile are drawn with the new picture, and
    a view moved meanwhile gets a picture of its own after it."""
    widget = empty_map(qtbot, empty_project)
    try:
        widget._set_points(grid_points(), keep_view=False)
        widget.recolor()
        assert widget.raster.pending is not None
        widget.data = dataclasses.replace(widget.data, labels=np.roll(widget.data.labels, 1))
        widget.recolor()  # (the same points: their colours change)
        widget.select_rows(np.array([8]), send=False)
        (x0, x1), (y0, y1) = widget.viewbox.viewRange()
        widget.viewbox.setRange(xRange=(x0, (x0 + x1) / 2), yRange=(y0, y1), padding=0)
        wait_drawn(qtbot, widget)
        qtbot.waitUntil(lambda: widget.raster.images_made == 2, timeout=2000)  # the view's
        assert widget.raster.rect.right() == pytest.approx((x0 + x1) / 2)
        for row in (1, 2, 7, 13):  # (in the left half, in view)
            assert pixel_color(widget, *widget.data.xy[row]) == expected(widget, row), row
        ring = widget.highlight.opts["pen"].color().rgba()
        r, c = widget.raster.pixel(*widget.data.xy[8])
        assert (widget.raster.image[r - 6 : r + 7, c - 6 : c + 7] == ring).any()
    finally:
        widget.shutdown()
