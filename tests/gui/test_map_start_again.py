"""A map whose computation was cancelled or failed stayed blank, "Map cancelled." beside
it, until the page was opened anew (View → Embedding map); a colouring cancelled stayed
grey until another was chosen and then it again. Start again, beside the message, starts
it again."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from ml import fake_fits

from labeldesk.gui.map_view import MapView
from labeldesk.ml import map_data, projection


@pytest.fixture
def view(qtbot, clustered_clean):
    def make(method: str) -> MapView:
        widget = MapView(clustered_clean, method=method)
        qtbot.addWidget(widget)
        widget.resize(900, 700)
        widget.show()
        qtbot.waitExposed(widget)
        made.append(widget)
        return widget

    made: list[MapView] = []
    yield make
    for widget in made:
        widget.shutdown()


def held_back(monkeypatch, method: str, key: str = "") -> threading.Event:
    """``method``'s fit (or with ``key``, the colouring's values) waits for the event."""
    release = threading.Event()
    if key:
        original = map_data.point_values

        def values(project, paths, wanted, cancel=None):
            if wanted == key:
                release.wait(10)
            return original(project, paths, wanted, cancel)

        monkeypatch.setattr("labeldesk.gui.map_view.point_values", values)
        return release
    fit = projection.METHODS[method]

    def slow(vectors, seed):
        release.wait(10)
        return fit(vectors, seed)

    monkeypatch.setitem(projection.METHODS, method, slow)
    return release


def test_a_cancelled_map_starts_again(view, qtbot, monkeypatch):
    release = held_back(monkeypatch, "pca")
    widget = view("pca")
    widget.refresh()
    with qtbot.waitSignal(widget.job.cancelled, timeout=10000):
        widget.cancel_button.click()
        release.set()
    qtbot.waitUntil(lambda: widget.job is None)
    assert widget.status.text() == "Map cancelled."
    assert widget.again_button.isVisible() and widget.data is None
    with qtbot.waitSignal(widget.mapReady, timeout=15000):
        widget.again_button.click()
        assert widget.progress.isVisible() and not widget.again_button.isVisible()
    assert len(widget.data.paths) == 115
    assert not widget.again_button.isVisible()


def test_a_map_that_failed_starts_again(view, qtbot, monkeypatch):
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.broken)
    widget = view("umap")
    with qtbot.waitSignal(widget.error, timeout=60000):
        widget.refresh()
    assert "these vectors make no sense" in widget.status.text()
    assert widget.again_button.isVisible()
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.first_two_columns)
    with qtbot.waitSignal(widget.mapReady, timeout=60000):
        widget.again_button.click()
    assert len(widget.data.paths) == 115


def test_a_umap_map_that_failed_offers_a_pca_map_instead(view, qtbot, monkeypatch):
    """UMAP that will not load (a broken install) failed the same way at each Start
    again, and the page stayed blank: a PCA map instead, and the line says it is one."""
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.broken)
    widget = view("umap")
    with qtbot.waitSignal(widget.error, timeout=60000):
        widget.refresh()
    assert widget.pca_button.isVisible() and widget.again_button.isVisible()
    with qtbot.waitSignal(widget.mapReady, timeout=15000):
        widget.pca_button.click()
        assert not widget.pca_button.isVisible()
    assert widget.method == "pca" and len(widget.data.paths) == 115
    assert widget.count_text() == "115 images (a PCA map: UMAP failed)"
    assert not widget.pca_button.isVisible()


def test_a_pca_map_that_failed_offers_no_pca_map(view, qtbot, monkeypatch):
    monkeypatch.setitem(projection.METHODS, "pca", fake_fits.broken)
    widget = view("pca")
    with qtbot.waitSignal(widget.error, timeout=15000):
        widget.refresh()
    assert widget.again_button.isVisible() and not widget.pca_button.isVisible()


def test_a_cancelled_colouring_starts_again_and_says_what_was_cancelled(view, qtbot, monkeypatch):
    release = held_back(monkeypatch, "pca", key="issue")
    widget = view("pca")
    with qtbot.waitSignal(widget.mapReady, timeout=15000):
        widget.refresh()
    widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))
    job = widget.job
    assert job is not None
    with qtbot.waitSignal(job.cancelled, timeout=10000):
        widget.cancel_button.click()
        release.set()
    qtbot.waitUntil(lambda: widget.job is None)
    assert widget.status.text() == "Colouring by label fit cancelled."  # not the map's
    assert widget.again_button.isVisible()
    with qtbot.waitSignal(widget.recolored, timeout=15000):
        widget.again_button.click()
    scores = widget._extra["issue"]
    assert len(scores) == 115 and not np.isnan(scores).all()
    assert not widget.again_button.isVisible()


def test_no_start_again_while_nothing_is_embedded(qtbot, project):
    """With no embeddings the map comes by itself once they are made: nothing to start."""
    widget = MapView(project, method="pca")
    qtbot.addWidget(widget)
    widget.show()
    try:
        with qtbot.waitSignal(widget.error, timeout=15000):
            widget.refresh()
        assert "Compute embeddings" in widget.status.text()
        assert not widget.again_button.isVisible()
    finally:
        widget.shutdown()
