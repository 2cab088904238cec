"""The review queue refreshed in the background: :class:`RefreshesQueue`, the part of
:class:`~labeldesk.gui.review_view.ReviewView` that refits the model and swaps in the
queue's next images while the image on screen stays, refreshes a queue computed before
the model could predict as soon as it can, and says so on the model line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labeldesk.core.labels import two_classes_to_learn

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from labeldesk.browse.review_lists import QueueRefresh
    from labeldesk.browse.review_records import Source
    from labeldesk.browse.review_session import ReviewSession
    from labeldesk.core.project import Project
    from labeldesk.gui.review_info import ReviewInfo
    from labeldesk.gui.review_jobs import ReviewJobs
    from labeldesk.gui.workers import Job


class RefreshesQueue:
    """The review view's queue refresh (a mixin of :class:`~.review_view.ReviewView`,
    whose session, jobs and model line it uses)."""

    if TYPE_CHECKING:  # what it uses of the view
        project: Project
        session: ReviewSession | None
        source: Source
        all_splits: bool
        held_out: dict[str, int]
        jobs: ReviewJobs
        info: ReviewInfo
        _left: bool
        _warmed: bool
        message: SignalInstance
        refreshed: SignalInstance
        error: SignalInstance

        def _show_current(self, notice: str = "") -> None: ...
        def _update_counter(self) -> None: ...
        def _request_images(self) -> None: ...

    def _refresh_every_changed(self, labels: int) -> None:
        if self.session is not None:
            self.session.refresh_every = labels

    def refresh_queue(self) -> Job | None:
        """Refit the model and recompute the queue in the background; the image on
        screen stays."""
        if self.source != "queue":
            return None
        session = self.session
        skipped = session.skipped() if session is not None else ()
        return self.jobs.refresh_queue(skipped, self.all_splits)

    def _queue_refreshed(self, result: QueueRefresh) -> None:
        session = self.session
        if session is None or session.source != "queue" or self._left:
            return  # (left: a refresh that ended as Esc was pressed is not said there)
        shown = session.current
        self.held_out = result.held_out
        session.replace_upcoming(result.items)
        if shown is None or session.current is not shown:  # it had run out: show what came
            self._show_current()
        else:  # the image stays; what counts the queue changes, and what comes next
            self._update_counter()
            self._request_images()
        self._say_model()
        # the train split's labels: beside the counts line's "410 labeled" (val and test
        # too), "refit on 310 labels" read as if labels had been lost
        self.message.emit(
            f"Model refit on the {result.fitted_on:,} labels of the train split, queue refreshed"
        )
        self.refreshed.emit(len(result.items))

    def _warm_up_queue(self) -> None:
        """A queue computed before the model could predict (the cold start: its images
        carry no prediction) is refreshed as soon as the labels make predictions
        possible, from this page or another process, not N labels later; once per load
        (should the refit still predict nothing, the usual refreshes follow)."""
        session = self.session
        if self.source != "queue" or session is None or self._warmed or self.jobs.refreshing:
            return
        if self._left:  # labels given in the browser: the queue loads afresh when opened
            return
        ahead = session.items[session.index :]
        if not any(i.suggested is None and session.decided(i) is None for i in ahead):
            return
        if two_classes_to_learn(self.project.db):
            self._warmed = True
            self.refresh_queue()
            self._say_model()

    def _say_model(self) -> None:
        """The model line of a queue image without a prediction, once the labels allow
        one: not "label a few images of each class", which is no longer true."""
        session = self.session
        item = session.current if session is not None else None
        if session is None or item is None or item.suggested is not None or not self._warmed:
            return
        if self.jobs.refreshing:
            text = "no prediction for this image yet: refitting the model and refreshing "
            text += "the queue in the background"
        elif any(i.suggested is not None for i in session.items[session.index :]):
            text = "none for this image (queued before the model could predict); "
            text += "the next images have one"
        else:
            return  # the refit failed or predicts nothing yet: the usual line stays
        self.info.suggested_label.setText(text)

    def _refresh_failed(self, text: str) -> None:
        self.error.emit(text)
        self._refresh_cancelled()

    def _refresh_cancelled(self) -> None:
        if self.session is not None and self.session.finished:
            self._show_current()  # no longer "fetching more"
