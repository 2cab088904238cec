"""One open project in the app: the project, its jobs, and its writes as Qt signals.

A :class:`ProjectSession` lives exactly as long as the project is open. It owns

- the :class:`~labeldesk.core.project.Project` and a :class:`JobRunner` for its jobs;
- the single slot for *exclusive* jobs — scan, embed, train, fine-tune, export — which
  change what the others read, so only one of them runs at a time (the rule lives here
  and nowhere else: pages and menus ask :meth:`blocker` or call
  :meth:`start_exclusive`);
- the re-emission of the project's write events (:mod:`labeldesk.core.changes`) as the
  :attr:`changed` signal on the GUI thread, from whichever thread wrote, so every view
  updates the rows it shows from one source.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from labeldesk.core.changes import Changes
from labeldesk.core.project import Project
from labeldesk.gui.workers import Job, JobRunner, Tracker

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_MS = 15000  # a training job records its version at the end: let it


class ProjectSession(QObject):
    changed = Signal(object)  # Changes, delivered on the GUI thread
    busyChanged = Signal(bool)  # an exclusive job started (True) or ended (False)
    refused = Signal(str)  # why an exclusive job could not start now
    # Auto connection: a write on the GUI thread (a label key) reaches the views at once;
    # one in a worker thread (a scan) is queued to the GUI thread's event loop.
    _relay = Signal(object)

    def __init__(
        self,
        project: Project,
        *,
        runner: JobRunner | None = None,
        track: Tracker | None = None,
        parent: QObject | None = None,
    ):
        """``runner``: where the project's jobs run (its own by default; the window
        passes one whose pool outlives projects); ``track(job, title)`` shows a job in
        the window's job bar."""
        super().__init__(parent)
        self.project = project
        self.runner = runner if runner is not None else JobRunner(self)
        self.track = track
        self.exclusive: Job | None = None
        self._exclusive_title = ""
        self._closed = False
        self._relay.connect(self._deliver)
        self._unsubscribe = project.events.subscribe(self._relay.emit)

    # -- writes ------------------------------------------------------------------------
    def _deliver(self, changes: Changes) -> None:
        if not self._closed:
            self.changed.emit(changes)

    # -- the one exclusive job ---------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.exclusive is not None and self.exclusive.running

    def blocker(self) -> str | None:
        """Why an exclusive job cannot start now, or None."""
        if self._closed:
            return "The project is closing"
        if self.busy:
            return f"Wait for “{self._exclusive_title}” to finish (or cancel it), then try again"
        return None

    def start_exclusive(self, job: Job, title: str) -> Job | None:
        """Start ``job`` (signals connected) in the exclusive slot, shown with ``title``
        in the job bar; None, with :attr:`refused` saying why, when another one runs."""
        reason = self.blocker()
        if reason:
            self.refused.emit(reason)
            return None
        self.exclusive, self._exclusive_title = job, title
        job.ended.connect(self._exclusive_ended)
        if self.track is not None:
            self.track(job, title)
        self.runner.start(job)
        self.busyChanged.emit(True)
        return job

    def start(self, job: Job, title: str | None = None) -> Job:
        """Start a background job that only reads (insights, a search); ``title``: show it
        in the job bar too."""
        if title is not None and self.track is not None:
            self.track(job, title)
        return self.runner.start(job)

    def _exclusive_ended(self) -> None:
        if not self._closed:
            self.busyChanged.emit(False)

    # -- lifetime ----------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def detach(self) -> None:
        """Stop relaying the project's events (the project stays open: its owner closes it)."""
        self._closed = True
        self._unsubscribe()

    def close(self) -> None:
        """Cancel every job, wait for them, stop relaying and close the project."""
        if self._closed:
            return
        self.detach()
        if not self.runner.shutdown(SHUTDOWN_WAIT_MS):
            log.warning("closing %s while jobs still run", self.project.path)
        self.project.close()
