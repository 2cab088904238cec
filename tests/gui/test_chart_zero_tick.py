"""The statistics bar chart's count axis labels its 0, where the bars start: with the
chart's grid on, pyqtgraph dropped the label centred on the axis's bottom end, so the
axis read 50, 100, … with nothing at the bars' feet."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from labeldesk.gui.charts import SplitBarChart


def drawn_labels(chart: SplitBarChart) -> dict[str, QRectF]:
    """The count axis's tick labels as pyqtgraph paints them, each with its place in the
    chart's coordinates."""
    axis = chart.plot_item.getAxis("left")
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert specs is not None
    return {
        text: chart.mapFromScene(axis.mapRectToScene(rect)).boundingRect().toRectF()
        for rect, _flags, text in specs[2]
    }


@pytest.mark.parametrize(("height", "counts"), [(260, [7, 3, 5]), (500, [1200, 80, 640])])
def test_the_count_axis_labels_zero_inside_the_chart(qtbot, height, counts):
    chart = SplitBarChart()
    qtbot.addWidget(chart)
    chart.resize(800, height)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_counts(["cat", "dog", "bird"], {"train": counts, "val": [1, 1, 1]})
    qtbot.wait(50)  # the axes take their sizes
    assert chart.plot_item.vb.viewRange()[1][0] == 0  # the axis starts at 0
    labels = drawn_labels(chart)
    assert "0" in labels, sorted(labels)
    assert chart.rect().toRectF().contains(labels["0"])  # not cut off by the widget
    others = [rect for text, rect in labels.items() if text != "0"]
    assert all(labels["0"].top() > rect.bottom() for rect in others)  # the lowest label
