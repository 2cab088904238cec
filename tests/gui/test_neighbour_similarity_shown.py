"""The browser's nearest neighbours say how similar each is, as the review's strip does
("93% similar"): they showed the class alone, so an exact copy of the image (100%, the
same picture in another split: leakage) looked like any look-alike unless hovered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from labeldesk.gui.detail_panel import DetailPanel, Neighbour


@pytest.fixture
def panel(qtbot, project):
    widget = DetailPanel(project)
    qtbot.addWidget(widget)
    widget.resize(280, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_each_neighbour_shows_its_similarity_under_its_class(qtbot, panel):
    panel.show_neighbours(
        [
            Neighbour(11, "test/cat/copy.png", "cat", 1.0),
            Neighbour(12, "train/dog/b.png", "dog", 0.834),
            Neighbour(13, "_unlabeled/u.png", None, 0.5),
        ]
    )
    strip = panel.neighbours
    texts = [strip.item(row).text().split("\n") for row in range(strip.count())]
    assert [t[-1] for t in texts] == ["100%", "83%", "50%"]
    assert [t[0] for t in texts] == ["cat", "dog", "unlabeled"]
    assert len({len(t) for t in texts}) == 1  # the similarities level with each other
    said = strip.item(0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert said == "cat, 100% similar"
    # each tile has room for its lines: the similarity is not cut off
    metrics = strip.fontMetrics()
    row = strip.gridSize().height()
    assert row >= 60 + 22 + (len(texts[0]) - 1) * metrics.lineSpacing()
