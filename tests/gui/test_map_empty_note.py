"""While the first map was computed the plot was an empty white box, nothing saying what
would appear there; a note over it says so now, until the map is drawn."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLabel

from labeldesk.gui import map_view
from labeldesk.gui.map_view import MapView


def test_the_empty_plot_says_what_is_coming_until_the_map_is_drawn(qtbot, clustered, monkeypatch):
    project, _ = clustered
    release = threading.Event()
    real = map_view.map_points

    def slow(*args, **kwargs):  # the map computed until the test has looked
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(map_view, "map_points", slow)
    widget = MapView(project, method="pca")
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    try:
        widget.refresh()
        shown = [w for w in widget.plot.findChildren(QLabel) if w.isVisible()]
        assert len(shown) == 1  # (the hover card hidden)
        note = shown[0]
        assert "each embedded image a point" in note.text()
        off = note.geometry().center() - widget.plot.rect().center()
        assert off.manhattanLength() <= 2  # over the middle of the plot
        with qtbot.waitSignal(widget.mapReady, timeout=15000):
            release.set()
        assert not note.isVisible()  # the map drawn: no note over it
    finally:
        release.set()
        widget.shutdown()
