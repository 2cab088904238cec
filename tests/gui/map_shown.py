"""A project's map on screen and read (PCA, quick), or holding given points, where the map
tests start."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.core.project import Project
from labeldesk.gui.map_view import MapView
from labeldesk.ml.map_data import MapPoints


def shown_map(
    qtbot,
    project: Project,
    *,
    width: int = 900,
    catalog_source: Callable[[], ImageCatalog | None] | None = None,
) -> MapView:
    """A :class:`MapView` of ``project``, ``width`` × 700 px, shown, its map read."""
    widget = MapView(project, method="pca", catalog_source=catalog_source)
    qtbot.addWidget(widget)
    widget.resize(width, 700)
    widget.show()
    qtbot.waitExposed(widget)
    with qtbot.waitSignal(widget.mapReady, timeout=15000):
        widget.refresh()
    return widget


def empty_map(qtbot, project) -> MapView:
    """A map page on screen, 900 × 700 px, holding no points yet (shut it down after)."""
    widget = MapView(project)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def map_showing(qtbot, project, points: MapPoints) -> MapView:
    """A map page on screen holding ``points``, drawn (shut it down after)."""
    widget = empty_map(qtbot, project)
    widget._set_points(points, keep_view=False)  # as a read of the map does
    widget.recolor()
    wait_drawn(qtbot, widget)
    qtbot.wait(100)  # (the view's first range changes: made again, throttled)
    return widget


def wait_drawn(qtbot, widget: MapView) -> None:
    """Wait until a new map's picture (many points), worked out by a job, is drawn."""
    qtbot.waitUntil(lambda: widget.raster.pending is None, timeout=15000)


@contextmanager
def keyed_map(qtbot, folder: Path) -> Iterator[MapView]:
    """A clean clustered project's map, shown, with the keyboard on it and its point
    finder built (the arrow keys move a cursor); shut down and closed after."""
    from ml.fake_embeddings import make_clustered_project

    project, _ = make_clustered_project(folder, flipped=0)
    widget = shown_map(qtbot, project)
    widget.plot.setFocus()
    qtbot.waitUntil(lambda: widget.finder() is not None and widget.finder().built)
    try:
        yield widget
    finally:
        widget.shutdown()
        project.close()
