"""What the Statistics page's tests give it: the catalog the app hands it (the model's
insights in), and duplicate counts shown without a duplicate search."""

from __future__ import annotations

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.gui import stats_view
from labeldesk.gui.stats_view import StatsView
from labeldesk.ml.insights import image_insights


def model_catalog(project) -> ImageCatalog:
    """The browser's catalog with the model's insights, as the app hands it to Statistics."""
    catalog = ImageCatalog.load(project)
    catalog.set_insights(image_insights(project))
    return catalog


def model_stats(qtbot, project) -> tuple[StatsView, ImageCatalog]:
    """A Statistics page (not shown) handed :func:`model_catalog`'s catalog, and that
    catalog."""
    catalog = model_catalog(project)
    widget = StatsView(project, catalog_source=lambda: catalog)
    qtbot.addWidget(widget)
    return widget, catalog


def show_duplicate_counts(widget: StatsView, monkeypatch, counts: dict[str, int]) -> None:
    """``widget`` shows ``counts`` ("exact", "near", "leaking") as a finished duplicate
    search's, its groups standing in as none."""
    monkeypatch.setattr(stats_view, "summary", lambda groups: counts)
    widget.duplicate_groups = []
    widget.duplicates_changed()
