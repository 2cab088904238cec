"""The statistics view: class balance by split, dataset summary, duplicates and leakage,
training history and the latest model's confusion matrix.

Everything shown comes from Qt-free functions (``project.stats()``,
``ml.duplicates.find_duplicates``, ``ml.models.list_versions``); this widget only lays
them out. Duplicate search can take seconds, so it runs as a background :class:`Job`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.layout import SPLITS
from labeldesk.core.project import Project
from labeldesk.gui.charts import NONE, ConfusionTable, HistoryTable, SplitBarChart, percent
from labeldesk.gui.workers import Job, JobRunner, Tracker
from labeldesk.ml.models import ModelVersion, list_versions

COMPUTING = "computing…"
CANCELLED = "cancelled (computed again when Statistics is opened again)"
CONFUSION_SPLITS = {"eval": "validation", "test": "test"}


def duplicate_summary(groups: list[Any]) -> dict[str, int]:
    return {
        "exact": sum(1 for g in groups if g.kind == "exact"),
        "near": sum(1 for g in groups if g.kind == "near"),
        "leaking": sum(1 for g in groups if g.leaks),
        "images": sum(len(g.paths) for g in groups),
    }


class StatsView(QWidget):
    """Read-only dashboard for one project; call :meth:`refresh` after the data changes."""

    confusionCellClicked = Signal(str, str)  # true class, predicted class
    duplicatesReady = Signal(dict)  # the counts shown, once the background search ends
    error = Signal(str)

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        runner: JobRunner | None = None,
        track: Tracker | None = None,
    ):
        super().__init__(parent)
        self.project = project
        self._owns_runner = runner is None
        self.runner = runner or JobRunner(self, max_threads=1)
        self.track = track  # shows the duplicate search, with Cancel, in the status bar
        self.versions: list[ModelVersion] = []
        self.confusion_version: ModelVersion | None = None
        self.duplicate_counts: dict[str, int] | None = None
        self._dup_job: Job | None = None
        self._closed = False

        self.chart = SplitBarChart()
        self.summary_labels: dict[str, QLabel] = {}
        summary_box = self._form_box(
            "Dataset",
            ("images", "Images"),
            ("labeled", "Labeled"),
            ("unlabeled", "Unlabeled"),
            ("excluded", "Excluded"),
            ("imbalance", "Imbalance ratio"),
            ("skipped", "Skipped files"),
            ("size", "Image size"),
        )
        dup_box = self._form_box(
            "Duplicates and leakage",
            ("exact", "Exact groups"),
            ("near", "Near groups"),
            ("leaking", "Leaking groups"),
        )
        side = QWidget()
        side.setMinimumWidth(260)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(summary_box)
        side_layout.addWidget(dup_box)
        side_layout.addStretch(1)

        self.history = HistoryTable()
        history_box = QGroupBox("Training history")
        QVBoxLayout(history_box).addWidget(self.history)

        self.confusion = ConfusionTable()
        self.confusion.cellPairClicked.connect(self.confusionCellClicked)
        self.confusion_split = QComboBox()
        self.confusion_split.currentIndexChanged.connect(lambda _: self._show_confusion())
        self.confusion_caption = QLabel()
        self.confusion_caption.setWordWrap(True)
        confusion_box = QGroupBox("Confusion matrix (rows: true class, columns: predicted)")
        confusion_layout = QVBoxLayout(confusion_box)
        top = QHBoxLayout()
        top.addWidget(self.confusion_caption, 1)
        top.addWidget(self.confusion_split)
        confusion_layout.addLayout(top)
        confusion_layout.addWidget(self.confusion, 1)

        upper = QSplitter(Qt.Orientation.Horizontal)
        chart_box = QGroupBox("Labeled images per class and split")
        QVBoxLayout(chart_box).addWidget(self.chart)
        upper.addWidget(chart_box)
        upper.addWidget(side)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 1)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(history_box)
        lower.addWidget(confusion_box)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        lower.setSizes([10_000, 10_000])  # halves, whatever the size hints say
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([10_000, 10_000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self.refresh()

    def _form_box(self, title: str, *rows: tuple[str, str]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for key, text in rows:
            value = QLabel(NONE)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            form.addRow(text, value)
            self.summary_labels[key] = value
        return box

    # -- data ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read stats and model versions now; restart the duplicate search."""
        if self._closed:
            return
        stats = self.project.stats()
        self._show_stats(stats)
        self.versions = list_versions(self.project)
        self.history.set_versions(self.versions)
        self._choose_confusion_version()
        self._start_duplicates()

    def _show_stats(self, stats: dict[str, Any]) -> None:
        classes = list(stats["classes"])
        by_split = {s: [stats["classes"][c][s] for c in classes] for s in SPLITS}
        shown = {s: v for s, v in by_split.items() if any(v)} or {"train": by_split["train"]}
        self.chart.set_counts(classes, shown)
        set_text = self._set
        for key in ("images", "labeled", "unlabeled", "excluded"):
            set_text(key, f"{stats[key]:,}")
        ratio = stats.get("imbalance_ratio")
        set_text("imbalance", f"{ratio:.2f}" if ratio else NONE)
        self.summary_labels["imbalance"].setToolTip("largest class / smallest non-empty class")
        reasons = stats.get("skipped_by_reason") or {}
        set_text(
            "skipped",
            f"{stats.get('skipped', 0):,}"
            + "".join(f"\n  {reason}: {n:,}" for reason, n in reasons.items()),
        )
        size = stats.get("image_size") or {}
        if size:
            w, h = size["width"], size["height"]
            smallest, largest = f"{w['min']}×{h['min']}", f"{w['max']}×{h['max']}"
            span = smallest if smallest == largest else f"{smallest} … {largest}"
            set_text("size", f"{span} px\nmedian {w['median']:g}×{h['median']:g}")
        else:
            set_text("size", NONE)

    def _set(self, key: str, text: str) -> None:
        self.summary_labels[key].setText(text)

    def _choose_confusion_version(self) -> None:
        """The newest version that has a confusion matrix; its splits go in the combo."""
        self.confusion_version = next(
            (v for v in self.versions if any(_report(v, n) for n in CONFUSION_SPLITS)), None
        )
        self.confusion_split.blockSignals(True)
        self.confusion_split.clear()
        if self.confusion_version is not None:
            for name, text in CONFUSION_SPLITS.items():
                if _report(self.confusion_version, name):
                    self.confusion_split.addItem(text, name)
        self.confusion_split.setVisible(self.confusion_split.count() > 1)
        self.confusion_split.blockSignals(False)
        self._show_confusion()

    def _show_confusion(self) -> None:
        version = self.confusion_version
        name = self.confusion_split.currentData()
        report = _report(version, name) if version is not None and name else None
        if version is None or report is None:
            self.confusion.set_matrix([], [])
            self.confusion_caption.setText("No trained model yet.")
            return
        classes = list(report.get("per_class") or self.project.classes())
        self.confusion.set_matrix(classes, report["confusion"])
        accuracy = percent(report.get("accuracy"))
        self.confusion_caption.setText(
            f"Version #{version.id} ({version.kind}) on {CONFUSION_SPLITS[name]}: "
            f"{report.get('n', 0):,} images, accuracy {accuracy}."
        )

    # -- duplicates (background) -----------------------------------------------------
    def _start_duplicates(self) -> None:
        if self._dup_job is not None:
            self._dup_job.cancel()  # its result is ignored: only the newest job counts
        self.duplicate_counts = None
        for key in ("exact", "near", "leaking"):
            self._set(key, COMPUTING)
        project = self.project

        def search(*, progress: Any, cancel: Any) -> dict[str, int]:
            from labeldesk.ml.duplicates import find_duplicates

            return duplicate_summary(find_duplicates(project, progress=progress, cancel=cancel))

        job = Job(search, "Duplicates")
        # Bound slots of this widget: Qt queues them onto the GUI thread.
        job.finished.connect(self._duplicates_found)
        job.failed.connect(self._duplicates_failed)
        job.cancelled.connect(self._duplicates_cancelled)
        self._dup_job = job
        if self.track is not None:
            self.track(job, "Finding duplicates")
        self.runner.start(job)

    @Slot(object)
    def _duplicates_found(self, counts: dict[str, int]) -> None:
        if self._closed or self.sender() is not self._dup_job:
            return
        self.duplicate_counts = counts
        self._set("exact", f"{counts['exact']:,}")
        self._set("near", f"{counts['near']:,}")
        leaking = counts["leaking"]
        self._set(
            "leaking", f"{leaking:,}" + ("  ⚠ same image in several splits" if leaking else "")
        )
        self.duplicatesReady.emit(counts)

    @Slot(str)
    def _duplicates_failed(self, message: str) -> None:
        if self._closed or self.sender() is not self._dup_job:
            return
        for key in ("exact", "near", "leaking"):
            self._set(key, NONE)
        self.error.emit(message)

    @Slot()
    def _duplicates_cancelled(self) -> None:
        if self._closed or self.sender() is not self._dup_job:
            return
        for key in ("exact", "near", "leaking"):
            self._set(key, CANCELLED)

    # -- lifetime ------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the background search and go inert; call before the project is closed."""
        if self._closed:
            return
        self._closed = True
        if self._dup_job is not None:
            self._dup_job.cancel()
        if self._owns_runner:
            self.runner.shutdown()


def _report(version: ModelVersion | None, name: str) -> dict[str, Any] | None:
    if version is None:
        return None
    report = version.metrics.get(name)
    return report if isinstance(report, dict) and report.get("confusion") else None
