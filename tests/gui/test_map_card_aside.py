"""The card of the map's keyboard cursor keeps clear of the cursor's image and of the
mouse pointer. Before, placed once in the corner away from the image, it stayed there
when a pan or a zoom brought the image under it (hiding the image and its neighbours),
and any move of the mouse off the points hid it for good."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, QSize, Qt
from PySide6.QtWidgets import QApplication

from gui.map_shown import keyed_map
from labeldesk.gui.map_card_aside import (
    CORNERS,
    NEIGHBOURHOOD_PX,
    choose_corner,
    corner_rect,
    distance,
)
from labeldesk.gui.map_view import MapView


@pytest.fixture
def map_view(qtbot, tmp_path):
    with keyed_map(qtbot, tmp_path) as widget:
        qtbot.keyClick(widget.plot, Qt.Key.Key_Right)  # the cursor on the image nearest the middle
        assert widget.keys.cursor_row() is not None and widget.hover_card.isVisible()
        yield widget


def cursor_at(widget: MapView) -> QPointF:
    """Where the cursor's image is drawn, in the plot's pixels."""
    row = widget.keys.cursor_row()
    assert row is not None
    x, y = widget.data.xy[row]
    return QPointF(widget.plot.mapFromScene(widget.viewbox.mapViewToScene(QPointF(x, y))))


def shows_cursor_clear_of(widget: MapView, *points: QPointF, room: float) -> bool:
    card = widget.hover_card
    row = widget.keys.cursor_row()
    return (
        card.isVisible()
        and widget.hovered == widget.data.paths[row]
        and all(distance(card.geometry(), p) > room for p in points)
    )


def test_the_card_moves_when_a_pan_brings_the_cursors_image_under_it(map_view):
    widget = map_view
    assert shows_cursor_clear_of(widget, cursor_at(widget), room=NEIGHBOURHOOD_PX)
    # pan so the image lies under the middle of the card
    box = widget.viewbox
    target = box.mapSceneToView(widget.plot.mapToScene(widget.hover_card.geometry().center()))
    here = box.mapSceneToView(widget.plot.mapToScene(cursor_at(widget).toPoint()))
    box.translateBy(x=here.x() - target.x(), y=here.y() - target.y())
    at = cursor_at(widget)
    assert widget.plot.rect().contains(at.toPoint())  # still on the map, as was the card
    assert shows_cursor_clear_of(widget, at, room=NEIGHBOURHOOD_PX)


def test_the_card_stays_on_the_map_and_clear_when_the_map_is_made_smaller(map_view, qtbot):
    widget = map_view
    widget.resize(500, 700)  # (before, the card stayed at x 735, off the 488 px map)
    qtbot.waitUntil(lambda: widget.plot.width() < 500)
    assert widget.plot.rect().contains(widget.hover_card.geometry())
    assert shows_cursor_clear_of(widget, cursor_at(widget), room=NEIGHBOURHOOD_PX)


def test_off_the_points_the_pointer_moves_the_card_away_not_hides_it(map_view):
    widget = map_view
    card = widget.hover_card.geometry()
    # a place under the card with no point there, as the mouse comes to see what it hides
    spots = (
        widget.plot.mapToScene(card.left() + dx, card.top() + dy)
        for dx in range(4, card.width(), 6)
        for dy in range(4, card.height(), 6)
    )
    spot = next(s for s in spots if widget.point_at(s) is None)
    widget._hover(spot)
    pointer = QPointF(widget.plot.mapFromScene(spot))
    assert shows_cursor_clear_of(widget, pointer, room=0)
    assert shows_cursor_clear_of(widget, cursor_at(widget), room=NEIGHBOURHOOD_PX)


def test_the_card_comes_back_after_the_mouse_showed_another_image(map_view):
    widget = map_view
    row = widget.keys.cursor_row()
    other = next(r for r in range(len(widget.data.paths)) if r != row)
    x, y = widget.data.xy[other]
    widget._hover(widget.viewbox.mapViewToScene(QPointF(float(x), float(y))))
    assert widget.hovered == widget.data.paths[other]  # beside the pointer, as before
    QApplication.sendEvent(widget.plot.viewport(), QEvent(QEvent.Type.Leave))
    assert shows_cursor_clear_of(widget, cursor_at(widget), room=NEIGHBOURHOOD_PX)
    widget.keys.escape()  # Esc with nothing selected: the cursor goes, and its card
    assert not widget.hover_card.isVisible()


def test_the_card_keeps_its_corner_while_it_is_clear():
    """The arrows move the cursor across the middle: the card stays put (before, it
    jumped to the opposite corner each time the cursor crossed the middle)."""
    area, card = QSize(900, 600), QSize(200, 180)
    top_left = (False, False)
    assert choose_corner(area, card, [(QPointF(500, 400), 48.0)], None) == top_left
    assert choose_corner(area, card, [(QPointF(400, 250), 48.0)], top_left) == top_left
    assert choose_corner(area, card, [(QPointF(100, 100), 48.0)], top_left) == (True, True)
    # no corner is clear: the farthest
    assert choose_corner(QSize(300, 250), card, [(QPointF(60, 60), 48.0)], None) == (True, True)
    # of the clear corners, the one over the fewest images (then the farthest)
    hides = {(False, False): 7, (True, False): 0, (False, True): 3, (True, True): 0}

    def counted(rect):
        return hides[(rect.left() > 100, rect.top() > 100)]

    assert choose_corner(area, card, [(QPointF(100, 100), 48.0)], None, counted) == (True, True)
    assert choose_corner(area, card, [(QPointF(800, 500), 48.0)], None, counted) == (True, False)


def images_under(widget: MapView, rect) -> int:
    """How many of the map's images are drawn inside ``rect`` (the plot's pixels)."""
    box, plot = widget.viewbox, widget.plot
    return sum(
        rect.contains(plot.mapFromScene(box.mapViewToScene(QPointF(float(x), float(y)))))
        for x, y in widget.data.xy
    )


def test_the_card_goes_to_the_corner_that_hides_the_fewest_images(map_view):
    """Before, always the corner opposite the image, over a cluster where another corner
    was empty."""
    widget = map_view
    size, plot = widget.hover_card.size(), widget.plot.size()
    corners = [corner_rect(c, plot, size) for c in CORNERS]
    under = [images_under(widget, c) for c in corners]

    def at(row: int) -> QPointF:
        x, y = widget.data.xy[row]
        return QPointF(widget.plot.mapFromScene(widget.viewbox.mapViewToScene(QPointF(x, y))))

    def opposite(row: int) -> int:  # where the card went before
        right, bottom = at(row).x() <= plot.width() / 2, at(row).y() <= plot.height() / 2
        return CORNERS.index((right, bottom))

    def clear(row: int) -> list[int]:
        return [n for n, c in enumerate(corners) if distance(c, at(row)) > NEIGHBOURHOOD_PX]

    row = next(  # an image whose opposite corner hides more than another clear one
        r
        for r in range(len(widget.data.paths))
        if opposite(r) in clear(r) and under[opposite(r)] > min(under[n] for n in clear(r))
    )
    widget.keys.escape()  # the cursor and its card put away
    assert widget.keys.put_on(int(widget.data.ids[row]))  # as the map opened on it
    assert shows_cursor_clear_of(widget, at(row), room=NEIGHBOURHOOD_PX)
    assert images_under(widget, widget.hover_card.geometry()) == min(under[n] for n in clear(row))
