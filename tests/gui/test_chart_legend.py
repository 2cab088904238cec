"""The statistics bar chart's legend never covers a bar, however short the chart."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from labeldesk.gui.charts import SplitBarChart

CLASSES = [f"class_{i}" for i in range(10)]


@pytest.fixture
def chart(qtbot):
    holder = QWidget()  # as on the statistics page: the chart inside a page
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    widget = SplitBarChart()
    layout.addWidget(widget)
    holder.show()
    qtbot.waitExposed(holder)
    yield widget  # the holder lives as long as the test


@pytest.mark.parametrize("height", [220, 260, 400])
def test_the_legend_sits_above_the_tallest_bar(qtbot, chart, height):
    chart.window().resize(900, height)  # a 1280×720 screen gives the chart about 250 px
    chart.set_counts(CLASSES, {"train": [30] * 10, "test": [10] * 10})
    qtbot.wait(50)  # the legend and the view box take their sizes
    vb = chart.plot_item.vb
    bar_top = vb.mapViewToScene(QPointF(len(CLASSES) - 1, 30)).y()
    legend_bottom = chart.legend.sceneBoundingRect().bottom()
    assert legend_bottom < bar_top, (legend_bottom, bar_top)


def test_a_resize_keeps_the_legend_clear_of_the_bars(qtbot, chart):
    chart.window().resize(900, 500)
    chart.set_counts(CLASSES, {"train": [30] * 10, "test": [10] * 10})
    qtbot.wait(50)
    chart.window().resize(900, 220)
    qtbot.wait(50)
    bar_top = chart.plot_item.vb.mapViewToScene(QPointF(9, 30)).y()
    assert chart.legend.sceneBoundingRect().bottom() < bar_top
