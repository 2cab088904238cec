"""The map names what the model thinks the way the browser does: its "What the model
thinks" colours and its hover card come from the browser's catalog."""

from __future__ import annotations

import re

import numpy as np
import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import QPointF
from PySide6.QtGui import QBrush, QTextDocument

from gui.map_shown import shown_map
from labeldesk.browse.catalog import ImageCatalog
from labeldesk.gui.map_colors import ISSUE_LEGEND
from labeldesk.gui.tile_delegate import class_color
from labeldesk.ml.insights import image_insights


@pytest.fixture
def map_and_catalog(qtbot, tmp_path):
    project, flipped = make_clustered_project(tmp_path)
    catalog = ImageCatalog.load(project)
    catalog.set_insights(image_insights(project))
    widget = shown_map(qtbot, project, catalog_source=lambda: catalog)
    yield widget, catalog, flipped
    widget.shutdown()
    project.close()


def test_colour_by_what_the_model_thinks_uses_the_browsers_guess(qtbot, map_and_catalog):
    widget, catalog, flipped = map_and_catalog
    # A label the suggestion and the raw prediction disagree on: the map follows the guess.
    pos = int(np.flatnonzero(catalog.paths == flipped[0])[0])
    catalog.guess[pos] = "cow"
    widget.insights_changed()
    widget.color_by.setCurrentIndex(widget.color_by.findData("prediction"))
    assert "prediction" in widget._extra and widget.job is None  # no background job
    colors = [
        QBrush(b).color().name() for b in widget.raster.in_row_order(widget.scatter.data["brush"])
    ]
    index = {p: i for i, p in enumerate(widget.data.paths)}
    classes = widget.data.classes
    assert colors[index[flipped[0]]] == class_color(classes.index("cow")).name()
    for path, guess in zip(catalog.paths, catalog.guess, strict=True):
        if path in index and guess is not None:
            assert colors[index[path]] == class_color(classes.index(guess)).name()


def test_the_hover_card_says_what_the_browser_says(map_and_catalog):
    widget, catalog, flipped = map_and_catalog
    row = widget.data.paths.index(flipped[0])
    x, y = widget.data.xy[row]
    widget._hover(widget.viewbox.mapViewToScene(QPointF(float(x), float(y))))
    doc = QTextDocument()
    doc.setHtml(widget.hover_card.text())  # rich text: as the card shows it
    text = doc.toPlainText()
    pos = int(np.flatnonzero(catalog.paths == widget.hovered)[0])
    assert catalog.opinion(pos) in text
    assert re.search(r"label fit (<1%|\d+%)", text)
    assert "0%" in ISSUE_LEGEND and "100%" in ISSUE_LEGEND
