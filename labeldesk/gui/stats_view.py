"""The statistics view: class balance by split, dataset summary, how many labels look
wrong, duplicates and leakage, training history, and labels against what the model thinks.

Everything shown comes from Qt-free functions (``project.stats()``,
``ml.duplicates.find_duplicates``, ``ml.models.list_versions``) or from the browser's
catalog (``catalog_source``: the model's view of every image, so a confusion cell's count
is what the browser then shows); this widget only lays them out. The duplicate search can
take seconds, so it runs as a background :class:`Job`; its counts open the groups.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from labeldesk.browse.duplicate_groups import Group, build_groups, refresh_states, summary
from labeldesk.core.project import Project
from labeldesk.core.vocab import EXCLUDED, SPLITS
from labeldesk.gui import hotkeys, shortcuts
from labeldesk.gui.charts import SplitBarChart
from labeldesk.gui.confusion_table import ConfusionTable
from labeldesk.gui.history_table import NONE, HistoryTable
from labeldesk.gui.stats_model import NBSP, ShowsModel
from labeldesk.gui.summary_column import SideSplitter, form_box, link, side_width
from labeldesk.gui.workers import Job, JobRunner, Tracker
from labeldesk.ml.models import ModelVersion, list_versions
from labeldesk.ml.unfinished import EmbeddingCoverage, embedding_coverage

if TYPE_CHECKING:
    from labeldesk.browse.catalog import ImageCatalog

COMPUTING = "computing…"
COMPUTE_EMBEDDINGS = "Tools → Compute embeddings"
CANCELLED = "cancelled (computed again when Statistics is opened again)"
DUPLICATE_KEYS = ("exact", "near", "leaking")
LEAKING_NOTE = "⚠ same image in several splits"
# In place of the chart while it would have no bar (it drew an empty grid from 0 to 1.1)
NO_IMAGES_CHART = (
    "No images yet: LabelDesk found none it can read in the image folder. Add images "
    "to it, then File → Rescan folder (F5)."
)
NO_LABELS_CHART = (
    "No labeled images yet: label images in the browser (Ctrl+B) with a class key, "
    "1–9, and this chart counts them per class and split."
)
NO_CLASSES_CHART = (
    "No labeled images yet: add a class (Classes → Add class…, Ctrl+K), then label "
    "images in the browser with its key; this chart counts them per class and split."
)


def empty_chart_text(stats: dict[str, Any]) -> str:
    """What the chart's place says when no image is labeled ("" when one is)."""
    if stats["labeled"]:
        return ""
    if not stats["images"]:
        return NO_IMAGES_CHART
    return NO_LABELS_CHART if stats["classes"] else NO_CLASSES_CHART


CatalogSource = Callable[[], "ImageCatalog | None"]


def training_place() -> str:
    """Where training is: "View → Training, Ctrl+Shift+T" (the user's key, if any)."""
    keys = hotkeys.key_text(hotkeys.action_name("&Training"), shortcuts.TRAINING_KEYS)
    return "View → Training" + (f", {keys}" if keys else "")


class StatsView(ShowsModel, QWidget):
    """Read-only dashboard for one project; call :meth:`refresh` after the data changes."""

    confusionCellClicked = Signal(str, str)  # label, what the model thinks
    imagesChosen = Signal(list, str)  # paths to show in the browser, what they are
    duplicatesRequested = Signal(str)  # open the groups of a kind ("exact", "near", "leaking")
    reviewRequested = Signal()  # review the likely mislabels
    duplicatesReady = Signal(dict)  # the counts shown, once the background search ends
    error = Signal(object)  # str, or a FailureText: with the disk it found full
    message = Signal(str)  # for the status bar (the neighbour search on a cluster)

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        runner: JobRunner | None = None,
        track: Tracker | None = None,
        catalog_source: CatalogSource | None = None,
        rescoring: Callable[[], bool] | None = None,
        scoring_step: Callable[[], str] | None = None,
    ):
        """``rescoring``: whether the model is scoring the labels again (the browser's
        feed is busy): the estimate shown is then its last one, and says so, with how far
        the scoring is (``scoring_step``: InsightsFeed.step_text) on a line of its own."""
        super().__init__(parent)
        self.project = project
        self.catalog_source = catalog_source
        self.rescoring = rescoring or (lambda: False)
        self.scoring_step = scoring_step or (lambda: "")
        self._owns_runner = runner is None
        self.runner = runner or JobRunner(self, max_threads=1)
        self.track = track  # shows the duplicate search, with Cancel, in the status bar
        self.versions: list[ModelVersion] = []
        self.duplicate_counts: dict[str, int] | None = None
        self.duplicate_groups: list[Group] | None = None
        self._dup_job: Job | None = None
        self._dup_said: list[str] = []  # what the newest search said of the cluster
        self._coverage_job: Job | None = None
        # the embeddings' count reads every key (seconds at 1M images): off the GUI
        # thread, and not queued behind the duplicate search
        self._coverage_runner = JobRunner(self, max_threads=1)
        self._closed = False

        self.chart = SplitBarChart()
        self.chart.setAccessibleName("Labeled images per class and split")
        self.chart_empty = QLabel()  # said in place of a chart with no bar to draw
        self.chart_empty.setWordWrap(True)
        self.chart_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chart_empty.setStyleSheet(
            "color: palette(placeholder-text); background: palette(base); padding: 12px;"
        )
        self.chart_stack = QStackedWidget()
        self.chart_stack.addWidget(self.chart)
        self.chart_stack.addWidget(self.chart_empty)
        self.summary_labels: dict[str, QLabel] = {}
        summary_box = form_box(
            "Dataset",
            self.summary_labels,
            ("images", "Images"),
            ("labeled", "Labeled"),
            ("unlabeled", "Unlabeled"),
            (EXCLUDED, "Excluded"),
            ("imbalance", "Imbalance ratio"),
            ("skipped", "Skipped files"),
            ("size", "Image size"),
            ("embeddings", "Embeddings"),
            ("likely_wrong", "Likely wrong labels"),
        )
        self.summary_labels["likely_wrong"].linkActivated.connect(
            lambda _: self.reviewRequested.emit()
        )
        summary_form = summary_box.layout()
        assert isinstance(summary_form, QFormLayout)
        self._summary_form = summary_form
        summary_form.setRowVisible(self.summary_labels["embeddings"], False)  # until partial
        dup_box = form_box(
            "Duplicates and leakage",
            self.summary_labels,
            ("exact", "Exact groups"),
            ("near", "Near groups"),
            ("leaking", "Leaking groups"),
        )
        dup_box.setToolTip("Click a count to see its groups side by side and fix them")
        for key in DUPLICATE_KEYS:
            self.summary_labels[key].linkActivated.connect(self.duplicatesRequested.emit)
        for key in ("likely_wrong", *DUPLICATE_KEYS):  # Tab reaches their links, Enter opens
            value = self.summary_labels[key]
            flags = value.textInteractionFlags()
            value.setTextInteractionFlags(flags | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(summary_box)
        side_layout.addStretch(1)
        side_scroll = QScrollArea()  # a short window scrolls the boxes, not cuts their lines
        side_scroll.setWidget(side)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setMinimumWidth(260)
        side_scroll.setAccessibleName("Dataset summary")

        self.history = HistoryTable()
        self.history.setAccessibleName("Training history")
        self.history.empty_text = (
            "No model trained yet; the project is read-only, so none can be trained here"
            if project.read_only is not None  # (its Start training is off)
            else f"No model trained yet: train one on the Training page ({training_place()})"
        )
        history_box = QGroupBox("Training history")
        QVBoxLayout(history_box).addWidget(self.history)
        # The duplicates' three lines sit above the history (a short table, blank until a
        # model is trained): beside the dataset's they took the column's room, and at
        # 1280 × 720 the column scrolled and "Leaking groups" was cut off
        history_column = QWidget()
        history_layout = QVBoxLayout(history_column)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(dup_box)
        history_layout.addWidget(history_box, 1)
        self.history.preferred_rows = 3
        history_scroll = QScrollArea()  # (a very short window: scrolled, not cut)
        history_scroll.setWidget(history_column)
        history_scroll.setWidgetResizable(True)
        history_scroll.setFrameShape(QFrame.Shape.NoFrame)
        history_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        history_scroll.setAccessibleName("Duplicates and training history")
        # No Tab stop of its own (its links and the table are): as one, it came after
        # the matrix, so Tab went back from the right column to the left
        history_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.confusion = ConfusionTable()
        self.confusion.setAccessibleName("Labels against what the model thinks")
        self.confusion.cellPairClicked.connect(self._cell_clicked)
        self.confusion_split = QComboBox()
        self.confusion_split.setAccessibleName("Split the labels are compared on")
        self.confusion_split.currentIndexChanged.connect(lambda _: self.show_model())
        self.confusion_caption = QLabel()
        self.confusion_caption.setWordWrap(True)
        confusion_box = QGroupBox(
            "Labels vs the model (rows: label, columns: what the model thinks)"
        )
        confusion_layout = QVBoxLayout(confusion_box)
        top = QHBoxLayout()
        top.addWidget(self.confusion_caption, 1)
        top.addWidget(self.confusion_split)
        confusion_layout.addLayout(top)
        confusion_layout.addWidget(self.confusion, 1)

        upper = SideSplitter(side_width(self.fontMetrics(), summary_box, side_scroll))
        chart_box = QGroupBox("Labeled images per class and split")
        QVBoxLayout(chart_box).addWidget(self.chart_stack)
        upper.addWidget(chart_box)
        upper.addWidget(side_scroll)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 1)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(history_scroll)
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
        # Tab as the page reads: the summary's link, the duplicates' (moved below the
        # chart, they came after the matrix), the history, the matrix
        chain: list[QWidget] = [self.summary_labels[k] for k in ("likely_wrong", *DUPLICATE_KEYS)]
        chain += [self.history, self.confusion_split, self.confusion]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.refresh()

    # -- data ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read stats and model versions now; restart the duplicate search."""
        if self._closed:
            return
        stats = self.project.stats()
        self._show_stats(stats)
        self._start_coverage()
        self.versions = list_versions(self.project)
        self.history.set_versions(self.versions)
        self.show_model()
        self._start_duplicates()

    def _show_stats(self, stats: dict[str, Any]) -> None:
        classes = list(stats["classes"])
        by_split = {s: [stats["classes"][c][s] for c in classes] for s in SPLITS}
        shown = {s: v for s, v in by_split.items() if any(v)} or {"train": by_split["train"]}
        self.chart.set_counts(classes, shown)
        empty = empty_chart_text(stats)
        self.chart_empty.setText(empty)
        self.chart_stack.setCurrentWidget(self.chart_empty if empty else self.chart)
        set_text = self._set
        for key in ("images", "labeled", "unlabeled", EXCLUDED):
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
            # a size keeps its unit: "px" was left alone on a line
            set_text("size", f"{span}{NBSP}px\nmedian {w['median']:g}×{h['median']:g}")
        else:
            set_text("size", NONE)

    def _start_coverage(self) -> None:
        """Count the images with a vector in the background (:meth:`_show_embeddings`)."""
        if self._coverage_job is not None:
            self._coverage_job.cancel()  # only the newest count is shown
        project = self.project
        job = Job(lambda **_: embedding_coverage(project), "Embeddings")
        job.finished.connect(self._show_embeddings)
        self._coverage_job = job
        self._coverage_runner.start(job)

    @Slot(object)
    def _show_embeddings(self, coverage: EmbeddingCoverage | None) -> None:
        """A run stopped part-way (Cancel, a Ray job whose cluster went away) keeps what
        it embedded and makes it the project's: the row says how far the embeddings go
        and how to finish. Shown only then (the summary fits a 1280 x 720 window)."""
        if self._closed or self.sender() is not self._coverage_job:
            return
        label = self.summary_labels["embeddings"]
        partial = coverage is not None and coverage.partial
        self._summary_form.setRowVisible(label, partial)
        if coverage is None or not partial:
            return
        left = coverage.images - coverage.embedded
        text = f"{coverage.embedded:,} of {coverage.images:,}"
        if self.project.read_only is None:
            text += f"\n{COMPUTE_EMBEDDINGS} embeds the other {left:,}"
        self._set("embeddings", text)
        shown = coverage.name or coverage.model  # a fine-tune by its run, not its path
        label.setToolTip(f"Model: {shown}" if shown else "")

    def _set(self, key: str, text: str) -> None:
        self.summary_labels[key].setText(text)

    # -- what the model thinks (from the browser's catalog) ------------------------------
    # -- duplicates (background) -----------------------------------------------------
    def _start_duplicates(self) -> None:
        if self._dup_job is not None:
            self._dup_job.cancel()  # its result is ignored: only the newest job counts
        self.duplicate_counts = None
        self.duplicate_groups = None
        for key in DUPLICATE_KEYS:
            self._set(key, COMPUTING)
        project = self.project
        said: list[str] = []  # what the search on the cluster said, for the status bar
        self._dup_said = said

        def search(*, progress: Any, cancel: Any) -> list[Group]:
            from labeldesk.gui.cluster_dialog import graph_on_cluster
            from labeldesk.ml.duplicates import find_duplicates

            # if chosen and needed
            graph_on_cluster(project, progress=progress, cancel=cancel, said=said.append)
            return build_groups(project, find_duplicates(project, progress=progress, cancel=cancel))

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
    def _duplicates_found(self, groups: list[Group]) -> None:
        if self._closed or self.sender() is not self._dup_job:
            return
        self.duplicate_groups = groups
        for line in self._dup_said:  # the neighbours came from the cluster
            self.message.emit(line)
        self.duplicates_changed()
        assert self.duplicate_counts is not None
        self.duplicatesReady.emit(self.duplicate_counts)

    def images_changed(self) -> None:
        """Images were excluded or moved (a duplicate-group action, an undo): re-read the
        summary and recount the groups and the matrix, without a new duplicate search."""
        if self._closed:
            return
        self._show_stats(self.project.stats())
        self.show_model()
        if self.duplicate_groups is not None:  # changed here or by another program
            refresh_states(self.project, self.duplicate_groups)
        self.duplicates_changed()

    def duplicates_changed(self) -> None:
        """Recount the groups from their members' current states (after an action)."""
        if self.duplicate_groups is None:
            return
        counts = summary(self.duplicate_groups)
        self.duplicate_counts = counts
        for key in DUPLICATE_KEYS:
            n = counts[key]
            self._set(key, link(key, f"{n:,}") if n else "0")
            self.summary_labels[key].setToolTip("Click to see these groups" if n else "")
        leaking = counts["leaking"]
        if leaking:
            self._set("leaking", f"{link('leaking', f'{leaking:,}')}  {LEAKING_NOTE}")

    @Slot(str)
    def _duplicates_failed(self, exc: BaseException) -> None:
        job = self._dup_job
        if self._closed or job is None or self.sender() is not job:
            return
        for key in DUPLICATE_KEYS:
            self._set(key, NONE)
        self.error.emit(job.describe(exc))

    @Slot()
    def _duplicates_cancelled(self) -> None:
        if self._closed or self.sender() is not self._dup_job:
            return
        for key in DUPLICATE_KEYS:
            self._set(key, CANCELLED)

    # -- lifetime ------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the background search and go inert; call before the project is closed."""
        if self._closed:
            return
        self._closed = True
        if self._dup_job is not None:
            self._dup_job.cancel()
        self._coverage_runner.shutdown()
        if self._owns_runner:
            self.runner.shutdown()
