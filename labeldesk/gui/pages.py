"""The per-project pages beside the browser: statistics and training (more to come).

Created when a project opens, shut down (their jobs stopped) when it closes, shown in
the main window's stack on request. Keeps that bookkeeping out of the main window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labeldesk.gui.stats_view import StatsView
from labeldesk.gui.training_panel import TrainingPanel

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.gui.main_window import MainWindow
    from labeldesk.gui.workers import Job


class ProjectPages:
    def __init__(self, window: MainWindow):
        self.window = window
        self.stats: StatsView | None = None
        self.training: TrainingPanel | None = None

    def open(self, project: Project) -> None:
        window = self.window
        self.stats = StatsView(project, runner=window.runner)
        self.stats.error.connect(window.notify_error)
        self.stats.confusionCellClicked.connect(window.show_confusion)
        self.training = TrainingPanel(project, runner=window.runner)
        self.training.error.connect(window.notify_error)
        self.training.trained.connect(self._trained)
        for page in (self.stats, self.training):
            window.stack.addWidget(page)

    def close(self) -> None:
        training_job = self.training.job if self.training is not None else None
        for page in (self.training, self.stats):
            if page is None:
                continue
            page.shutdown()
            self.window.stack.removeWidget(page)
            page.deleteLater()
        if training_job is not None and training_job.running:
            self.window.runner.pool.waitForDone(15000)  # it records a version at the end
        self.stats = self.training = None

    @property
    def training_job(self) -> Job | None:
        job = self.training.job if self.training is not None else None
        return job if job is not None and job.running else None

    def show_statistics(self) -> None:
        if self.stats is not None:
            self.stats.refresh()
            self.window.stack.setCurrentWidget(self.stats)

    def show_training(self) -> None:
        if self.training is not None:
            self.training.refresh()
            self.window.stack.setCurrentWidget(self.training)

    def _trained(self, _version_id: int) -> None:
        if self.stats is not None:
            self.stats.refresh()
        self.window.refresh_after_training()
