"""The embedding map's accessible description: a screen reader read its name alone
("Embedding map"), while the plots had descriptions of their data. It now says how many
images the points are, what the colours count (per class, per prediction, label fit),
how many are selected; a point the keyboard is on says its own, and Esc gives the
map's back."""

from __future__ import annotations

import numpy as np
import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt

from gui.map_shown import shown_map


@pytest.fixture
def map_view(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    widget = shown_map(qtbot, project)
    yield widget
    widget.shutdown()
    project.close()


def test_the_map_describes_its_points_and_colours(qtbot, map_view):
    widget = map_view
    data = widget.data
    text = widget.plot.accessibleDescription()
    total = len(data.paths)
    assert text.startswith(f"{total} images, each a point")
    assert "coloured by label: " in text
    counts = np.bincount(data.labels[data.labels >= 0], minlength=len(data.classes))
    for name, count in zip(data.classes, counts, strict=True):
        assert f"{name} {count}" in text
    unlabeled = int(np.count_nonzero(data.labels < 0))
    assert (f"unlabeled {unlabeled}" in text) == bool(unlabeled)

    widget.select_rows(np.array([0, 1]), send=False)
    assert widget.plot.accessibleDescription().endswith("; 2 selected")

    # the keyboard's point says its own; Esc (twice: the selection, then the cursor) the map's
    widget.plot.setFocus()
    qtbot.waitUntil(lambda: widget.finder() is not None and widget.finder().built)
    qtbot.keyClick(widget.plot, Qt.Key.Key_Right)
    row = widget.keys.cursor_row()
    assert widget.plot.accessibleDescription().startswith(data.paths[row])
    qtbot.keyClick(widget.plot, Qt.Key.Key_Escape)
    qtbot.keyClick(widget.plot, Qt.Key.Key_Escape)
    assert widget.plot.accessibleDescription() == text

    widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))  # scored in a job
    qtbot.waitUntil(lambda: "coloured by label fit: " in widget.plot.accessibleDescription())
    assert f"{total} images" in widget.plot.accessibleDescription()


def test_label_fit_and_predictions_are_counted_in_words(qapp):
    from labeldesk.gui.map_colors import described

    classes = ["cat", "dog"]
    fit = np.array([0.1, 0.7, np.nan, 0.4])
    assert described("issue", fit, classes) == (
        "4 images, each a point; points near each other look alike to the model; "
        "coloured by label fit: 2 below 50% (likely wrong), 1 at 50% or more, 1 not scored"
    )
    guesses = np.array([1, 1, -1, 0])
    assert described("prediction", guesses, classes, selected=3).endswith(
        "coloured by what the model thinks: dog 2, cat 1, no prediction 1; 3 selected"
    )
    assert described("issue", np.full(4, np.nan), classes, pending=True).endswith(
        "coloured by label fit once it is computed"
    )
    many = [f"c{i}" for i in range(25)]
    text = described("label", np.arange(25), many)
    assert "c19 1, 5 more classes 5" in text and "c20" not in text
