"""Review mode: one image at a time, large, decided with one key, then the next.

The widget is a thin shell over :class:`ReviewSession` (which holds the state and makes
the core calls). Slow work — computing the issues or the queue, finding neighbours —
runs as background :class:`Job`\\ s; their results are dropped if the view moved on.
:class:`ReviewMode` switches the main window's project area between grid and review.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QImage, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.gui import shortcuts
from labeldesk.gui.image_display import fit_pixmap, load_image
from labeldesk.gui.neighbour_strip import NeighbourRow, NeighbourStrip, find_neighbours
from labeldesk.gui.review_session import (
    QUEUE_SIZE,
    ReviewItem,
    ReviewSession,
    Source,
    items_from_issues,
    items_from_queue,
)
from labeldesk.gui.workers import Job, JobRunner

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.gui.main_window import MainWindow

log = logging.getLogger(__name__)

TITLES = {"issues": "Likely mislabels", "queue": "Labeling queue"}
NO_EMBEDDINGS = (
    "This project has no embeddings yet, so there is nothing to review. "
    "Run Tools → Compute embeddings first, then try again."
)

Tracker = Callable[[Job, str], None]


def _compute_items(project: Project, source: Source) -> list[ReviewItem]:
    from labeldesk.ml.errors import NoEmbeddings

    try:
        if source == "issues":
            from labeldesk.ml.issues import label_issues

            return items_from_issues(label_issues(project))
        from labeldesk.ml.queue import labeling_queue

        return items_from_queue(labeling_queue(project, n=QUEUE_SIZE))
    except NoEmbeddings as exc:
        raise NoEmbeddings(NO_EMBEDDINGS) from exc


class ImageLabel(QLabel):
    """Shows one image as large as it fits, rescaled on resize."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._image = QImage()

    def set_image(self, image: QImage) -> None:
        self._image = image
        self._rescale()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        self.setPixmap(fit_pixmap(self._image, self.contentsRect().size()))


class ReviewView(QWidget):
    backRequested = Signal()
    loadFailed = Signal(str)  # a readable reason; the caller shows it once
    loaded = Signal(int)  # number of items
    refreshed = Signal(int)  # the queue was refreshed in the background
    message = Signal(str)
    error = Signal(str)

    def __init__(
        self,
        project: Project,
        runner: JobRunner,
        track: Tracker | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.project = project
        self.runner = runner
        self.track = track
        self.session: ReviewSession | None = None
        self.source: Source = "issues"
        self.load_job: Job | None = None
        self.refresh_job: Job | None = None
        self._neighbour_job: Job | None = None
        self._closed = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.counter = QLabel()
        self.back_button = QPushButton("Back to browser")
        self.back_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space/Enter stay review keys
        self.back_button.clicked.connect(self.backRequested)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(24)
        top.addWidget(self.counter)
        top.addStretch(1)
        top.addWidget(self.back_button)

        self.image = ImageLabel()
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.given_label = QLabel()
        self.suggested_label = QLabel()
        self.score_label = QLabel()
        for label in (self.given_label, self.suggested_label):
            label.setStyleSheet("font-size: 14pt;")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")
        info = QGridLayout()
        info.addWidget(self.path_label, 0, 0, 1, 2)
        info.addWidget(QLabel("Given label:"), 1, 0)
        info.addWidget(self.given_label, 1, 1)
        self.suggested_caption = QLabel()
        info.addWidget(self.suggested_caption, 2, 0)
        info.addWidget(self.suggested_label, 2, 1)
        self.score_caption = QLabel()
        info.addWidget(self.score_caption, 3, 0)
        info.addWidget(self.score_label, 3, 1)
        info.addWidget(self.hint, 4, 0, 1, 2)
        info.setRowStretch(5, 1)
        side = QWidget()
        side.setLayout(info)
        side.setFixedWidth(320)
        middle = QHBoxLayout()
        middle.addWidget(self.image, 1)
        middle.addWidget(side)

        self.notice = QLabel()
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setStyleSheet("font-size: 14pt;")
        self.neighbours = NeighbourStrip()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addLayout(middle, 1)
        layout.addWidget(QLabel("Most similar images:"))
        layout.addWidget(self.neighbours)
        self._make_actions()
        self._show_current()

    def _make_actions(self) -> None:
        def add(keys: Sequence[shortcuts.KeySpec], slot: Callable[[], object]) -> QAction:
            action = QAction(self)
            action.setShortcuts(shortcuts.sequences(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda *_: slot())
            self.addAction(action)
            return action

        add(shortcuts.REVIEW_ACCEPT_KEYS, lambda: self._act(lambda s: s.accept()))
        add(shortcuts.REVIEW_KEEP_KEYS, lambda: self._act(lambda s: s.keep()))
        add(shortcuts.EXCLUDE_KEYS, lambda: self._act(lambda s: s.exclude()))
        add(shortcuts.REVIEW_UNDO_KEYS, self.undo)
        add(shortcuts.REVIEW_PREVIOUS_KEYS, lambda: self.step_by(-1))
        add(shortcuts.REVIEW_NEXT_KEYS, lambda: self.step_by(1))
        add(shortcuts.REVIEW_BACK_KEYS, self.backRequested.emit)
        for n, key in enumerate(shortcuts.LABEL_KEYS):
            add((key,), partial(self.assign_nth, n))

    # -- loading -------------------------------------------------------------------
    def load(self, source: Source) -> Job:
        """Compute the list for ``source`` in the background, then show its first image."""
        if self.load_job is not None and self.load_job.running:
            self.load_job.cancel()
        self.source = source
        self.session = None
        self._show_current(notice=f"Finding {TITLES[source].lower()}…")
        project = self.project

        def compute(*, progress: ProgressCallback, cancel: CancelToken) -> list[ReviewItem]:
            return _compute_items(project, source)

        job = Job(compute, TITLES[source])
        job.finished.connect(lambda items: self._loaded(job, items))
        job.failed.connect(lambda text: self._load_failed(job, text))
        self._start(job, f"Finding {TITLES[source].lower()}")
        self.load_job = job
        return job

    def _loaded(self, job: Job, items: list[ReviewItem]) -> None:
        if self._closed or job is not self.load_job:
            return
        self.session = ReviewSession(self.project, self.source, items)
        self._show_current()
        self.loaded.emit(len(items))

    def _load_failed(self, job: Job, text: str) -> None:
        if not self._closed and job is self.load_job:
            self._show_current(notice="Nothing to review.")
            self.loadFailed.emit(text)

    def refresh_queue(self) -> Job | None:
        """Recompute the queue in the background; the image on screen stays."""
        if self.source != "queue" or (self.refresh_job is not None and self.refresh_job.running):
            return None
        project = self.project

        def compute(*, progress: ProgressCallback, cancel: CancelToken) -> list[ReviewItem]:
            return _compute_items(project, "queue")

        job = Job(compute, "Queue refresh")
        job.finished.connect(lambda items: self._queue_refreshed(job, items))
        job.failed.connect(self.error)
        self._start(job, "Refreshing the labeling queue")
        self.refresh_job = job
        return job

    def _queue_refreshed(self, job: Job, items: list[ReviewItem]) -> None:
        session = self.session
        if self._closed or session is None or session.source != "queue":
            return
        session.replace_upcoming(items)
        self._update_counter()
        self.refreshed.emit(len(items))

    def _start(self, job: Job, title: str) -> None:
        if self.track is not None:
            self.track(job, title)
        self.runner.start(job)

    # -- actions -------------------------------------------------------------------
    def _act(self, action: Callable[[ReviewSession], str]) -> None:
        session = self.session
        if session is None or session.finished:
            return
        try:
            text = action(session)
        except LabelDeskError as exc:
            self.error.emit(str(exc))
            return
        self.message.emit(text)
        self._show_current()
        if session.needs_refresh:
            self.refresh_queue()

    def assign_nth(self, n: int) -> None:
        classes = self.project.classes()
        if n >= len(classes):
            self.message.emit(f"No class number {n + 1}")
            return
        self._act(lambda s: s.assign(classes[n]))

    def undo(self) -> None:
        if self.session is None:
            return
        try:
            text = self.session.undo()
        except LabelDeskError as exc:
            self.error.emit(str(exc))
            return
        self.message.emit(text)
        self._show_current()

    def step_by(self, step: int) -> None:
        if self.session is not None:
            self.session.move(step)
            self._show_current()

    # -- display -------------------------------------------------------------------
    def _update_counter(self) -> None:
        self.counter.setText(self.session.counter_text() if self.session else "")

    def _show_current(self, notice: str = "") -> None:
        self.title.setText(TITLES[self.source])
        self._update_counter()
        session = self.session
        item = session.current if session is not None else None
        if item is None and not notice and session is not None:
            notice = "All reviewed. Press Esc to go back to the browser."
            if not session.items:
                notice = "Nothing to review: no likely mislabels were found."
                if self.source == "queue":
                    notice = "Nothing to label: every usable image has a label."
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        self.neighbours.clear()
        if item is None:
            self.image.set_image(QImage())
            for label in (self.path_label, self.given_label, self.suggested_label):
                label.clear()
            self.score_label.clear()
            self.hint.clear()
            return
        self.path_label.setText(item.path)
        self.given_label.setText(item.label or "(unlabeled)")
        self.suggested_caption.setText("Suggested:" if self.source == "issues" else "Predicted:")
        self.suggested_label.setText(f"<b>{item.suggested or '—'}</b>")
        self.score_caption.setText("Label quality:" if self.source == "issues" else "Usefulness:")
        score = item.score
        self.score_label.setText(f"{score:.3f}" if score == 0 or score >= 0.001 else f"{score:.1e}")
        decided = session.decisions.get(item.path) if session else None
        classes = ", ".join(f"{n + 1} {c}" for n, c in enumerate(self.project.classes()[:9]))
        keep = "Space keep" if self.source == "issues" else "Space skip"
        self.hint.setText(
            (f"Decided: {decided}. " if decided else "")
            + f"Enter accept · {classes} · {keep} · X exclude · Z undo · ←/→ move · Esc back"
        )
        try:
            self.image.set_image(load_image(self.project, item.path))
        except LabelDeskError as exc:
            self.image.set_image(QImage())
            self.error.emit(str(exc))
        self._find_neighbours(item.path)

    def _find_neighbours(self, path: str) -> None:
        project = self.project

        def find(*, progress: ProgressCallback, cancel: CancelToken) -> list[NeighbourRow]:
            return find_neighbours(project, path, cancel=cancel)

        if self._neighbour_job is not None:
            self._neighbour_job.cancel()
        job = Job(find, "Neighbours")
        job.finished.connect(lambda rows: self._neighbours_found(job, rows))
        job.failed.connect(lambda text: log.info("no neighbours for %s: %s", path, text))
        self._neighbour_job = job
        self.runner.start(job)

    def _neighbours_found(self, job: Job, rows: list[NeighbourRow]) -> None:
        if not self._closed and job is self._neighbour_job:
            self.neighbours.show_neighbours(rows)

    def shutdown(self) -> None:
        """Cancel background work and ignore its late results; the project stays open."""
        self._closed = True
        for job in (self.load_job, self.refresh_job, self._neighbour_job):
            if job is not None:
                job.cancel()
        self.setEnabled(False)


class ReviewMode(QObject):
    """Switches the main window's project area between the grid and the review view."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.view: ReviewView | None = None

    @property
    def active(self) -> bool:
        return self.view is not None and self.window.stack.currentWidget() is self.view

    def start(self, source: Source) -> ReviewView | None:
        window = self.window
        if window.project is None or window.view is None:
            return None
        if self.view is None:
            view = ReviewView(window.project, window.runner, track=window.job_widget.track)
            view.backRequested.connect(self.leave)
            view.loadFailed.connect(self._failed)
            view.message.connect(window.show_message)
            view.error.connect(window.notify_error)
            window.stack.addWidget(view)
            self.view = view
        self.view.setEnabled(True)
        self.view.load(source)
        window.stack.setCurrentWidget(self.view)
        self.view.setFocus()
        return self.view

    def _failed(self, text: str) -> None:
        self.leave()
        self.window.notify_error(text)

    def leave(self) -> None:
        """Back to the grid, which re-reads labels changed during the review."""
        window = self.window
        if window.view is None or not self.active:
            return
        window.stack.setCurrentWidget(window.view)
        window.view.reload()
        window.view.grid.setFocus()

    def close(self) -> None:
        """Before the project closes: stop jobs that read it, and drop the view."""
        if self.view is None:
            return
        self.view.shutdown()
        self.window.runner.pool.waitForDone(15000)
        self.window.stack.removeWidget(self.view)
        self.view.deleteLater()
        self.view = None
