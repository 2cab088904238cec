"""One open project in the app: the project, its jobs, and its writes as Qt signals.

A :class:`ProjectSession` lives exactly as long as the project is open. It owns

- the :class:`~labeldesk.core.project.Project` and a :class:`JobRunner` for its jobs;
- the single slot for *exclusive* jobs — scan, embed, train, fine-tune, export — which
  change what the others read, so only one of them runs at a time (the rule lives here
  and nowhere else: pages and menus ask :meth:`blocker` or call
  :meth:`start_exclusive`);
- the re-emission of the project's write events (:mod:`labeldesk.core.changes`) as the
  :attr:`changed` signal on the GUI thread, from whichever thread wrote, so every view
  updates the rows it shows from one source;
- the GUI thread's writes waiting at most ``GUI_WRITE_WAIT_S`` for another write;
- noticing writes of other processes (``labeldesk label`` in a terminal): polled every
  ``OUTSIDE_POLL_MS`` and when the app comes to the front, published as a change of
  everything (:mod:`labeldesk.core.outside_writes`); and their model work (``labeldesk
  embed`` or ``train`` in a terminal: new vectors, other embeddings in use, a new model
  version), published as :attr:`ProjectSession.modelsChanged`, as the end of one of this
  window's own jobs is;
- noticing damage met in the database while it is open (a read or write of this window,
  or another process, left the note of :mod:`labeldesk.core.damage_note`), published once
  as :attr:`ProjectSession.damaged`: the window reopens the project, read-only.
"""

from __future__ import annotations

import logging
import sqlite3

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from labeldesk.core.changes import SCAN, Changes
from labeldesk.core.damage_note import note_path
from labeldesk.core.outside_writes import OutsideWrites
from labeldesk.core.project import Project
from labeldesk.gui.workers import Job, JobRunner, Tracker

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_MS = 15000  # a training job records its version at the end: let it
OUTSIDE_POLL_MS = 1500  # a few index lookups, and a version read when nothing changed
# Another process's write may have changed any image or class: re-read everything (as
# after a scan, whose kind also tells a review to follow moved images).
OUTSIDE_CHANGES = Changes(kind=SCAN, all_images=True, classes_changed=True)
# How long a write on the GUI thread (a key, an undo, a class edit) waits for another one
# (an import here, `labeldesk import` in a terminal) before it says the project is busy
# and that nothing was saved: the window is frozen while it waits. Long enough for the
# short transactions of a scan or a label command; without it a key waited up to a minute
# for another process, and as long as an import of this window took (14 s at 200k).
GUI_WRITE_WAIT_S = 2.0


class ProjectSession(QObject):
    changed = Signal(object)  # Changes, delivered on the GUI thread
    busyChanged = Signal(bool)  # an exclusive job started (True) or ended (False)
    refused = Signal(str)  # why an exclusive job could not start now
    # another process embedded images, switched embeddings or trained (this window's own
    # jobs say so when they end: busyChanged)
    modelsChanged = Signal()
    # damage was met in the database since the project opened writable (see check_damage)
    damaged = Signal()
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
        project.db.limit_waits(GUI_WRITE_WAIT_S)  # made on the GUI thread: for its writes
        self.runner = runner if runner is not None else JobRunner(self)
        self.track = track
        self.exclusive: Job | None = None
        self._exclusive_title = ""
        self._closed = False
        self._damage_told = False
        self._relay.connect(self._deliver)
        self._unsubscribe = project.events.subscribe(self._relay.emit)
        self._outside = OutsideWrites(project.db)
        self._models_seen = self._models_now()
        self._poll = QTimer(self)
        self._poll.setInterval(OUTSIDE_POLL_MS)
        self._poll.timeout.connect(self.check_outside_writes)
        self._poll.start()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._app_state_changed)

    # -- writes ------------------------------------------------------------------------
    def _deliver(self, changes: Changes) -> None:
        if not self._closed:
            self.changed.emit(changes)

    def check_outside_writes(self) -> bool:
        """Tell the views (as :attr:`changed`) when another process changed the labels,
        the classes or the images since the last look; True then."""
        if self._closed:
            return False
        try:
            changed = self._outside.poll()
        except sqlite3.Error as exc:  # closing, or the disk went away: not worth a dialog
            log.warning("could not look for other processes' writes: %s", exc)
            return False
        if changed:
            self._deliver(OUTSIDE_CHANGES)
        self._check_models()
        self.check_damage()
        return changed

    def check_damage(self) -> bool:
        """Whether damage was met in the database of this project, opened writable: the
        note beside it (:mod:`labeldesk.core.damage_note`), which the database leaves when
        a read or write of this window meets the damage, or another process left. Its
        writes are refused from then on (:class:`~labeldesk.core.errors.DatabaseDamaged`);
        :attr:`damaged` says so once, so that the window reopens the project read-only,
        as any later open would. (Where the note could not be written, a reopen would
        not be read-only: each refused write says why, as before.)"""
        if self._damage_told:
            return True
        if self._closed or self.project.read_only is not None:
            return False
        if not note_path(self.project.db.path).exists():
            return False
        self._damage_told = True
        self.damaged.emit()
        return True

    def _models_now(self) -> tuple[object, ...] | None:
        """What the model views read, as far as a look costs a stat and two lookups: the
        embeddings in use and how many vectors they hold, and the newest model version."""
        from labeldesk.core.model_versions import newest_model_version_id
        from labeldesk.ml.store import embeddings_signature

        try:
            project = self.project
            return (*embeddings_signature(project), newest_model_version_id(project.db))
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not look for other processes' model work: %s", exc)
            return None

    def _check_models(self) -> None:
        """Publish :attr:`modelsChanged` when another process changed the embeddings or
        the models; this window's own job tells its end instead (busyChanged)."""
        now = self._models_now()
        if now is None or now == self._models_seen:
            return
        self._models_seen = now
        if not self.busy:
            self.modelsChanged.emit()

    def _app_state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:  # back from the terminal
            self.check_outside_writes()

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
            self._models_seen = self._models_now() or self._models_seen  # (told: its end)
            self.busyChanged.emit(False)

    # -- lifetime ----------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def detach(self) -> None:
        """Stop relaying the project's events (the project stays open: its owner closes it)."""
        self._closed = True
        self._poll.stop()
        self._unsubscribe()

    def close(self) -> None:
        """Cancel every job, wait for them, stop relaying and close the project."""
        if self._closed:
            return
        self.detach()
        if not self.runner.shutdown(SHUTDOWN_WAIT_MS):
            log.warning("closing %s while jobs still run", self.project.path)
        self.project.close()
