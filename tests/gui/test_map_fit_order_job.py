"""Coloured by label fit, the map drew the worst fits on top by ordering its points on
the GUI thread as the scores came (0.09-0.14 s at 1M points, the window held up); the
colouring's job now makes that order with the scores, off the GUI thread."""

from __future__ import annotations

import threading

import numpy as np

from gui.map_shown import map_showing
from labeldesk.gui import map_view
from labeldesk.gui.map_colors import SCORE_LEVELS
from labeldesk.gui.map_raster import DrawOrder
from labeldesk.ml.map_data import MapPoints


def test_the_fit_order_is_made_by_the_colourings_job(qtbot, project, monkeypatch):
    n = 400
    rng = np.random.default_rng(5)
    ids = np.arange(1, n + 1, dtype=np.int64)
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    points = MapPoints([f"p{i}.png" for i in ids], xy, np.zeros(n, np.int64), ["a", "b"], ids)
    scores = rng.random(n)
    scores[:40] = np.nan
    monkeypatch.setattr(
        map_view, "point_values", lambda project, paths, key, cancel=None: scores.copy()
    )
    ordered_on: list[threading.Thread] = []
    real = DrawOrder.worst_on_top

    def worst_on_top(self, codes, none):
        ordered_on.append(threading.current_thread())
        return real(self, codes, none)

    monkeypatch.setattr(DrawOrder, "worst_on_top", worst_on_top)
    widget = map_showing(qtbot, project, points)
    try:
        with qtbot.waitSignal(widget.recolored, timeout=10000):
            widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))
        assert ordered_on, "no order by fit"
        assert threading.main_thread() not in ordered_on  # the GUI thread only draws it
        drawn = scores[widget.raster.order.rows]
        assert np.isnan(drawn[:40]).all()  # not scored under everything, the worst last
        assert drawn[-1] < 1 / SCORE_LEVELS
        widget.color_by.setCurrentIndex(widget.color_by.findData("label"))
        widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))  # back: kept
        assert threading.main_thread() not in ordered_on
    finally:
        widget.shutdown()
