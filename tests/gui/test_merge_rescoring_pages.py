"""A class merged: Statistics and the embedding map follow the rescoring it starts (the
classes, counts, legend and colours), also when they are the page on screen."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtGui import QBrush

from gui.scored_window import likely_wrong, open_scored
from gui.test_map_follows_project import fits  # noqa: F401  (UMAP as PCA, in process)
from labeldesk.gui.estimate_words import rescoring_text
from labeldesk.gui.tile_delegate import class_color

pytestmark = pytest.mark.usefixtures("fits")


def legend(widget) -> str:
    return re.sub(r"<[^>]+>", "", widget.legend.text())


def test_a_merge_on_statistics_is_scored_again_there(qtbot, window, clustered):
    project, _ = clustered
    view = open_scored(qtbot, window, project, short_pause=True)
    expected = view.catalog.expected_errors
    window.show_statistics()
    stats = window.pages.stats
    assert stats.confusion.classes == ["ant", "bee", "cow"]
    assert view.class_actions.merge("ant", "bee")
    qtbot.waitUntil(lambda: view.feed.busy, timeout=5000)
    assert likely_wrong(window).startswith(rescoring_text(expected))
    assert stats.confusion.classes == ["bee", "cow"]
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    now, flagged = view.catalog.expected_errors, int(view.catalog.flagged.sum())
    assert likely_wrong(window).startswith(f"about {now}")
    assert ("review them" in likely_wrong(window)) == bool(flagged)
    assert stats.summary_labels["labeled"].text() == "105"


def test_the_map_coloured_by_the_model_is_scored_again_after_a_merge(qtbot, window, clustered):
    """On the map coloured by what the model thinks, a merge was not scored again until
    the browser or Statistics was shown: the map drew the guesses from before it."""
    project, _ = clustered
    view = open_scored(qtbot, window, project, short_pause=True)
    window.show_map()
    widget = window.pages.map
    qtbot.waitUntil(lambda: widget.data is not None and widget.job is None, timeout=15000)
    widget.color_by.setCurrentIndex(widget.color_by.findData("prediction"))
    assert legend(widget).split() == ["■", "ant", "■", "bee", "■", "cow"]
    slots = dict(view.catalog.colours)  # each class keeps its colour through the merge
    assert view.class_actions.merge("ant", "cow")
    qtbot.waitUntil(lambda: view.feed.busy, timeout=5000)  # on the map: scored now
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    qtbot.waitUntil(lambda: widget.job is None and widget.data.classes == ["bee", "cow"])
    assert legend(widget).split() == ["■", "bee", "■", "cow"]
    catalog = view.catalog
    brushes = widget.raster.in_row_order(widget.scatter.data["brush"])
    colours = {p: QBrush(b).color().name() for p, b in zip(widget.data.paths, brushes, strict=True)}
    for path, guess in zip(catalog.paths, catalog.guess, strict=True):
        slot = slots[guess] if guess in catalog.classes else -1  # cow: red, as before
        assert colours[path] == class_color(slot).name()
    assert np.isin(catalog.guess, ["bee", "cow"]).all()


def test_labels_changed_behind_the_map_are_scored_once_it_shows_the_model(qtbot, window, clustered):
    project, _ = clustered
    view = open_scored(qtbot, window, project, short_pause=True)
    window.show_map()
    widget = window.pages.map
    qtbot.waitUntil(lambda: widget.data is not None and widget.job is None, timeout=15000)
    assert view.class_actions.merge("ant", "cow")  # coloured by label: not scored yet
    qtbot.waitUntil(lambda: view._insights_stale, timeout=5000)
    assert not view.feed.busy
    widget.color_by.setCurrentIndex(widget.color_by.findData("prediction"))
    assert view.feed.busy
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
