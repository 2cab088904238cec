"""A project's map on screen and read (PCA, quick), where the map tests start."""

from __future__ import annotations

from collections.abc import Callable

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.core.project import Project
from labeldesk.gui.map_view import MapView


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
