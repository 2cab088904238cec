"""An exclusive lock between processes (and threads), held on a lock file.

Used where two LabelDesk processes may write the same files: the app and a CLI command
embedding one project at once must take turns. The operating system drops the lock when
its holder dies, so a killed process never leaves a project locked. A holder may remove
the lock file before it lets go; who waited on the removed file then takes the one at the
path instead (:func:`_still_at_path`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from .errors import Cancelled
from .progress import CancelToken
from .unguarded_main import importing_main_in_worker

if sys.platform == "win32":  # pragma: no cover - Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _still_at_path(fd: int, path: Path) -> bool:
    """Whether the file ``fd`` locks is still the one at ``path``. A holder may remove its
    lock file as it lets go (:mod:`labeldesk.core.single_flight`: one per cached result);
    one who had opened that file while it waited then locks a file nobody else can find,
    while one who comes after the removal makes a new file at the path and locks that:
    both would hold "the" lock. So a lock counts only on the file at the path (Windows
    removes no open file)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return True
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _refuse_while_starting_a_worker(path: Path) -> None:
    """A spawned worker process imports its parent's main script again; a script without
    ``if __name__ == "__main__":`` then runs its LabelDesk calls once more in the worker,
    which would wait here for the lock its own parent holds while the parent waits for
    the worker: fail instead, so the parent's pool sees a broken worker and carries on
    (:mod:`labeldesk.ml.decode_pool`)."""
    if importing_main_in_worker():
        raise RuntimeError(
            f"{path} is held, and this is a worker process still starting: the main "
            'script has no `if __name__ == "__main__":` guard'
        )


class FileLock:
    """``with FileLock(path).acquire(cancel=..., on_wait=...):`` — waits its turn.

    Each instance opens its own file handle, so two threads of one process exclude each
    other too. ``on_wait`` is called once if the lock is taken by someone else.
    """

    def __init__(self, path: Path, poll_seconds: float = 0.2):
        self.path = path
        self.poll_seconds = poll_seconds
        self._fd: int | None = None

    def acquire(
        self,
        *,
        cancel: CancelToken | None = None,
        on_wait: Callable[[], None] | None = None,
        timeout: float | None = None,
    ) -> FileLock:
        if self._fd is not None:
            raise RuntimeError("lock already held")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        started = time.monotonic()
        waited = False
        reopened = 0
        try:
            while True:
                if _try_lock(fd):
                    if _still_at_path(fd, self.path):
                        break
                    # its holder removed it as it let go: the lock is the file at the path
                    _unlock(fd)
                    os.close(fd)
                    fd = -1
                    fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                    reopened += 1
                    if reopened <= 3:  # (at once: the common hand-over; then as a wait,
                        continue  # cancel and timeout heard, should the path keep changing)
                else:
                    _refuse_while_starting_a_worker(self.path)
                    if not waited and on_wait is not None:
                        on_wait()
                    waited = True
                if cancel is not None and cancel.cancelled:
                    raise Cancelled("cancelled while waiting for another run to finish")
                if timeout is not None and time.monotonic() - started > timeout:
                    raise TimeoutError(f"{self.path} is held by another process")
                time.sleep(self.poll_seconds)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise
        self._fd = fd
        return self

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> FileLock:
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
