"""The training page: train a head or fine-tune, watch the loss live, cancel, list versions.

Training is Qt-free (``ml.train.train_head``, ``ml.finetune.finetune``); this widget runs
it as a :class:`Job` (shown in the window's job bar too), plots the loss and validation
accuracy that its progress reports carry in ``Progress.data`` (never parsed from the
message), then re-plots from the saved version's history. Start and Cancel are
:class:`~labeldesk.gui.training_runs.StartsRuns`; the controls as a run starts and ends,
and what it says of the result, :class:`~labeldesk.gui.training_ends.RunEnds`. The slot
the run's reports reach across threads (``_report``) stays here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.display import capitalised
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.core.project import Project
from labeldesk.core.stats import labeled_val_images
from labeldesk.gui.history_table import evaluated_on
from labeldesk.gui.loss_plot import LossPlot
from labeldesk.gui.model_versions_box import VersionsBox
from labeldesk.gui.steady_label import SteadyLabel
from labeldesk.gui.training_ends import READY, RunEnds
from labeldesk.gui.training_runs import StartsRuns, _ReportRelay
from labeldesk.gui.training_words import (
    BLOCKS_HINTS,
    blocks_hint,
    describe,
    re_embedding,
)
from labeldesk.gui.workers import ExclusiveJobs, Job, JobRunner, Tracker
from labeldesk.ml.models import ModelVersion, list_versions

MODES = {"head": "Classifier head (fast, on embeddings)", "finetune": "Fine-tune backbone"}
DEFAULT_EPOCHS = {"head": 100, "finetune": 3}
# Shown before a fine-tune is started: nothing said it was slow until it ran (on a CPU,
# minutes where a head takes seconds) or that its end replaces every image's vectors.
FINETUNE_COST = (
    "Fine-tuning trains the network itself, then embeds every image again: minutes on a "
    "CPU, where a classifier head takes seconds."
)


class TrainingPanel(StartsRuns, RunEnds, QWidget):
    """Start/cancel training runs and list model versions; emits ``trained(version_id)``."""

    trained = Signal(int)
    inUseChanged = Signal()  # a person pinned or unpinned a version
    error = Signal(object)  # str, or a FailureText: with the disk it found full
    runningChanged = Signal(bool)
    # Fine-tuning runs in a child process (torch never stalls the GUI thread); a head
    # trains in a second or two on the embeddings and stays in this process.
    finetune_in_process = False
    # Found once per run of the app, in a child process: importing torch to ask would
    # freeze the GUI for a second or more.
    detected_device: str | None = None

    def __init__(
        self,
        project: Project,
        runner: JobRunner | None = None,
        *,
        track: Tracker | None = None,
        exclusive: ExclusiveJobs | None = None,
    ):
        """``exclusive``: the project session, whose single slot for exclusive jobs a run
        takes (it shows the run in the job bar, or says why it cannot start now); without
        one, runs start on ``runner`` and show through ``track(job, title)``."""
        super().__init__()
        self.project = project
        self._owns_runner = runner is None
        self.runner = runner or JobRunner(self, max_threads=1)
        self.track = track
        self.exclusive = exclusive
        self.job: Job | None = None
        self.device_job: Job | None = None
        self.versions: list[ModelVersion] = []
        self._closed = False  # shut down: no new run (the handlers go with the panel)
        self._run = 0  # which run's reports the plot shows
        self._last_report: Progress | None = None  # the run's latest, for Cancel's words
        self._reembedding = False  # the fine-tune's model is saved; its images embed again
        self._flags: dict[str, int] | None = None  # likely mislabels before/after a fine-tune
        self._relay: _ReportRelay | None = None
        # the run was started from the Start button: when it ends, focus goes back there
        # (disabling Start, then Cancel, had dropped it on Cancel, then on the plot)
        self._focus_start_after = False

        self.mode = QComboBox()
        for key, text in MODES.items():
            self.mode.addItem(text, key)
        self.epochs = QSpinBox(minimum=1, maximum=10_000, value=DEFAULT_EPOCHS["head"])
        self.train_blocks = QSpinBox(minimum=-1, maximum=100, value=2)
        self.train_blocks.setSpecialValueText("all layers")
        self.train_blocks.setToolTip("The last N backbone blocks learn; the rest stay frozen.")
        self.device = QLabel(TrainingPanel.detected_device or "checking…")
        self.start_button = QPushButton("Start training")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel(READY)
        self.status.setWordWrap(True)
        # a fine-tune stopped before its embeddings were whole (killed, cancelled, failed)
        # what a fine-tune will do (how much; every image embedded again), while it runs
        self.cost = QLabel(FINETUNE_COST)  # while fine-tune is picked, before its run
        self.cost.setWordWrap(True)
        self.cost.setVisible(False)
        self.plan = QLabel()
        self.plan.setWordWrap(True)
        self.plan.setVisible(False)
        self.unfinished = QLabel()
        self.unfinished.setWordWrap(True)
        self.unfinished.setVisible(False)

        settings = QGroupBox("Training")
        form = QFormLayout(settings)
        form.addRow("Mode", self.mode)
        form.addRow("Epochs", self.epochs)
        # the row keeps its room while hidden (a head): switching the mode moved Start and
        # Cancel by a row, and "Train blocks" widened the column, moving the plot (a form
        # drops a hidden row whatever its size policy: each half sits in a box that keeps it)
        self._blocks_label = QLabel("Train blocks")
        self._blocks_label.setBuddy(self.train_blocks)
        # and under the box, what its number does (grey, room kept for its longest wording)
        self.blocks_hint = SteadyLabel()
        self.blocks_hint.also_fit(BLOCKS_HINTS)
        self.blocks_hint.setStyleSheet("color: palette(placeholder-text);")
        self.train_blocks.valueChanged.connect(lambda n: self.blocks_hint.setText(blocks_hint(n)))
        self.blocks_hint.setText(blocks_hint(self.train_blocks.value()))
        blocks = QVBoxLayout()
        blocks.addWidget(_room_kept(self.train_blocks))
        blocks.addWidget(_room_kept(self.blocks_hint))
        form.addRow(_room_kept(self._blocks_label), blocks)
        form.addRow("Device", self.device)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        form.addRow(buttons)
        form.addRow(self.status)
        form.addRow(self.cost)
        form.addRow(self.plan)
        form.addRow(self.unfinished)
        self.mode.currentIndexChanged.connect(self._mode_changed)

        self.plot = LossPlot()
        self.plot.setAccessibleName("Loss and validation accuracy per epoch")
        self.plot.set_idle_epochs(self.epochs.value())
        self.epochs.valueChanged.connect(self.plot.set_idle_epochs)
        versions_box = VersionsBox(project, self.runner)
        self.versions_box = versions_box
        self.table = versions_box.table
        versions_box.pinned.connect(self.inUseChanged)
        versions_box.error.connect(self.error)
        top = QHBoxLayout()
        top.addWidget(settings)
        top.addWidget(self.plot, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top, 3)
        layout.addWidget(versions_box, 2)
        self._set_running(False)
        self._mode_changed()
        self.refresh()
        if TrainingPanel.detected_device is None:
            self._detect_device()

    def _detect_device(self) -> None:
        path = self.project.path

        def detect(*, progress: Any, cancel: CancelToken) -> str:
            from labeldesk.ml.child_jobs import run_in_child

            return str(run_in_child("labeldesk.ml.device:describe_device", path, cancel=cancel))

        job = Job(detect, "Device check")
        job.finished.connect(_remember_device)  # for the next page, whatever this one's fate
        # tied to the panel: a job that ends after it was deleted calls nothing on it
        job.connect_while(self, job.finished, self.device.setText)
        job.connect_while(
            self,
            job.failed,
            lambda exc: self.device.setText(f"unavailable ({job.describe(exc)!s})"),
        )
        self.device_job = job
        self.runner.start(job)

    @property
    def selected_mode(self) -> str:
        return str(self.mode.currentData())

    def _mode_changed(self) -> None:
        finetune = self.selected_mode == "finetune"
        self.train_blocks.setVisible(finetune)
        self.blocks_hint.setVisible(finetune)
        self._blocks_label.setVisible(finetune)
        self.cost.setVisible(finetune and not (self.job is not None and self.job.running))
        self.epochs.setValue(DEFAULT_EPOCHS[self.selected_mode])  # mode is fixed while running
        self.update_start()

    def refresh(self) -> None:
        """Re-read the model versions; show the newest one's history in the plot."""
        if self._closed:
            return
        self.versions = list_versions(self.project)
        # the words a first run will report: the page read "val" with no val split
        first_run = "val" if self.versions or labeled_val_images(self.project) else "holdout"
        self.versions_box.set_versions(self.versions, first_run)
        self.update_start()
        if self.job is not None and self.job.running:
            return
        if self.versions:
            self.plot.set_evaluated_on(evaluated_on(self.versions[:1]))
            self.plot.set_history(self.versions[0].metrics.get("history") or [])
        else:
            self.plot.set_evaluated_on(first_run)

    @Slot(int, object)
    def _report(self, run_number: int, report: Progress) -> None:
        if run_number != self._run:
            return  # a report of an earlier run, delivered late
        self._last_report = report
        if self.selected_mode == "finetune" and re_embedding(report):
            self._reembedding = True
        data = report.data or {}
        if isinstance(data.get("flags"), dict):  # counted again on the new embeddings
            self._flags = data["flags"]
        if isinstance(data.get("plan"), str):  # what the fine-tune will do
            self.plan.setText(capitalised(data["plan"]) + ".")
            self.plan.setVisible(True)
        epoch = data.get("epoch")
        if isinstance(epoch, int):
            if isinstance(data.get("loss"), int | float):
                self.plot.add_loss(epoch, float(data["loss"]))
            if isinstance(data.get("eval_accuracy"), int | float):
                where = data.get("evaluated_on")
                if isinstance(where, str) and where != self.plot.evaluated_on:
                    self.plot.set_evaluated_on(where)  # the curve named as the run measures
                self.plot.add_accuracy(epoch, float(data["eval_accuracy"]))
        if not (self.job is not None and self.job.token.cancelled):
            self.status.setText(describe(report))

    # -- lifetime ------------------------------------------------------------------
    def shutdown(self) -> None:
        """Cancel a running job and go inert; call before the project is closed."""
        if self._closed:
            return
        self._closed = True
        self.versions_box.shutdown()
        for job in (self.job, self.device_job):
            if job is not None:
                job.cancel()
        if self._owns_runner:
            self.runner.shutdown()


def _remember_device(text: str) -> None:
    """Keep the device a check found for every later page (the check runs once)."""
    TrainingPanel.detected_device = text


def _room_kept(widget: QWidget) -> QWidget:
    """``widget`` in a box that keeps its room while it is hidden."""
    policy = widget.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    widget.setSizePolicy(policy)
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    return box
