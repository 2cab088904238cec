"""One computation of a cached result however many ask for it at once ("single flight").

The app asks for the same result from several jobs at a time: after a label change the
browser's scores and the labeling queue both want the project's predictions for the new
labels, and each computed them (on two cores, twice the work, both late). Here the first
request for a key starts the computation on a thread of its own; a later request for the
same key joins it and waits for its result. A requester whose cancel token is set stops
waiting at once (its job ends); the computation stops at its next check (``stop_check``)
only when no requester is left that still wants it, and if one comes after it stopped,
that one starts it again.

Between processes (the app computes the browser's scores in a child process, the queue
in a thread of its own) the computation holds a lock file while it runs, and the work it
does must first look whether another process put the result in the cache meanwhile: the
second process then waits for the first one's lock and reads what it cached. While it
waits it holds a shared lock on a second file (``.want``), so the first one goes on even
when its own requesters have all left; only with nobody waiting anywhere does it stop (and
a process that comes later computes it itself).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .errors import Cancelled
from .filelock import FileLock
from .progress import CancelToken

if sys.platform != "win32":
    import fcntl

log = logging.getLogger(__name__)
T = TypeVar("T")
POLL_S = 0.05  # how often a waiting requester looks at its cancel token
LOCK_POLL_S = 0.1  # how often a computation looks whether another process's lock is free

StopCheck = Callable[[], None]  # raises Cancelled when nobody wants the result any more


class _Flight:
    """One computation under way, the tokens of the requesters waiting for it, and of
    the keepers handed it (:func:`hand_over`), who want it only while ``current()``."""

    def __init__(self, current: Callable[[], bool] | None = None) -> None:
        self.done = threading.Event()
        self.result: Any = None  # (what compute returned: T of the call that started it)
        self.error: BaseException | None = None
        self.waiting: list[CancelToken] = []
        self.keepers: list[CancelToken] = []
        self.current = current

    def wanted(self) -> bool:
        with _LOCK:  # (a token is looked at outside: one may ask another flight's lock)
            tokens, keepers = list(self.waiting), list(self.keepers)
        if any(not token.cancelled for token in tokens):
            return True
        return any(not token.cancelled for token in keepers) and self._still_current()

    def _still_current(self) -> bool:
        if self.current is None:
            return True
        try:
            return bool(self.current())
        except Exception:  # (its project closed, say): nobody will read it as current
            log.info("single flight: cannot tell whether its inputs are current", exc_info=True)
            return False


class _Unwanted(CancelToken):
    """Cancelled once no requester of ``flight`` wants its result (for the file lock's wait)."""

    def __init__(self, flight: _Flight):
        super().__init__()
        self._flight = flight

    @property
    def cancelled(self) -> bool:
        return not self._flight.wanted()


_LOCK = threading.Lock()
_FLIGHTS: dict[str, _Flight] = {}


def shared(
    key: str,
    compute: Callable[[StopCheck], T],
    *,
    cancel: CancelToken | None = None,
    lock_file: Path | None = None,
    current: Callable[[], bool] | None = None,
) -> T:
    """``compute(stop_check)``'s result, computed once for all who ask for ``key`` at the
    same time (in this process; with ``lock_file``, one process after another).

    ``compute`` calls ``stop_check()`` between its steps: it raises
    :class:`~labeldesk.core.errors.Cancelled` once every requester's token is set.
    ``cancel``: this requester's token; when set, this call raises Cancelled within
    ``POLL_S`` (the computation goes on while another requester waits for it). With
    ``lock_file`` (beside the cache the result goes to), ``compute`` runs holding it:
    it must look in the cache first, since another process may have just filled it.
    ``current``: whether what the result is computed from is still as it was (the labels
    in its key): a keeper (:func:`hand_over`) wants the computation only while it is,
    since one who asks later asks for the new inputs' result, under another key."""
    token = cancel or CancelToken()
    while True:
        with _LOCK:
            flight = _FLIGHTS.get(key)
            starter = flight is None
            if flight is None:
                flight = _FLIGHTS[key] = _Flight(current)
            flight.waiting.append(token)
        if starter:
            thread = threading.Thread(
                target=_fly, args=(key, flight, compute, lock_file), daemon=True,
                name=f"single-flight-{key[-16:]}",
            )  # fmt: skip
            thread.start()
        try:
            while not flight.done.wait(POLL_S):
                if token.cancelled:
                    raise Cancelled("cancelled: its result is no longer wanted here")
        finally:
            with _LOCK:
                flight.waiting.remove(token)
        if flight.error is None:
            return flight.result
        if isinstance(flight.error, Cancelled) and not token.cancelled:
            continue  # it stopped, all its requesters gone, just before this one joined
        raise flight.error


class _Stopped(CancelToken):
    """Cancelled once ``stop_check`` raises (see :func:`stop_token`)."""

    def __init__(self, stop_check: StopCheck):
        super().__init__()
        self._stop_check = stop_check

    @property
    def cancelled(self) -> bool:
        try:
            self._stop_check()
        except Cancelled:
            return True
        return False


def stop_token(stop_check: StopCheck) -> CancelToken:
    """A cancel token for a computation's ``stop_check``: set once nobody wants the
    result any more (for work it asks for in turn, e.g. another :func:`shared` one)."""
    return _Stopped(stop_check)


def hand_over(token: CancelToken, keeper: CancelToken) -> int:
    """Let ``keeper`` want every computation that ``token``'s requester waits for, so that
    requester may be cancelled (its job ends at once) while the work goes on for one who
    will ask for the result soon: until ``keeper`` is set, the computation's inputs change
    (its ``current``: the keeper's later request is for the new ones), or it ends (its
    result cached, read there). How many computations it now keeps."""
    with _LOCK:
        flights = [f for f in _FLIGHTS.values() if any(t is token for t in f.waiting)]
        for flight in flights:
            flight.keepers.append(keeper)  # (gone with the flight: none removes it)
    return len(flights)


def in_flight(key: str) -> int:
    """How many requesters wait for ``key``'s computation in this process, keepers
    (:func:`hand_over`) counted (0: none runs)."""
    with _LOCK:
        flight = _FLIGHTS.get(key)
        return 0 if flight is None else len(flight.waiting) + len(flight.keepers)


def _fly(
    key: str, flight: _Flight, compute: Callable[[StopCheck], Any], lock_file: Path | None
) -> None:
    want_file = lock_file.with_suffix(".want") if lock_file is not None else None

    def stop_check() -> None:
        if not flight.wanted() and not (want_file and _awaited_elsewhere(want_file)):
            raise Cancelled("cancelled: nobody wants this result any more")

    try:
        if lock_file is None:
            flight.result = compute(stop_check)
        else:
            with _held(lock_file, flight):
                stop_check()
                flight.result = compute(stop_check)
    except BaseException as exc:  # handed to every requester, raised there
        flight.error = exc
    finally:
        with _LOCK:
            _FLIGHTS.pop(key, None)  # later requests read the cache, or compute again
        flight.done.set()


@contextlib.contextmanager
def _held(lock_file: Path, flight: _Flight) -> Iterator[None]:
    """Hold ``lock_file`` (waiting for another process's turn, while anyone here wants
    the result); go on without it where it cannot be made (a read-only project keeps no
    cache, so there is nothing to share). Removed as it is let go: each key has its own,
    and one computed is not computed again (a process still waiting on the removed file
    locks it next, finds it gone from the path and takes the file there instead, made
    anew if need be, so it never holds it alongside one who came after the removal:
    :class:`FileLock`; then it reads the cache). The ``.want`` file goes with it only
    where nobody waits on it any more (:func:`_remove_unawaited`): a waiter's mark must
    stay at the path for the next holder's stop check."""
    if not os.access(lock_file.parent, os.W_OK | os.X_OK):  # as cachefiles judges it
        yield  # (a read-only project's folder is left exactly as it was)
        return
    lock = FileLock(lock_file, poll_seconds=LOCK_POLL_S)
    want_file = lock_file.with_suffix(".want")
    mark = _mark_waiting(want_file)  # (for the other process's stop check)
    try:
        with contextlib.suppress(OSError):  # (Cancelled, nobody here wanting it, goes up)
            lock.acquire(cancel=_Unwanted(flight))
    finally:
        if mark is not None:
            if not lock.held:  # (a holder looks as it lets go)
                _remove_unawaited(mark, want_file)
            os.close(mark)  # (its shared lock goes with it)
    try:
        yield
    finally:
        if lock.held:
            _remove_want_file(want_file)
            with contextlib.suppress(OSError):  # (Windows will not remove an open file)
                os.unlink(lock_file)
            lock.release()


MARK_TRIES = 100  # how often a wait mark is made again when its file was just removed


def _mark_waiting(want_file: Path) -> int | None:
    """A handle holding a shared lock on ``want_file``, the file at that path: this
    process awaits the result (None where it cannot be made, or on Windows: then nobody
    elsewhere is known to). A file is only removed under an exclusive lock: one opened
    just before its removal is locked here only after it, found gone from the path, and
    the mark made again on the file there (anew if need be), where others look for it."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return None
    for _ in range(MARK_TRIES):
        try:
            fd = os.open(want_file, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # (an exclusive one is only held for a look)
            if os.path.samestat(os.fstat(fd), os.stat(want_file)):
                return fd
        except OSError:  # (FileNotFoundError: removed meanwhile, made again next)
            pass
        os.close(fd)
    return None


def _remove_unawaited(mark: int, want_file: Path) -> None:
    """Remove ``want_file`` (its handle ``mark``) when nobody else awaits the result and
    it is still the file ``mark`` holds. A process leaving without the lock (cancelled
    while it waited, or no lock to be had) and a holder letting go both look: the last
    of them removes it. Removed only under this exclusive lock, so a mark is never left
    on a removed file (:func:`_mark_waiting`)."""
    try:
        fcntl.flock(mark, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another process waits: it, or the holder after it, removes it
    with contextlib.suppress(OSError):  # (gone, or another process's newer one: kept)
        if os.path.samestat(os.fstat(mark), os.stat(want_file)):
            os.unlink(want_file)


def _remove_want_file(want_file: Path) -> None:
    """As a holder lets go: remove ``want_file`` unless another process still waits on
    it (its mark must stay where the next holder's stop check looks)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return  # (no wait marks made there)
    try:
        fd = os.open(want_file, os.O_RDWR)
    except OSError:
        return  # (none: nobody waited)
    try:
        _remove_unawaited(fd, want_file)
    finally:
        os.close(fd)


def _awaited_elsewhere(want_file: Path) -> bool:
    """Whether another process waits for this result (holds ``want_file`` shared)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return False
    try:
        fd = os.open(want_file, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
