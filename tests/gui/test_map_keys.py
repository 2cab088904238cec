"""The embedding map from the keyboard: with the map focused the arrows move a cursor
between images (the nearest one that way, its card shown), Space selects the cursor's
image, Shift+arrows move and select, ] and [ grow and shrink the selection to the
cursor's nearest images, Esc clears it, Enter shows it in the browser; + and - zoom,
Ctrl+0 shows the whole map. Before, a selection could only be dragged with the mouse
and the keys did nothing there."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from gui.map_shown import keyed_map, map_showing
from labeldesk.gui.dialogs import ShortcutsDialog
from labeldesk.gui.map_keys import grow_step, step_toward
from labeldesk.gui.map_view import MapView


@pytest.fixture
def map_view(qtbot, tmp_path):
    with keyed_map(qtbot, tmp_path) as widget:
        yield widget


def key(qtbot, widget: MapView, k: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget.plot, k, mods)


def cursor(widget: MapView) -> int:
    row = widget.keys.cursor_row()
    assert row is not None
    return row


def test_arrows_move_a_cursor_to_the_next_image_that_way_and_show_its_card(qtbot, map_view):
    widget = map_view
    assert widget.keys.cursor_row() is None
    key(qtbot, widget, Qt.Key.Key_Right)  # the first key: the image nearest the middle
    first = cursor(widget)
    centre = widget.viewbox.viewRect().center()
    d = ((widget.data.xy - (centre.x(), centre.y())) ** 2).sum(axis=1)
    assert d[first] == pytest.approx(d.min())
    assert widget.hover_card.isVisible() and widget.hovered == widget.data.paths[first]
    assert widget.data.paths[first] in widget.plot.accessibleDescription()
    assert list(widget.keys.marker.getData()[0]) == [widget.data.xy[first, 0]]
    at = widget.plot.mapFromScene(widget.viewbox.mapViewToScene(QPointF(*widget.data.xy[first])))
    assert not widget.hover_card.geometry().adjusted(-20, -20, 20, 20).contains(at)
    key(qtbot, widget, Qt.Key.Key_Right)
    second = cursor(widget)
    assert second != first and widget.data.xy[second, 0] > widget.data.xy[first, 0]
    key(qtbot, widget, Qt.Key.Key_Up)  # up the screen: y grows in the map
    assert widget.data.xy[cursor(widget), 1] > widget.data.xy[second, 1]
    assert widget.selected == []  # moving selects nothing


def test_space_selects_and_enter_shows_it_in_the_browser(qtbot, map_view):
    widget = map_view
    sent: list[list[str]] = []
    widget.selectionChanged.connect(sent.append)
    key(qtbot, widget, Qt.Key.Key_Down)
    first = cursor(widget)
    key(qtbot, widget, Qt.Key.Key_Space)
    assert widget.selected == [widget.data.paths[first]] and sent == []  # not yet sent
    assert widget.status.text().startswith(f"1 of {len(widget.data.paths)} images selected")
    assert "Enter shows them in the browser" in widget.status.text()
    key(qtbot, widget, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)  # move + select
    second = cursor(widget)
    assert set(widget.selected) == {widget.data.paths[first], widget.data.paths[second]}
    key(qtbot, widget, Qt.Key.Key_Space)  # again: out of the selection
    assert widget.selected == [widget.data.paths[first]]
    key(qtbot, widget, Qt.Key.Key_Return)
    assert sent == [[widget.data.paths[first]]]


def test_brackets_grow_and_shrink_the_selection_around_the_cursor(qtbot, map_view):
    widget = map_view
    key(qtbot, widget, Qt.Key.Key_Right)
    row = cursor(widget)
    d = ((widget.data.xy - widget.data.xy[row]) ** 2).sum(axis=1)
    for expected in (1, 5, 10):
        key(qtbot, widget, Qt.Key.Key_BracketRight)
        chosen = widget.selected_rows
        assert len(chosen) == expected and row in chosen
        assert d[chosen].max() <= np.sort(d)[expected - 1] + 1e-12  # the nearest ones
    assert "the 10 images nearest the cursor" in widget.status.text()
    key(qtbot, widget, Qt.Key.Key_BracketLeft)
    assert len(widget.selected_rows) == 5
    key(qtbot, widget, Qt.Key.Key_Escape)  # clears the selection, keeps the cursor
    assert widget.selected == [] and widget.keys.cursor_row() == row
    assert widget.status.text() == f"{len(widget.data.paths)} images"
    key(qtbot, widget, Qt.Key.Key_Escape)  # then puts the cursor away
    assert widget.keys.cursor_row() is None


def test_plus_minus_zoom_around_the_cursor_and_ctrl_0_shows_the_whole_map(qtbot, map_view):
    widget = map_view
    whole = widget.viewbox.viewRect()
    key(qtbot, widget, Qt.Key.Key_Right)
    row = cursor(widget)
    for _ in range(4):
        key(qtbot, widget, Qt.Key.Key_Plus)
    zoomed = widget.viewbox.viewRect()
    assert zoomed.width() < whole.width() * 0.5
    x, y = widget.data.xy[row]
    assert zoomed.left() <= x <= zoomed.right() and zoomed.top() <= y <= zoomed.bottom()
    key(qtbot, widget, Qt.Key.Key_Minus)
    assert widget.viewbox.viewRect().width() > zoomed.width()
    key(qtbot, widget, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    fitted = widget.viewbox.viewRect()
    (x0, y0), (x1, y1) = widget.data.xy.min(axis=0), widget.data.xy.max(axis=0)
    assert fitted.left() <= x0 and x1 <= fitted.right()
    assert fitted.top() <= y0 and y1 <= fitted.bottom()


def test_the_cursor_follows_the_view_when_it_leaves_it(qtbot, map_view):
    widget = map_view
    key(qtbot, widget, Qt.Key.Key_Right)
    for _ in range(8):
        key(qtbot, widget, Qt.Key.Key_Plus)
    for _ in range(30):
        key(qtbot, widget, Qt.Key.Key_Left)
    x, y = widget.data.xy[cursor(widget)]
    rect = widget.viewbox.viewRect()
    assert rect.left() <= x <= rect.right() and rect.top() <= y <= rect.bottom()


def test_focus_says_the_keys(qtbot, map_view):
    widget = map_view
    widget.resize(1280, 700)  # room for every key (narrower: test_map_keys_line.py)
    widget.color_by.setFocus()
    qtbot.keyClick(widget.color_by, Qt.Key.Key_Tab)  # Select, the tool, then the map
    widget.plot.setFocus(Qt.FocusReason.TabFocusReason)
    assert "arrows" in widget.status.text() and "Enter" in widget.status.text()
    assert "]" in widget.select_button.toolTip()


def test_step_toward_prefers_a_point_straight_ahead():
    offsets = np.array([[10.0, 0.5], [6.0, 5.5], [-3.0, 0.0], [0.0, 0.0]])
    assert step_toward(offsets, (1.0, 0.0)) == 0  # 1 is nearer, but aside
    assert step_toward(offsets, (-1.0, 0.0)) == 2
    assert step_toward(offsets, (0.0, 1.0)) == 1
    assert step_toward(offsets, (0.0, -1.0)) is None


def test_grow_steps():
    assert [grow_step(n, 600, True) for n in (0, 1, 5, 10, 500, 600)] == [1, 5, 10, 25, 600, 600]
    assert [grow_step(n, 600, False) for n in (600, 25, 7, 1, 0)] == [500, 10, 5, 0, 0]


def test_the_key_list_names_the_map_keys(qtbot):
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    table = dialog.table
    rows = [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]
    on_map = [(k, what) for k, what in rows if what.startswith("Map:")]
    keys = " ".join(k for k, _ in on_map)
    for needed in ("Arrow keys", "Space", "]", "[", "Enter", "Esc", "Shift+arrows"):
        assert needed in keys, needed


def test_the_keys_work_on_a_big_map_drawn_as_one_picture(qtbot, tmp_path, monkeypatch):
    """From 100,000 points the map is one picture (map_raster): the cursor's ring and
    the selection's rings are drawn over it all the same."""
    from labeldesk.core.project import Project
    from labeldesk.gui import map_raster
    from labeldesk.ml.map_data import MapPoints

    monkeypatch.setattr(map_raster, "RASTER_MIN_POINTS", 3)
    (tmp_path / "images").mkdir()
    project = Project.create(tmp_path / "project", tmp_path / "images", classes=["a", "b"])
    x, y = np.meshgrid(np.arange(6.0), np.arange(4.0) * 1.5)
    xy = np.column_stack([x.ravel(), y.ravel()]).astype(np.float32)
    labels = np.array([i % 2 for i in range(24)], dtype=np.int64)
    points = MapPoints([f"p{i}.png" for i in range(24)], xy, labels, ["a", "b"], np.arange(24))
    widget = map_showing(qtbot, project, points)
    qtbot.waitUntil(lambda: widget.raster.image.size > 0)  # the one picture
    widget.plot.setFocus()
    key(qtbot, widget, Qt.Key.Key_Left)
    start = cursor(widget)
    key(qtbot, widget, Qt.Key.Key_Right)
    assert tuple(xy[cursor(widget)]) == (xy[start, 0] + 1, xy[start, 1])  # the next one
    key(qtbot, widget, Qt.Key.Key_Up)
    assert xy[cursor(widget), 1] == pytest.approx(xy[start, 1] + 1.5)
    key(qtbot, widget, Qt.Key.Key_BracketRight)
    key(qtbot, widget, Qt.Key.Key_BracketRight)
    assert len(widget.selected) == 5
    assert widget.keys.marker.isVisible() and len(widget.keys.marker.getData()[0]) == 1
    widget.shutdown()
    project.close()
