"""What the map's legend and status line say about its colours: by label fit only the
screen reader's description counted the points below 50 % (likely wrong); the label
legend showed an 'unlabeled' swatch with no unlabeled image on the map."""

from __future__ import annotations

import re

import numpy as np

from gui.map_shown import map_showing
from labeldesk.gui import map_view
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.ml.map_data import MapPoints


def plain(widget) -> str:
    return re.sub(r"<[^>]+>", "", widget.legend.text())


def some_points(labels: np.ndarray) -> MapPoints:
    n = len(labels)
    ids = np.arange(1, n + 1, dtype=np.int64)
    xy = np.random.default_rng(2).normal(size=(n, 2)).astype(np.float32)
    return MapPoints([f"p{i}.png" for i in ids], xy, labels, ["ant", "bee"], ids)


def test_the_legend_and_the_status_line_count_the_likely_wrong(qtbot, project, monkeypatch):
    scores = np.full(1200, 0.9)
    scores[:1007] = 0.2  # below 50 %
    scores[1007:1010] = 0.5  # (50 % is not below)
    scores[1010:1100] = np.nan  # not scored
    monkeypatch.setattr(
        map_view, "point_values", lambda project, paths, key, cancel=None: scores.copy()
    )
    widget = map_showing(qtbot, project, some_points(np.zeros(1200, np.int64)))
    try:
        with qtbot.waitSignal(widget.recolored, timeout=10000):
            widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))
        assert plain(widget).endswith("1,007 below 50%")
        assert widget.status.text() == "1,200 images; 1,007 below 50% label fit"
        widget.select_rows(np.arange(5))
        assert widget.status.text() == "5 of 1,200 images selected; 1,007 below 50% label fit"
        widget.color_by.setCurrentIndex(widget.color_by.findData("label"))
        assert widget.status.text() == "5 of 1,200 images selected"  # by label: no fit
        assert "below" not in plain(widget)
    finally:
        widget.shutdown()


def test_the_label_legend_shows_unlabeled_only_where_a_point_is(qtbot, project):
    labels = np.array([0, 1] * 50, dtype=np.int64)
    widget = map_showing(qtbot, project, some_points(labels))
    try:
        assert plain(widget).split() == ["■", "ant", "■", "bee"]
        labels = labels.copy()
        labels[7] = -1  # one image unlabeled (as Edit → Remove label does)
        widget.data = map_view.dataclasses.replace(widget.data, labels=labels)
        widget.recolor()
        assert plain(widget).split() == ["■", "ant", "■", "bee", "■", *NO_LABEL.split()]
    finally:
        widget.shutdown()
