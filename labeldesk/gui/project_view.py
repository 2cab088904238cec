"""The workspace for one open project: sidebar | thumbnail grid | detail panel.

It wires the pieces together and owns their lifetime; each piece stays ignorant of the
others. Later views (review queue, map, training) get their own widgets beside this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from labeldesk.core.project import Project
from labeldesk.gui import settings
from labeldesk.gui.catalog import ImageCatalog, ImageFilter
from labeldesk.gui.detail_panel import DetailPanel
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.labeling import LabelingController
from labeldesk.gui.sidebar import FilterSidebar
from labeldesk.gui.thumbnail_grid import ThumbnailGrid
from labeldesk.gui.thumbnails import ThumbnailLoader, project_image_loader
from labeldesk.gui.tile_delegate import TileMetrics

SPLITTER_KEY = "project_view/splitter"


class ProjectView(QWidget):
    statusChanged = Signal(str)  # the permanent counts line
    message = Signal(str)  # transient status text
    error = Signal(str)  # an expected failure to show once

    def __init__(
        self, project: Project, parent: QWidget | None = None, metrics: TileMetrics | None = None
    ):
        super().__init__(parent)
        self.project = project
        self.metrics = metrics or TileMetrics()
        side = round(self.metrics.image_side * max(1.0, self.devicePixelRatioF()))
        self.loader = ThumbnailLoader(project_image_loader(project, side), parent=self)
        self.model = ImageListModel(self.loader, self)
        self.sidebar = FilterSidebar()
        self.grid = ThumbnailGrid(self.model, self.loader, self.metrics)
        self.detail = DetailPanel(project)
        self.labeling = LabelingController(project, self.model, self.grid, self)
        self._totals: dict[str | None, int] = {}
        self._closed = False  # after shutdown(): late signals must not touch the project

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("projectSplitter")
        for widget, stretch in ((self.sidebar, 0), (self.grid, 1), (self.detail, 0)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.indexOf(widget), stretch)
        self.splitter.setSizes([250, 820, 330])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        # Undo and "add class" work wherever focus is inside this view; the search box
        # keeps Ctrl+Z for its own text (line edits claim their standard keys first).
        self.labeling.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.labeling.add_class_action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.addActions([self.labeling.undo_action, self.labeling.add_class_action])

        self.sidebar.filterChanged.connect(self.apply_filter)
        self.sidebar.addClassRequested.connect(self.labeling.prompt_add_class)
        self.grid.selectionChangedRows.connect(self._selection_changed)
        self.labeling.changed.connect(self._labels_changed)
        self.labeling.classesChanged.connect(lambda _: self.refresh_counts())
        self.labeling.message.connect(self.message)
        self.labeling.error.connect(self.error)
        self.reload()

    # -- data ----------------------------------------------------------------------
    @property
    def catalog(self) -> ImageCatalog:
        catalog = self.model.catalog
        assert catalog is not None
        return catalog

    def reload(self) -> None:
        """Re-read every image from the project (after opening or a rescan)."""
        self.loader.invalidate()
        self.model.set_catalog(ImageCatalog.load(self.project), self.sidebar.current_filter())
        self.labeling.refresh_classes()
        self.refresh_counts()
        self.grid.select_row(0)

    def apply_filter(self, wanted: ImageFilter) -> None:
        self.model.set_filter(wanted)
        self.refresh_counts()
        self.grid.select_row(0)

    def show_paths(self, paths: Iterable[str]) -> None:
        """Show only ``paths`` (within the sidebar's filter); any sidebar change resets it."""
        wanted = replace(self.sidebar.current_filter(), paths=frozenset(paths))
        self.apply_filter(wanted)

    def refresh_counts(self) -> None:
        """Sidebar counts (within the chosen split) and the status line."""
        catalog = self.catalog
        split = self.sidebar.current_filter().split
        self.sidebar.set_counts(catalog.classes, catalog.label_counts(split))
        self._totals = catalog.label_counts(None)
        self._emit_status()

    def _emit_status(self) -> None:
        catalog = self.catalog
        unlabeled = self._totals.get(None, 0)
        parts = [
            f"{len(catalog):,} images",
            f"{len(catalog) - unlabeled:,} labeled",
            f"{unlabeled:,} unlabeled",
        ]
        excluded = catalog.excluded_count()
        if excluded:
            parts.append(f"{excluded:,} excluded")
        parts.append(f"showing {self.model.rowCount():,}")
        selected = len(self.grid.selected_rows())
        if selected:
            parts.append(f"{selected:,} selected")
        self.statusChanged.emit(" · ".join(parts))

    # -- reactions -----------------------------------------------------------------
    def _labels_changed(self, _positions: np.ndarray) -> None:
        if self._closed:
            return
        self.refresh_counts()
        self._update_detail()

    def _selection_changed(self) -> None:
        if self._closed or self.model.catalog is None:  # closed, or the first reset
            return
        self._update_detail()
        self._emit_status()

    def _update_detail(self) -> None:
        rows = self.grid.selected_rows()
        if not len(rows):
            self.detail.show_none()
        elif len(rows) == 1:
            self.detail.show_image(self.catalog.info(self.model.position(int(rows[0]))))
        else:
            self.detail.show_many(list(self.catalog.labels[self.model.positions(rows)]))

    # -- lifetime ------------------------------------------------------------------
    def save_state(self) -> None:
        settings.save_bytes(SPLITTER_KEY, self.splitter.saveState())

    def restore_state(self) -> None:
        state = settings.load_bytes(SPLITTER_KEY)
        if state is not None:
            self.splitter.restoreState(state)

    def shutdown(self) -> None:
        """Stop background work and go inert; call before the project is closed."""
        if self._closed:
            return
        self._closed = True
        self.setEnabled(False)  # no more key presses reach the labeling actions
        self.save_state()
        self.loader.shutdown()
        self.detail.shutdown()
