"""The map's keys line (beside the colour choice, the map focused) ran past its room at
1280 px and was cut mid-word at "… Ctrl+0 …"; it now fits there, and in a narrower
window lists the keys that fit, whole, and says that F1 has them all."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt

from gui.map_shown import shown_map
from labeldesk.gui.map_keys import HINT_KEYS, MORE_KEYS, keys_line
from labeldesk.gui.map_view import MapView


@pytest.fixture
def map_view(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    widget = shown_map(qtbot, project, width=1280)
    yield widget
    widget.shutdown()
    project.close()


def fits(widget: MapView):
    room = widget.status.contentsRect().width()
    return lambda text: widget.status.fontMetrics().horizontalAdvance(text) <= room


def keys_shown(widget: MapView) -> list[str]:
    shown = widget.status.shown_text().removesuffix(MORE_KEYS)
    return shown.split(" · keys: ", 1)[1].split(" · ")


def test_the_keys_line_fits_at_1280(qtbot, map_view):
    widget = map_view
    widget.plot.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: " · keys: " in widget.status.text())
    assert not widget.status.is_cut()
    assert keys_shown(widget) == list(HINT_KEYS)  # Ctrl+0 whole map included
    # a Fashion-MNIST-sized project's count, and a million-image map's, as well
    for count in ("70,000 images", "1,000,000 images"):
        assert keys_line(count, fits(widget)).endswith("Ctrl+0 whole map")


def test_a_narrow_window_lists_whole_keys_and_points_to_f1(qtbot, map_view):
    widget = map_view
    widget.resize(800, 700)
    widget.plot.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: " · keys: " in widget.status.text())
    assert not widget.status.is_cut()  # never cut mid-word with "…"
    assert widget.status.text().endswith(MORE_KEYS)
    listed = keys_shown(widget)
    assert 2 <= len(listed) < len(HINT_KEYS) and listed == list(HINT_KEYS[: len(listed)])
    widget.resize(1280, 700)  # wider again: every key, as the line is redone
    qtbot.waitUntil(lambda: keys_shown(widget) == list(HINT_KEYS))
    assert not widget.status.is_cut()
