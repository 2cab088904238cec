"""The detail panel from the keyboard and in a narrow window: a neighbour opens with Enter,
Return or Space as with a click; shortened captions and history lines are whole on hover,
and the history wraps instead of scrolling sideways."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from labeldesk.browse.image_records import ImageInfo
from labeldesk.core.labels import LabelEvent
from labeldesk.gui.detail_panel import DetailPanel, Neighbour

NEIGHBOURS = [
    Neighbour(11, "train/ankle_boot/ankle_boot_0001.png", "ankle_boot", 0.97),
    Neighbour(12, "train/ankle_boot/ankle_boot_0002.png", "ankle_boot", 0.95),
    Neighbour(13, "_unlabeled/u7.png", None, 0.90),
]


@pytest.fixture
def panel(qtbot, project):
    widget = DetailPanel(project)
    qtbot.addWidget(widget)
    widget.resize(280, 700)  # the narrowest the window makes it
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space])
def test_a_key_on_the_current_neighbour_opens_it_as_a_click_does(qtbot, panel, key):
    panel.show_neighbours(NEIGHBOURS)
    strip = panel.neighbours
    strip.setFocus()
    strip.setCurrentRow(0)
    qtbot.keyClick(strip, Qt.Key.Key_Right)  # as the tester moved: Tab, Right, then the key
    assert strip.currentRow() == 1
    with qtbot.waitSignal(panel.neighbourClicked, timeout=2000) as opened:
        qtbot.keyClick(strip, key)
    assert opened.args == [12]


def test_a_key_on_an_empty_strip_opens_nothing(qtbot, panel):
    panel.show_neighbours([])
    panel.neighbours.setFocus()
    with qtbot.assertNotEmitted(panel.neighbourClicked):
        qtbot.keyClick(panel.neighbours, Qt.Key.Key_Return)


def test_each_neighbour_names_its_whole_label_and_path_on_hover(panel):
    panel.show_neighbours(NEIGHBOURS)
    for row, n in enumerate(NEIGHBOURS):
        tip = panel.neighbours.item(row).toolTip()
        assert n.path in tip and (n.label or "unlabeled") in tip


def test_long_history_lines_wrap_and_are_whole_on_hover(qtbot, panel, project, monkeypatch):
    path = str(project.images().path.iloc[0])
    event = LabelEvent(
        id=1,
        batch_id=1,
        image_id=1,
        path=path,
        old_label="ankle_boot",
        new_label="sneaker",
        old_status=None,
        new_status="verified",
        source="human",
        description="label 1 as sneaker",
        created_at=1_700_000_000.0,
        author="a.person.with.a.long.name",
    )
    monkeypatch.setattr(project, "history", lambda p, **_: [event])
    panel.show_image(ImageInfo(1, path, "sneaker", "train", "verified", 64, 48, 1000, "JPEG"))
    history = panel.history
    assert history.count() == 1
    item = history.item(0)
    line = item.text()
    assert line.endswith("(a.person.with.a.long.name, human)")  # not cut
    assert item.toolTip() == line
    assert history.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    qtbot.waitUntil(lambda: history.visualItemRect(item).isValid(), timeout=2000)
    rect = history.visualItemRect(item)
    # wrapped within the list's width, on more than one line
    assert rect.width() <= history.viewport().width()
    assert rect.height() >= 2 * history.fontMetrics().height()
