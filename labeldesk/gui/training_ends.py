"""How a training run ends, on the page: :class:`RunEnds`, the part of
:class:`~labeldesk.gui.training_panel.TrainingPanel` that sets the controls as a run
starts and stops, and says its result (finished, cancelled with or without a model,
failed) with the version's summary line, then shows its history in the plot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QApplication

from labeldesk.core.display import capitalised, counted
from labeldesk.core.read_only_db import read_only_advice
from labeldesk.gui.app_words import READ_ONLY_TIP
from labeldesk.gui.focus_ring import keyboard_focus_shown, show_keyboard_focus
from labeldesk.gui.history_table import accuracy, evaluated_on, percent
from labeldesk.gui.training_words import UNFINISHED_FINISH, counting_again
from labeldesk.ml.models import ModelVersion
from labeldesk.ml.store import current_key
from labeldesk.ml.unfinished import unfinished_embeddings

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox, QWidget

    from labeldesk.core.progress import Progress
    from labeldesk.core.project import Project
    from labeldesk.gui.loss_plot import LossPlot
    from labeldesk.gui.workers import Job

READY = "Ready."
NEEDS_EMBEDDINGS = (
    "A classifier head trains on the embeddings: compute them first (Tools → Compute "
    "embeddings, Ctrl+E). Fine-tuning the backbone needs none."
)


def read_only_status(reason: str) -> str:
    """What the page says of a project opened read-only for ``reason``: why Start is off
    and what to do (it said "Ready." beside a Start button that did nothing)."""
    return (
        f"Training is not available: {reason}, and a trained model is saved in the "
        f"project folder. {capitalised(read_only_advice(reason))}."
    )


FINETUNE_HELPED = (
    "Did it help? Train a classifier head on the new embeddings (seconds) and compare "
    "its frozen test accuracy below with the earlier heads'."
)


if TYPE_CHECKING:  # the panel's base, for the type checker: the mixin is a plain class
    _PanelBase = QWidget
else:
    _PanelBase = object


class RunEnds(_PanelBase):
    """The training page as a run starts and ends (a mixin of
    :class:`~.training_panel.TrainingPanel`, whose controls and status it sets)."""

    if TYPE_CHECKING:  # what it uses of the panel
        project: Project
        job: Job | None
        _closed: bool
        _last_report: Progress | None
        _reembedding: bool
        _flags: dict[str, int] | None
        _focus_start_after: bool
        mode: QComboBox
        epochs: QSpinBox
        train_blocks: QSpinBox
        start_button: QPushButton
        cancel_button: QPushButton
        status: QLabel
        cost: QLabel
        plan: QLabel
        unfinished: QLabel
        plot: LossPlot
        runningChanged: SignalInstance
        trained: SignalInstance
        error: SignalInstance

        @property
        def selected_mode(self) -> str: ...

        def refresh(self) -> None: ...

    def update_start(self) -> None:
        """Enable Start unless a run is going or the chosen mode cannot run yet (a head
        with no embeddings); call when embeddings may have appeared."""
        if self._closed:
            return
        running = self.job is not None and self.job.running
        self._show_unfinished(running)
        waiting = self.selected_mode == "head" and current_key(self.project) is None
        reason = self.project.read_only
        read_only = reason is not None
        self.start_button.setEnabled(not running and not waiting and not read_only)
        tip = READ_ONLY_TIP if read_only else NEEDS_EMBEDDINGS if waiting else ""
        self.start_button.setToolTip(tip)
        if running:
            return
        if reason is not None:
            self.status.setText(read_only_status(reason))
        elif waiting and self.status.text() == READY:
            self.status.setText(NEEDS_EMBEDDINGS)
        elif not waiting and self.status.text() == NEEDS_EMBEDDINGS:
            self.status.setText(READY)

    def _show_unfinished(self, running: bool) -> None:
        """Say when a fine-tune's embeddings are unfinished and the app uses the ones it
        had (not while a run goes: a fine-tune's own are unfinished until it ends)."""
        unfinished = None if running else unfinished_embeddings(self.project, count=False)
        if unfinished is not None:
            text = unfinished.text(UNFINISHED_FINISH, project="the app")
            self.unfinished.setText(capitalised(text) + ".")
        self.unfinished.setVisible(unfinished is not None)

    @Slot()
    def _ended(self) -> None:
        self._set_running(False)
        self.runningChanged.emit(False)

    def _set_running(self, running: bool) -> None:
        # before a disabled button's focus falls on, which drops a keyboard user's mark
        keyboard = keyboard_focus_shown(self) and self._focus_start_after
        self.cancel_button.setEnabled(running)
        for widget in (self.mode, self.epochs, self.train_blocks):
            widget.setEnabled(not running)
        self.start_button.setEnabled(not running)
        self.cost.setVisible(not running and self.selected_mode == "finetune")
        if running:
            self._show_unfinished(running)
            if keyboard and self.cancel_button.hasFocus():
                show_keyboard_focus(self)  # Cancel, where the focus fell, is marked
        else:
            self.plan.setVisible(False)  # the run's summary says what it did
            self.update_start()
            fell_to = QApplication.focusWidget()
            if self._focus_start_after and fell_to in (None, self.cancel_button, self.plot):
                self.start_button.setFocus(Qt.FocusReason.OtherFocusReason)
                if keyboard:
                    show_keyboard_focus(self)  # and marked, as it was when pressed
            self._focus_start_after = False

    @Slot(object)
    def _finished(self, version: ModelVersion) -> None:
        self.status.setText(self._summary(version, "Trained", self._flags))
        self._show_result(version)

    @Slot()
    def _cancelled(self) -> None:
        if self.job is None:
            return
        version = self.job.result
        if isinstance(version, ModelVersion) and counting_again(self._last_report):
            self._finished(version)  # Cancel came while the flags were counted: all done
        elif isinstance(version, ModelVersion):
            self.status.setText(self._summary(version, "Cancelled; kept"))
            self._show_result(version)
        elif self._reembedding:  # the version is recorded; its embeddings are unfinished
            self.status.setText(
                "Cancelled while the images were embedded again: the fine-tuned model is "
                f"kept; the app keeps the embeddings it had until {UNFINISHED_FINISH} "
                "finishes them."
            )
            self.refresh()
        else:
            self.status.setText("Cancelled before the first epoch finished: no model was saved.")

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.status.setText(f"Training failed: {message!s}")  # (emitted whole below)
        self.error.emit(message)

    def _show_result(self, version: ModelVersion) -> None:
        if self._closed:
            return  # shut down: its project is closed, nothing is to open the version
        self.refresh()
        self.plot.set_evaluated_on(evaluated_on([version]))
        self.plot.set_history(version.metrics.get("history") or [])
        self.trained.emit(version.id)

    @staticmethod
    def _summary(version: ModelVersion, verb: str, flags: dict[str, int] | None = None) -> str:
        epochs = counted(len(version.metrics.get("history") or []), "epoch")
        val = percent(accuracy(version, "eval"))
        where = evaluated_on([version])  # "holdout" where the project has no val split
        text = f"{verb} version #{version.id} ({version.kind}, {epochs}, {where} acc {val})."
        warning = version.metrics.get("eval_warning")  # a val split too small to measure
        if warning:
            text += f"\nWarning: {warning}."
        text += RunEnds._skipped(version)
        if flags:  # a fine-tune re-embedded, and the count before was cached
            from labeldesk.ml.flag_change import FlagChange

            text += f"\n{capitalised(FlagChange(**flags).text())}."
        if version.kind == "finetune" and version.status == "complete":
            text += f"\n{FINETUNE_HELPED}"  # its own figures are its own classifier's
        return text

    @staticmethod
    def _skipped(version: ModelVersion) -> str:
        """Lines for the images a fine-tune left out (its ``metrics.failed``): those
        changed since the scan apart, with the way to take them in."""
        from labeldesk.ml.embed_decode import CHANGED

        failed = version.metrics.get("failed") or []
        changed = [f["path"] for f in failed if f["reason"] == CHANGED]
        unreadable = [f["path"] for f in failed if f["reason"] != CHANGED]
        text = ""
        if unreadable:
            text += f"\nSkipped {counted(len(unreadable), 'unreadable image')} ({unreadable[0]}…)."
        if changed:  # their labels were given to the pictures the scan saw
            text += (
                f"\nSkipped {counted(len(changed), 'image')} changed since the last scan "
                f"({changed[0]}…): use File → Rescan folder, then train again to use them."
            )
        return text
