"""Run core jobs off the GUI thread, with progress, cancel and readable failures.

A core job is a plain function ``fn(progress=callback, cancel=token)`` (see
:mod:`labeldesk.core.progress`). :class:`Job` runs one in a :class:`QThreadPool` and turns
its callbacks into Qt signals, which Qt delivers on the GUI thread. ``failed`` carries the
exception itself, so a view can react to its type (no embeddings yet, a full disk);
:meth:`Job.describe` turns it into the one line to show, with the disk it found full
(:class:`~labeldesk.gui.full_disk.FailureText`): the error signals that hand it on to the
window carry it as it is (``Signal(object)``). Unexpected errors are logged
with their traceback and still shown as one line, never as a crash.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, SignalInstance, Slot

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.failures import describe
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.gui import gc_on_gui_thread
from labeldesk.gui.app_words import in_app_words
from labeldesk.gui.full_disk import FailureText, said

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress signals a second reach the GUI
GC_THRESHOLDS = (2_000, 10, 10_000)  # see relax_gc()
EXIT_WAIT_S = 2.0  # at exit, how long cancelled jobs get to end


def relax_gc() -> None:
    """Put off Python's full garbage collections once background jobs run.

    A collection holds the GIL in whichever thread sets it off, so it stalls the GUI
    thread like a slow slot would. A job that loads a model imports torch, torchvision
    and timm, growing the heap by ~400k objects; with the default thresholds that sets
    off a series of full collections over the whole heap (up to 0.5 s each on a busy
    2-core machine, see benchmarks/bench_gui.py). Young collections stay frequent and
    cheap (a few ms); a full one waits for 10,000 middle-aged ones instead of 10, and
    most cyclic garbage dies young anyway. Thresholds are only ever raised.
    """
    current = gc.get_threshold()
    gc.set_threshold(*(max(c, t) for c, t in zip(current, GC_THRESHOLDS, strict=True)))


class JobFunction(Protocol):
    def __call__(self, *, progress: Callable[[Progress], None], cancel: CancelToken) -> Any: ...


class Job(QObject):
    """One run of a job function. Connect to the signals, then :meth:`start` it.

    Exactly one of ``finished``, ``failed`` or ``cancelled`` is emitted, then ``ended``.
    A job that returns normally after its token was cancelled counts as cancelled (a
    cancelled scan returns what it finished); its return value is kept in :attr:`result`.
    """

    progress = Signal(int, int, str)  # done, total, message
    retitled = Signal(str)  # a new title for its progress line (emit from the job's thread)
    finished = Signal(object)  # the job function's return value
    failed = Signal(object)  # the exception; describe(exc) is the line to show
    cancelled = Signal()
    ended = Signal()
    # :meth:`cancel` was called (by its Cancel button, or by the page that started it as
    # the page closed): the job bar says it is stopping, not that it goes on
    cancelRequested = Signal()

    def __init__(self, fn: JobFunction, name: str = "", parent: QObject | None = None):
        super().__init__(parent)
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "job")
        self.token = CancelToken()
        self.result: Any = None
        self.started_at: float | None = None
        # (monotonic time, done) when the phase now reported began: the pace of its own
        # (a fine-tune's re-embedding is not paced by the training before it)
        self.phase_began: tuple[float, int] | None = None
        # (monotonic time, data) of the latest report that gave the job's own estimate of
        # all it has left (``data["left_s"]``, see display.time_left_text); else None
        self.told_left: tuple[float, dict[str, Any]] | None = None
        self._running = False
        self._last_report = 0.0
        self._last_message: str | None = None
        self._last_counted = False  # whether the last report passed on had a count
        self.executed = threading.Event()  # set on the worker thread once the job has run
        # set once its worker is done with it, its last emit (the keeper's release) made:
        # what Python's exit waits for (see _Keeper.cancel_all)
        self.let_go = threading.Event()
        # A person's write (a label key on many images): closing the window lets it run
        # and commit rather than cancel it unseen; only its own Cancel button drops it.
        self.keep_on_close = False
        # (owner, signal, fn) of connect_while before the start
        self._handlers: list[tuple[QObject, SignalInstance, Callable[..., object]]] = []
        # Connected first, so every later slot on ``ended`` already sees running == False.
        self.ended.connect(self._mark_ended)

    @property
    def running(self) -> bool:
        return self._running

    def describe(self, exc: BaseException) -> FailureText:
        """The one line to show for a failure: LabelDesk's own errors, a full disk or a
        damaged database in plain words (see :mod:`labeldesk.core.failures`), with the
        disk it found full, for the window's notice (pass it on as it is)."""
        expected = describe(exc)
        if expected is None:
            return FailureText(f"{self.name} failed unexpectedly: {exc}")
        return said(in_app_words(expected[0]), exc)

    def start(self, pool: QThreadPool | None = None) -> Job:
        """Queue the job on ``pool`` (the global pool by default)."""
        if self._running:
            raise RuntimeError(f"job {self.name!r} is already running")
        self._running = True
        self.started_at = time.monotonic()
        for handler in self._handlers:
            self._connect_handler(*handler)
        self._handlers.clear()
        relax_gc()
        gc_on_gui_thread.install()  # its worker thread must never run a collection
        _keeper().keep(self)
        (pool or QThreadPool.globalInstance()).start(_JobRunnable(self))
        return self

    def connect_while(
        self, owner: QObject, signal: SignalInstance, fn: Callable[..., object]
    ) -> None:
        """Call ``fn`` with ``signal``'s arguments (one of this job's signals) for as long
        as ``owner`` lives. A job can outlive the window that started it (closing waits
        only so long, and its last signals may still be queued): a plain lambda would
        then run on deleted widgets (RuntimeError: Internal C++ object already deleted).
        Here the receiver is a child of ``owner``, so Qt drops the connection with it."""
        if self._running:
            self._connect_handler(owner, signal, fn)
        else:  # made as it starts: a job never started (refused) leaves none behind
            self._handlers.append((owner, signal, fn))

    def _connect_handler(
        self, owner: QObject, signal: SignalInstance, fn: Callable[..., object]
    ) -> None:
        handler = _Handler(owner, fn)
        signal.connect(handler.call)
        self.ended.connect(handler.retire)  # after the job's last signal

    def cancel(self) -> None:
        """Ask the job to stop at its next check; it still ends with a signal."""
        if not self.token.cancelled:
            self.token.cancel()
            self.cancelRequested.emit()

    @Slot()
    def _mark_ended(self) -> None:
        self._running = False

    # -- worker thread ---------------------------------------------------------------
    def _report(self, update: Progress) -> None:
        now = time.monotonic()
        final = update.total > 0 and update.done >= update.total
        new_phase = update.message != self._last_message  # e.g. "loading model" -> "embedding"
        if new_phase:
            self.phase_began = (now, update.done)
        data = update.data
        self.told_left = (now, data) if data is not None and "left_s" in data else None
        # A step that stops counting (the map's neighbours found, its graph being built)
        # must show a busy bar again at once, not stay at its last percentage.
        counted = update.total > 0
        switched = counted != self._last_counted
        if final or new_phase or switched or now - self._last_report >= PROGRESS_INTERVAL_S:
            self._last_report = now
            self._last_message = update.message
            self._last_counted = counted
            self.progress.emit(update.done, update.total, update.message)

    def _execute(self) -> None:
        try:
            self._run_and_signal()
        finally:
            self.executed.set()

    def _run_and_signal(self) -> None:
        try:
            self.result = self.fn(progress=self._report, cancel=self.token)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:
            expected = describe(exc)  # LabelDesk's errors, a full disk, a damaged database…
            if expected is not None and self.token.cancelled:  # "cancelled: no project…"
                self.cancelled.emit()
            else:
                if expected is None:
                    log.exception("job %s failed unexpectedly", self.name)
                self.failed.emit(exc)
        else:
            if self.token.cancelled:
                self.cancelled.emit()
            else:
                self.finished.emit(self.result)
        finally:
            self.ended.emit()


class _Handler(QObject):
    """One handler of a job's signal, owned by the object it works on (see
    :meth:`Job.connect_while`)."""

    def __init__(self, owner: QObject, fn: Callable[..., object]):
        super().__init__(owner)
        self._fn: Callable[..., object] | None = fn

    def call(self, *args: object) -> None:
        if self._fn is not None:
            self._fn(*args)

    @Slot()
    def retire(self) -> None:
        """The job has ended: let go of ``fn`` and of the handler itself.

        ``fn`` is often a method of ``owner`` (or a lambda using it) and may hold the last
        reference to it. Were it dropped as the handler is deleted (it was, by a plain
        ``deleteLater``), the owner would be deleted in the middle of its child's
        destructor and delete that child a second time: a segfault in
        ``QObject::~QObject``. So the keeper drops ``fn`` from its own queued slot, away
        from any destructor; the owner, if that frees it, deletes the handler once."""
        fn, self._fn = self._fn, None
        if fn is not None:
            _keeper().drop.emit(fn)
        self.deleteLater()


Tracker = Callable[[Job, str], None]  # shows a job (with a title) in a progress bar


class ExclusiveJobs(Protocol):
    """The one slot for jobs that change what others read (scan, embed, train, export):
    :class:`~labeldesk.gui.session.ProjectSession` in the app."""

    def blocker(self) -> str | None:
        """Why an exclusive job cannot start now, or None."""
        ...

    def start_exclusive(self, job: Job, title: str) -> Job | None: ...


class _Keeper(QObject):
    """Holds every started job until its signals have reached the GUI thread.

    A caller may drop a job while it runs (a form that starts a new check forgets the old
    one). If the worker thread then held the last reference, the job would be deleted
    there, while its queued ``finished`` and ``ended`` still waited in the GUI thread's
    queue; a slot calling ``sender()`` then read freed memory and the app crashed. The
    worker lets go of its job first and then posts :attr:`release`, which the GUI thread
    handles after the job's own signals (one queue, in order): a job is freed on the GUI
    thread, after its last signal, once no caller holds it.
    """

    release = Signal(object)  # id() of a job whose worker is done with it
    drop = Signal(object)  # a retired handler's function, let go of later (_Handler.retire)

    def __init__(self) -> None:
        super().__init__()
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()
        self.release.connect(self._release)
        # queued even from the GUI thread: the function goes with the event, after the slot
        self.drop.connect(self._drop, Qt.ConnectionType.QueuedConnection)

    def keep(self, job: Job) -> None:
        with self._lock:
            self._jobs[id(job)] = job

    def cancel_all(self, wait_s: float = EXIT_WAIT_S) -> int:
        """Ask every job still held to stop, and give them ``wait_s`` to get there; how
        many were asked. Run when Python exits: Qt's teardown waits for every running job,
        so one waiting for something (another process's lock, say) would keep the process
        alive for good; and a job still running when PySide deletes its objects would
        signal through a deleted one (Signal source has been deleted).

        A job whose child process has not stopped by then (one still starting up checks
        for a stop only once loaded) would end just after this: Python's exit terminates
        daemon children next (multiprocessing's own exit handler), and PySide then deletes
        the job under its thread. So they are terminated here, and the jobs, seeing their
        child gone, get another ``wait_s`` to end while their objects still live."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.token.cancel()  # (no signal: the widgets that would hear it may be gone)
        if not _all_let_go(jobs, wait_s):
            for child in multiprocessing.active_children():
                if child.daemon:  # (what multiprocessing ends at exit anyway)
                    child.terminate()
            _all_let_go(jobs, wait_s)
        return len(jobs)

    @Slot(object)
    def _release(self, key: int) -> None:
        with self._lock:
            job = self._jobs.pop(key, None)
        del job  # the last reference, unless a caller still holds the job

    @Slot(object)
    def _drop(self, fn: object) -> None:
        del fn  # the event that carried it holds the last reference, freed after this


def _all_let_go(jobs: list[Job], wait_s: float) -> bool:
    """Wait up to ``wait_s`` for the workers of ``jobs`` to be done with them; whether all
    are. Not just the job run (``executed``): its worker still posts the keeper's release
    after that, and one doing so as PySide tears down at exit segfaulted."""
    deadline = time.monotonic() + wait_s
    for job in jobs:
        job.let_go.wait(max(0.0, deadline - time.monotonic()))
    return all(job.let_go.is_set() for job in jobs)


_KEEPER: _Keeper | None = None


def unfinished_jobs() -> list[Job]:
    """Every started job whose worker thread is not done with it yet (see
    :attr:`Job.let_go`), whoever started it."""
    if _KEEPER is None:
        return []
    with _KEEPER._lock:
        jobs = list(_KEEPER._jobs.values())
    return [job for job in jobs if not job.let_go.is_set()]


def _keeper() -> _Keeper:
    """The one keeper, made on the first :meth:`Job.start` (on the GUI thread)."""
    global _KEEPER
    if _KEEPER is None:
        _KEEPER = _Keeper()
        # Python runs its exit handlers before Qt's teardown waits for running jobs.
        atexit.register(_KEEPER.cancel_all)
    return _KEEPER


class _JobRunnable(QRunnable):
    """The pool's handle on a job. It lets go of the job before the keeper does, so the
    worker thread never drops the last reference (see :class:`_Keeper`)."""

    def __init__(self, job: Job):
        super().__init__()
        self._job: Job | None = job
        self.setAutoDelete(True)

    def run(self) -> None:
        job, self._job = self._job, None
        assert job is not None, "a job runnable runs once"
        key, let_go = id(job), job.let_go
        try:
            job._execute()
        finally:
            del job
            try:
                with contextlib.suppress(RuntimeError):  # the keeper is gone: the app quits
                    _keeper().release.emit(key)
            finally:
                let_go.set()  # the last this thread does with the job (see cancel_all)


KEPT_WRITE_WAIT_MS = 300_000  # how much longer closing waits for a person's write


class JobRunner(QObject):
    """Owns a thread pool for long jobs, tracks running ones, cancels them on shutdown."""

    jobStarted = Signal(object)  # the Job

    def __init__(self, parent: QObject | None = None, max_threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._jobs: set[Job] = set()

    def start(self, job: Job) -> Job:
        """Run ``job`` (connect its signals first); it is kept alive until it ends."""
        self._jobs.add(job)
        job.ended.connect(lambda: self._jobs.discard(job))
        job.start(self.pool)
        self.jobStarted.emit(job)
        return job

    def run(self, fn: JobFunction, name: str = "") -> Job:
        """Shortcut for ``start(Job(fn, name))`` when nobody needs the early signals."""
        return self.start(Job(fn, name, parent=None))

    @property
    def active(self) -> list[Job]:
        return [job for job in self._jobs if job.running]

    def cancel_all(self) -> None:
        """Cancel every job but a person's writes (:attr:`Job.keep_on_close`)."""
        for job in list(self._jobs):
            if not job.keep_on_close:
                job.cancel()

    def shutdown(self, timeout_ms: int = 15000) -> bool:
        """Cancel everything (a person's writes run to the end) and wait for the threads;
        False if one is still running."""
        self.cancel_all()
        done = self.pool.waitForDone(timeout_ms)
        kept = [job for job in self._jobs if job.keep_on_close and not job.executed.is_set()]
        if not done and kept:
            # a person's labels wait behind a job slow to stop (a training run recording
            # its version): closing the project under them would drop them unseen
            log.warning("waiting for %s before closing", [job.name for job in kept])
            done = self.pool.waitForDone(KEPT_WRITE_WAIT_MS)
        if not done:
            log.warning(
                "jobs still running after %d ms: %s", timeout_ms, [job.name for job in self.active]
            )
        return bool(done)


def write_failure(exc: Exception) -> FailureText:
    """What to say when a write on the GUI thread failed, nothing saved: a LabelDesk
    refusal's own message (in the app's words), or :func:`unsaved_text` for a locked,
    read-only or full disk. A bug is raised again."""
    if isinstance(exc, LabelDeskError):
        return said(in_app_words(str(exc)), exc)
    text = unsaved_text(exc)
    if text is None:
        raise exc
    return text


def unsaved_text(exc: BaseException) -> FailureText | None:
    """What to tell a person whose write on the GUI thread (a key, a class edit, an
    undo) failed for a reason outside LabelDesk: the database locked by another process
    past its wait, a read-only or full disk, the project folder gone. Nothing was saved;
    before, the exception left the slot unseen and the key looked ignored. None for a
    bug (raise it)."""
    expected = describe(exc)
    return (
        None if expected is None else said(f"Nothing was saved: {in_app_words(expected[0])}", exc)
    )
