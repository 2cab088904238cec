"""Review mode's view: one image at a time, large, decided with one key, then the next.

The widget is a thin shell over :class:`ReviewSession` (which holds the state and makes
the core calls). Slow work — computing the issues or the queue, finding neighbours —
runs in the background through :class:`ReviewJobs`, which drops results the view moved on
from. What the view shows of the image under review is :mod:`.review_display`'s.
:class:`~labeldesk.gui.review_mode.ReviewMode` puts the view in the main window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from labeldesk.browse.review_records import ReviewList, Source
from labeldesk.browse.review_scope import ReviewScope
from labeldesk.browse.review_session import ReviewSession
from labeldesk.core import changes as change_kinds
from labeldesk.core.redo import Redone
from labeldesk.core.undo import Undone
from labeldesk.gui import shortcuts
from labeldesk.gui.elided_label import ElidedLabel
from labeldesk.gui.image_display import ImageLabel, ImageLoader, ImagePopup
from labeldesk.gui.neighbour_strip import NeighbourStrip
from labeldesk.gui.queue_refresh_box import QueueRefreshBox
from labeldesk.gui.read_only_keys import REVIEW_WRITING_KEYS, refuse_keys
from labeldesk.gui.review_display import CLASSES_MENU_ADD, ReviewDisplay
from labeldesk.gui.review_info import ReviewInfo
from labeldesk.gui.review_jobs import ReviewJobs, finding_text
from labeldesk.gui.review_queue_refresh import RefreshesQueue
from labeldesk.gui.review_words import (
    READ_ONLY_KEY_NOTE,
    RESCORE_BUTTON,
    last_decision_text,
    read_only_banner_text,
)
from labeldesk.gui.session import OUTSIDE_CHANGES
from labeldesk.gui.workers import Job, JobRunner, Tracker, write_failure

if TYPE_CHECKING:
    from labeldesk.core.changes import Changes
    from labeldesk.core.progress import CancelToken
    from labeldesk.core.project import Project


NEIGHBOUR_DELAY_MS = 300  # the neighbours of an image are looked up after this pause


class ReviewView(RefreshesQueue, ReviewDisplay, QWidget):
    """The image under review, its labels and score, its neighbours; keys decide."""

    backRequested = Signal()
    loadFailed = Signal(object)  # a readable reason (str, or a FailureText); shown once
    loaded = Signal(int)  # number of items
    refreshed = Signal(int)  # the queue was refreshed in the background
    message = Signal(str)
    error = Signal(object)  # str, or a FailureText: with the disk it found full
    # The project's writes, from whichever thread wrote (a scan runs in a worker), queued
    # to this view's thread.
    _project_changed = Signal(object)
    classKeyUsed = Signal()  # a class key was pressed (the window notes key changes then)

    def __init__(
        self,
        project: Project,
        runner: JobRunner,
        track: Tracker | None = None,
        parent: QWidget | None = None,
        busy: Callable[[], str | None] | None = None,
    ):
        """``busy``: while the browser's big write runs, why a review key must wait (its
        write would wait for that one on the GUI thread); None when it need not."""
        super().__init__(parent)
        self.project = project
        self.busy = busy or (lambda: None)
        self.session: ReviewSession | None = None
        self.expected_errors: int | None = None  # issues: "about N likely wrong"
        self.pixel_share = 0.0  # issues: told in the counter's tooltip
        self.source: Source = "issues"
        self.crossfit = False  # issues scored on the cached cross-fit
        self.all_splits = False  # queue: val and test images too (asked for)
        self.held_out: dict[str, int] = {}  # queue: unlabeled images left out, per split
        self.scope: ReviewScope | None = None  # issues: what the browser was narrowed to
        self.jobs = ReviewJobs(project, runner, track, parent=self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.counter = QLabel()
        self.back_button = QPushButton("Back to browser")
        self.back_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space/Enter stay review keys
        self.back_button.clicked.connect(self.backRequested)
        # under a review kept to the browser's class (or split, search, selection); its
        # underlined W: Alt+W (it takes no focus: Space, Enter are review keys)
        self.whole_button = QPushButton("Review the &whole project")
        self.whole_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.whole_button.clicked.connect(lambda *_: self.load("issues", self.crossfit))
        self.whole_button.hide()
        self.refresh_box = QueueRefreshBox()
        self.refresh_box.changed.connect(self._refresh_every_changed)
        self.refresh_box.spin.done.connect(self.setFocus)  # keys decide again
        self.refresh_every = self.refresh_box.spin
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(24)
        self.counter.setWordWrap(True)  # a narrow window wraps it rather than grow
        top.addWidget(self.counter, 1)  # it takes the room there is: one line when it fits
        top.addSpacing(24)
        top.addWidget(self.whole_button)
        top.addWidget(self.back_button)

        self.image = ImageLabel()
        self.loader = ImageLoader(project, parent=self)
        self.loader.loaded.connect(self._image_loaded)
        self.info = ReviewInfo()
        self.info.add_footer(self.refresh_box)
        middle = QHBoxLayout()
        middle.addWidget(self.image, 1)
        middle.addWidget(self.info)

        self.notice = QLabel()
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setStyleSheet("font-size: 14pt;")
        self.notice.setWordWrap(True)
        self.held_out_button = QPushButton()  # shown under a queue that left splits out
        self.held_out_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay review keys
        self.held_out_button.clicked.connect(lambda *_: self.load("queue", all_splits=True))
        self.held_out_button.hide()
        self.rescore_button = QPushButton(RESCORE_BUTTON)  # at the end of a pass of issues
        self.rescore_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay review keys
        self.rescore_button.clicked.connect(
            lambda *_: self.load("issues", self.crossfit, scope=self.scope)
        )
        self.rescore_button.hide()
        self._last = ""  # the last key's decision, said under the next image
        self.neighbours = NeighbourStrip()
        self.read_only_banner = QLabel()  # a read-only project: why its keys are off
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setStyleSheet(
            "#readOnlyBanner { background: palette(alternate-base); "
            "border: 1px solid palette(mid); border-radius: 4px; padding: 6px; }"
        )
        if project.read_only is not None:
            self.read_only_banner.setText(read_only_banner_text(project.read_only))
        self.read_only_banner.setVisible(project.read_only is not None)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.read_only_banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.held_out_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.rescore_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(middle, 1)
        # what most of them are labeled, once found; cut with "…" (a long class name
        # would otherwise widen the page past the 600 px it fits)
        self.neighbours_caption = ElidedLabel()
        layout.addWidget(self.neighbours_caption)
        layout.addWidget(self.neighbours)
        self.jobs.loaded.connect(self._loaded)
        self.jobs.loadFailed.connect(self._load_failed)
        self.jobs.refreshed.connect(self._queue_refreshed)
        self.jobs.refreshFailed.connect(self._refresh_failed)
        self.jobs.refreshCancelled.connect(self._refresh_cancelled)
        self.jobs.neighboursFound.connect(self._neighbours_found)
        self.neighbours.clicked.connect(self.show_neighbour)
        # The search reads the whole project (~0.2 s at 100k, holding the GIL), so it
        # waits until the person pauses: quick key presses never compete with it.
        self._neighbours_for = ""
        self._hint_classes: list[str] = []  # the classes the key hint lists
        self._neighbour_timer = QTimer(self, singleShot=True, interval=NEIGHBOUR_DELAY_MS)
        self._neighbour_timer.timeout.connect(
            lambda: self.jobs.find_neighbours(self._neighbours_for)
        )
        self.popup = ImagePopup(self)
        self._make_actions()
        # Queued even from this thread: a review key's own write is heard after the key's
        # handler has finished (the session's undo has popped its decision by then).
        self._project_changed.connect(self._follow_project, Qt.ConnectionType.QueuedConnection)
        self._shut = False
        # The page was left (Esc, Back to browser): its jobs were stopped, and none starts
        # until it loads again (see :meth:`leave`).
        self._left = False
        self._warmed = False  # a cold queue was refreshed once the model could predict
        unsubscribe = project.events.subscribe(self._project_changed.emit)
        self._unsubscribe = unsubscribe
        self.destroyed.connect(lambda *_: unsubscribe())  # dropped without a shutdown
        self._show_current()

    def _make_actions(self) -> None:
        def add(keys: Sequence[shortcuts.KeySpec], slot: Callable[[], object]) -> QAction:
            action = QAction(self)
            action.setShortcuts(shortcuts.sequences(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda *_: slot())
            self.addAction(action)
            return action

        # The keys that write, off on a read-only project (Space writes in the issues
        # only, where it keeps a label: it stays, and says why there).
        self.writing_actions = [
            add(shortcuts.REVIEW_ACCEPT_KEYS, lambda: self._act(lambda s: s.accept())),
            add(
                shortcuts.with_shift(shortcuts.EXCLUDE_KEYS),
                lambda: self._act(lambda s: s.exclude()),
            ),
            add(shortcuts.REVIEW_UNDO_KEYS, self.undo),
            add(shortcuts.REVIEW_REDO_KEYS, self.redo),
        ]
        add(shortcuts.REVIEW_KEEP_KEYS, lambda: self._act(lambda s: s.keep()))
        add(shortcuts.REVIEW_PREVIOUS_KEYS, lambda: self.step_by(-1))
        add(shortcuts.REVIEW_NEXT_KEYS, lambda: self.step_by(1))
        add(shortcuts.REVIEW_BACK_KEYS, self.backRequested.emit)
        for n, key in enumerate(shortcuts.LABEL_KEYS):
            self.writing_actions.append(
                add(shortcuts.with_shift((key,)), partial(self.assign_nth, n))
            )
        if self.project.read_only is not None:
            keys = REVIEW_WRITING_KEYS
            refuse_keys(self, self.writing_actions, keys, self.say_read_only)

    def say_read_only(self) -> None:
        """A key that would write, on a read-only project: one short line in the status
        bar, not a notice per key press. The banner above the image gives the reason and
        what to do; the line repeated both, cut off at the window's edge."""
        if self.project.read_only is not None:
            self.message.emit(READ_ONLY_KEY_NOTE)

    # -- loading -------------------------------------------------------------------
    def load(
        self,
        source: Source,
        crossfit: bool = False,
        all_splits: bool = False,
        scope: ReviewScope | None = None,
    ) -> Job:
        """Compute the list for ``source`` in the background, then show its first image
        (``crossfit``: likely mislabels scored on the cached cross-fit; ``all_splits``: a
        queue with val and test images too, which it otherwise leaves out; ``scope``:
        likely mislabels within the browser's class, split, search or selection)."""
        self.source, self.crossfit = source, crossfit and source == "issues"
        self._left = False
        self.scope = scope if source == "issues" else None
        self.whole_button.setVisible(self.scope is not None)
        self.all_splits = all_splits and source == "queue"
        self.session = None
        self.expected_errors, self.pixel_share, self.held_out = None, 0.0, {}
        self._last = ""
        self._show_current(notice=f"{finding_text(source, self.crossfit)}…")
        return self.jobs.load(source, self.crossfit, self.all_splits, self.scope)

    def _loaded(self, result: ReviewList) -> None:
        items = result.items  # within the scope, if any (narrowed in the job)
        self.expected_errors = result.expected_errors
        self.pixel_share = result.pixel_share
        self.held_out = result.held_out
        self.session = ReviewSession(
            self.project,
            self.source,
            items,
            refresh_every=self.refresh_box.value(),
        )
        self._warmed = False
        self._show_current()
        self.loaded.emit(len(items))

    def _load_failed(self, text: str) -> None:
        self._show_current(notice="Nothing to review.")
        self.loadFailed.emit(text)

    def follow_outside(self, changes: Changes) -> None:
        """Another process wrote to the project (the session's poll): follow it as after
        a scan, so the labels on screen are the labels now (a key acting on a label
        nobody saw is refused by core anyway)."""
        if changes is OUTSIDE_CHANGES:
            self._follow_project(changes)

    def _follow_project(self, changes: Changes) -> None:
        """After a write, show the labels as they are now; after a scan also follow moved
        images and drop removed ones, so the pass can end, and decode the images again (a
        file edited in place keeps its path, the cache's key).
        After an undo made outside the review (Edit → Undo), a decision it took back is
        forgotten: the image is shown again and the counter no longer counts it."""
        if self._shut:
            return
        self._warm_up_queue()  # (its own write too: this is heard after each key)
        if changes.kind == change_kinds.SCAN:
            self.loader.clear()  # keyed by path: a file edited in place has a new picture
        session = self.session
        if session is None:
            return
        if isinstance(changes, Undone) and session.forget_undone(changes.undone_batch_id):
            self._show_current()
            return
        if isinstance(changes, Redone) and session.adopt_redo(
            changes.redone_batch_id, changes.batch_id
        ):
            self._show_current()  # counted again (this pass's own redo finds none here)
            return
        shown = session.current  # any write (the browser's too) may change a label shown
        session.follow_scan()
        # A class added, renamed or removed (or such a change undone) changes the key hint.
        if session.current is not shown or self._hint_classes != self.project.classes():
            self._show_current()
        else:
            self._update_counter()
            if changes.kind == change_kinds.SCAN:
                self._request_images()  # read again: what is shown stays until it arrives

    # -- actions -------------------------------------------------------------------
    def _refused(self) -> bool:
        """True (saying why) while a big write runs elsewhere in the window."""
        text = self.busy()
        if text is not None:
            self.message.emit(text)
        return text is not None

    def _act(self, action: Callable[[ReviewSession], str]) -> None:
        session = self.session
        if session is None or session.finished or self._refused():
            return
        if self.project.read_only is not None and session.source == "issues":
            self.say_read_only()  # Space keeps the label: a write (in the queue it skips)
            return
        shown = session.current
        try:
            text = action(session)
        except Exception as exc:  # LabelDesk's own, or locked, read-only: said, not dropped
            self._failed_write(exc)
            return
        decided = shown is not None and session.current is not shown and session.decided(shown)
        writable = self.project.read_only is None  # (read-only: the queue's skip; Z is off)
        self._last = last_decision_text(text, writable) if decided else ""
        self.message.emit(text)  # the browser hears of the write from the project itself
        if session.needs_refresh or (session.source == "queue" and session.finished):
            self.refresh_queue()  # also when the queue ran out before N labels
        self._show_current()

    def _failed_write(self, exc: Exception) -> None:
        """Say why a key's write failed (nothing was saved); a bug is raised."""
        self.error.emit(write_failure(exc))

    def assign_nth(self, n: int) -> None:
        self.classKeyUsed.emit()
        classes = self.project.classes()
        if n >= len(classes):
            self.message.emit(
                f"No class for key {shortcuts.class_key(n)}; add one with {CLASSES_MENU_ADD}"
            )
            return
        self._act(lambda s: s.assign(classes[n]))

    def undo(self) -> None:
        self._undo_or_redo(redo=False)

    def redo(self) -> None:
        self._undo_or_redo(redo=True)

    def _undo_or_redo(self, *, redo: bool) -> None:
        """The pass's own undo or redo (its keys): say what it did and show its image; a redo
        counts as a label again, so it may be time to refresh the queue."""
        if self.session is None or self._refused():
            return
        try:
            text = self.session.redo() if redo else self.session.undo()
        except Exception as exc:
            self._failed_write(exc)
            return
        self._last = last_decision_text(text) if redo else ""
        self.message.emit(text)
        if redo and self.session.needs_refresh:
            self.refresh_queue()
        self._show_current()

    def step_by(self, step: int) -> None:
        if self.session is not None:
            self.session.move(step)
            self._last = ""
            self._show_current()

    def leave(self, keeper: CancelToken | None = None) -> None:
        """The page was left for the browser (Esc, Back to browser): stop the work only
        this page uses, finding its list ("Finding likely mislabels…"), refreshing the
        queue, finding neighbours, which had gone on in the browser's job bar (and ended
        with "queue refreshed" there); start none while it is hidden (a queue opened
        before the model could predict refreshed itself as labels given in the browser
        allowed it). Opening the page again computes its list afresh (:meth:`load`).
        The model's predictions a stopped job was making stop too, unless ``keeper`` (the
        browser's scores, due: :meth:`InsightsFeed.keeper`) wants them: then they go on
        for the browser, which reads them (the job ends at once either way)."""
        self._left = True
        self._neighbour_timer.stop()
        self.jobs.stop(keeper)

    def shutdown(self) -> None:
        """Cancel background work and ignore its late results; the project stays open."""
        self._shut = True
        self._neighbour_timer.stop()
        self._unsubscribe()
        self.jobs.shutdown()
        self.loader.shutdown()
        self.setEnabled(False)
