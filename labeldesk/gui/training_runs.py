"""Starting and cancelling a training run: :class:`StartsRuns`, the part of
:class:`~labeldesk.gui.training_panel.TrainingPanel` that builds the run (a head in this
process, a fine-tune in a child), relays its progress reports to the plot and starts it
as a :class:`~labeldesk.gui.workers.Job`, and Cancel. The slot the relay reaches
(``_report``, across threads) is the panel's own; how a run ends is
:class:`~labeldesk.gui.training_ends.RunEnds`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from labeldesk.core.progress import Progress
from labeldesk.gui.focus_ring import keyboard_focus_shown, show_keyboard_focus
from labeldesk.gui.training_words import cancelling
from labeldesk.gui.workers import Job
from labeldesk.ml.models import ModelVersion

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox, QWidget

    from labeldesk.core.project import Project
    from labeldesk.gui.loss_plot import LossPlot
    from labeldesk.gui.workers import ExclusiveJobs, JobRunner, Tracker


class _ReportRelay(QObject):
    """Carries a run's progress reports, ``data`` included, from the worker thread to the
    panel: the job's own signal carries text only and skips reports that come faster
    than a screen redraws, and the plot needs every epoch."""

    report = Signal(int, object)  # run number, Progress


if TYPE_CHECKING:  # the panel's base, for the type checker: the mixin is a plain class
    _PanelBase = QWidget
else:
    _PanelBase = object


class StartsRuns(_PanelBase):
    """The training page's Start and Cancel (a mixin of
    :class:`~.training_panel.TrainingPanel`, whose run state it sets)."""

    if TYPE_CHECKING:  # what it uses of the panel
        project: Project
        runner: JobRunner
        track: Tracker | None
        exclusive: ExclusiveJobs | None
        job: Job | None
        finetune_in_process: bool
        _closed: bool
        _run: int
        _last_report: Progress | None
        _reembedding: bool
        _flags: dict[str, int] | None
        _relay: _ReportRelay | None
        _focus_start_after: bool
        epochs: QSpinBox
        train_blocks: QSpinBox
        start_button: QPushButton
        cancel_button: QPushButton
        status: QLabel
        plot: LossPlot
        runningChanged: SignalInstance

        @property
        def selected_mode(self) -> str: ...

        def _report(self, run_number: int, report: Progress) -> None: ...
        def _finished(self, version: ModelVersion) -> None: ...
        def _cancelled(self) -> None: ...
        def _ended(self) -> None: ...
        def _failed(self, message: str) -> None: ...
        def _set_running(self, running: bool) -> None: ...

    # -- running -------------------------------------------------------------------
    @Slot()
    def start(self) -> Job | None:
        if self._closed or (self.job is not None and self.job.running):
            return None
        reason = self.exclusive.blocker() if self.exclusive is not None else None
        if reason:
            self.status.setText(reason)
            return None
        project, mode, epochs = self.project, self.selected_mode, self.epochs.value()
        blocks = self.train_blocks.value()

        in_process = self.finetune_in_process

        def run(*, progress: Any, cancel: Any) -> ModelVersion:
            if mode == "finetune":
                from labeldesk.ml.child_jobs import finetune_in_child
                from labeldesk.ml.finetune import FinetuneParams, finetune_and_reembed

                params = FinetuneParams(epochs=epochs, train_blocks=blocks)
                if in_process:
                    return finetune_and_reembed(project, params, progress=progress, cancel=cancel)
                return finetune_in_child(project.path, params, progress=progress, cancel=cancel)
            from labeldesk.ml.model_choice import train_and_choose
            from labeldesk.ml.train import HeadParams

            version, _ = train_and_choose(
                project, HeadParams(epochs=epochs), progress=progress, cancel=cancel
            )
            return version

        self._run += 1
        relay = _ReportRelay()
        relay.report.connect(self._report)
        run_number = self._run

        def run_and_report(*, progress: Any, cancel: Any) -> ModelVersion:
            def report(update: Progress) -> None:
                relay.report.emit(run_number, update)
                progress(update)

            return run(progress=report, cancel=cancel)

        job = Job(run_and_report, "Training")
        self._relay = relay  # alive as long as the run can report
        # tied to the panel: a run that ends after it was deleted calls nothing on it
        job.connect_while(self, job.finished, self._finished)
        job.connect_while(self, job.cancelled, self._cancelled)
        job.connect_while(self, job.failed, lambda exc: self._failed(job.describe(exc)))
        job.connect_while(self, job.ended, self._ended)
        self.job = job
        self._last_report = None
        self._reembedding = False
        self._flags = None
        self.plot.set_history([], planned=epochs)
        self._focus_start_after = self.start_button.hasFocus()
        self._set_running(True)
        self.status.setText("Starting…")
        title = "Fine-tuning" if mode == "finetune" else "Training the classifier"
        if self.exclusive is not None:
            self.exclusive.start_exclusive(job, title)
        else:
            if self.track is not None:
                self.track(job, title)
            self.runner.start(job)
        self.runningChanged.emit(True)
        return job

    @Slot()
    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            keyboard = keyboard_focus_shown(self)
            self.cancel_button.setEnabled(False)
            if keyboard:
                show_keyboard_focus(self)  # where the focus fell on, and Start after
            said = cancelling(self.selected_mode, self._last_report, self._reembedding)
            self.status.setText(said)
