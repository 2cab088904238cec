"""The per-project pages beside the browser: statistics, training and the embedding map.

Each page is built the first time it is shown (so opening a project starts no background
work), shut down with its jobs when the project closes, and shown in the main window's
stack on request. Keeps that bookkeeping out of the main window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first shown: pyqtgraph and scipy cost ~0.6 s at start-up
    from labeldesk.core.project import Project
    from labeldesk.gui.duplicates_dialog import DuplicatesDialog
    from labeldesk.gui.main_window import MainWindow
    from labeldesk.gui.map_view import MapView
    from labeldesk.gui.stats_view import StatsView
    from labeldesk.gui.training_panel import TrainingPanel
    from labeldesk.gui.workers import Job


class ProjectPages:
    def __init__(self, window: MainWindow):
        self.window = window
        self.project: Project | None = None
        self.stats: StatsView | None = None
        self.training: TrainingPanel | None = None
        self.map: MapView | None = None
        self.duplicates: DuplicatesDialog | None = None

    def open(self, project: Project) -> None:
        self.project = project
        view = self.window.view
        if view is not None:  # the model's insights also feed Statistics and the map
            view.feed.updated.connect(lambda _: self._insights_updated())

    def close(self) -> None:
        self._close_duplicates()
        training_job = self.training_job
        for page in (self.map, self.training, self.stats):
            if page is None:
                continue
            page.shutdown()
            self.window.stack.removeWidget(page)
            page.deleteLater()
        if training_job is not None:
            self.window.runner.pool.waitForDone(15000)  # it records a version at the end
        self.stats = self.training = self.map = None
        self.project = None

    @property
    def training_job(self) -> Job | None:
        job = self.training.job if self.training is not None else None
        return job if job is not None and job.running else None

    def show_statistics(self) -> None:
        if self.project is None:
            return
        if self.stats is None:
            from labeldesk.gui.stats_view import StatsView

            window = self.window
            self.stats = StatsView(  # refreshes itself
                self.project,
                runner=window.runner,
                track=window.job_widget.track,
                catalog_source=lambda: window.view.catalog if window.view is not None else None,
            )
            self.stats.error.connect(window.notify_error)
            self.stats.imagesChosen.connect(window.show_selection)
            self.stats.duplicatesRequested.connect(self.show_duplicates)
            self.stats.reviewRequested.connect(window.review_issues)
            window.stack.addWidget(self.stats)
        else:
            self.stats.refresh()
        self.window.stack.setCurrentWidget(self.stats)

    def show_training(self) -> None:
        if self.project is None:
            return
        if self.training is None:
            from labeldesk.gui.training_panel import TrainingPanel

            window = self.window
            self.training = TrainingPanel(
                self.project, runner=window.runner, track=window.job_widget.track,
                blocker=self._training_blocker,
            )  # fmt: skip
            self.training.error.connect(window.notify_error)
            self.training.trained.connect(self._trained)
            self.training.runningChanged.connect(lambda _: window.update_actions())
            self.window.stack.addWidget(self.training)
        else:
            self.training.refresh()
        self.window.stack.setCurrentWidget(self.training)

    def show_map(self) -> None:
        if self.project is None:
            return
        if self.map is None:
            from labeldesk.gui.map_view import MapView

            window = self.window
            self.map = MapView(
                self.project,
                runner=window.runner,
                catalog_source=lambda: window.view.catalog if window.view is not None else None,
            )
            self.map.error.connect(self.window.notify_error)
            self.map.selectionChanged.connect(
                lambda paths: self.window.show_selection(paths, "selected on the map")
            )
            self.window.stack.addWidget(self.map)
        self.map.refresh()  # cached per embedding version: instant after the first time
        self.window.stack.setCurrentWidget(self.map)

    def show_duplicates(self, kind: str = "all") -> DuplicatesDialog | None:
        """The duplicate groups Statistics found (of ``kind``), with actions to fix them."""
        stats, view = self.stats, self.window.view
        if self.project is None or stats is None or view is None:
            return None
        if stats.duplicate_groups is None:
            self.window.show_message("The duplicate search is still running")
            return None
        from labeldesk.gui.duplicates_dialog import DuplicatesDialog

        self._close_duplicates()
        dialog = DuplicatesDialog(
            self.project,
            stats.duplicate_groups,
            write=view.write,
            undo=view.labeling.undo,
            loader=view.loader,
            image_size=view.image_size,
            kind=kind,
            parent=self.window,
        )
        dialog.changed.connect(stats.images_changed)
        dialog.openRequested.connect(self.window.show_image_among)
        dialog.show()
        self.duplicates = dialog
        return dialog

    def _close_duplicates(self) -> None:
        if self.duplicates is not None:
            self.duplicates.close()
            self.duplicates.deleteLater()
            self.duplicates = None

    def _insights_updated(self) -> None:
        if self.stats is not None:
            self.stats.show_model()
        if self.map is not None:
            self.map.insights_changed()

    def _training_blocker(self) -> str | None:
        """Why training cannot start now: one job works on the project at a time."""
        running = self.window.jobs.running()
        if running:
            return f"Wait for “{running[0].name}” to finish (or cancel it), then start training."
        return None

    def _trained(self, _version_id: int) -> None:
        if self.stats is not None:
            self.stats.refresh()
        self.window.refresh_after_training()
