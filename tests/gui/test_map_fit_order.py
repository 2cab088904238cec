"""Coloured by label fit, the map drew its points in the shuffled order it uses for every
colouring, so a likely wrong label (red) lay as often under the labels that fit (green)
as over them, and the hover card, which names the dot on top, named the green one. The
worst fits are drawn last now, over the others; not-scored points first."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF

from gui.map_shown import map_showing
from labeldesk.gui.map_colors import SCORE_LEVELS
from labeldesk.gui.map_raster import DrawOrder
from labeldesk.ml.map_data import MapPoints

CLASSES = ["ant", "bee"]


def coloured_by_fit(qtbot, project, points: MapPoints, scores: np.ndarray):
    widget = map_showing(qtbot, project, points)
    widget._extra["issue"] = scores  # as the colouring's job leaves them
    widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))
    return widget


def test_the_worst_fits_are_drawn_over_the_others(qtbot, project):
    n = 300
    rng = np.random.default_rng(3)
    ids = np.arange(1, n + 1, dtype=np.int64)
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    scores = rng.random(n)
    scores[rng.choice(n, 30, replace=False)] = np.nan  # not scored
    points = MapPoints([f"p{i}.png" for i in ids], xy, np.zeros(n, np.int64), CLASSES, ids)
    widget = coloured_by_fit(qtbot, project, points, scores)
    try:
        drawn = scores[widget.raster.order.rows]  # first drawn first
        scored = drawn[~np.isnan(drawn)]
        assert np.isnan(drawn[:30]).all()  # not scored: under everything
        bins = np.floor(scored * SCORE_LEVELS)
        assert (np.diff(bins) <= 0).all()  # then from the best fit to the worst, on top
        widget.color_by.setCurrentIndex(widget.color_by.findData("label"))
        assert widget.raster.order is widget._draw_order()  # by label: shuffled, as before
    finally:
        widget.shutdown()


def test_the_card_names_the_worse_fit_of_two_dots_on_one_spot(qtbot, project):
    ids = np.array([1, 2], dtype=np.int64)
    above = int(np.argmax(DrawOrder.of(ids).rank))  # the one the shuffle draws on top
    scores = np.full(2, 0.95)
    scores[1 - above] = 0.05  # the other fits badly
    xy = np.zeros((2, 2), dtype=np.float32)
    points = MapPoints(["a.png", "b.png"], xy, np.zeros(2, np.int64), CLASSES, ids)
    widget = coloured_by_fit(qtbot, project, points, scores)
    try:
        spot = widget.viewbox.mapViewToScene(QPointF(0.0, 0.0))
        assert widget.point_at(spot) == 1 - above
    finally:
        widget.shutdown()
