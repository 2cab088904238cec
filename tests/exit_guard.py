"""A test process that does not exit after its session is reported, not waited on.

CI once passed every test and then hung until its 90-minute limit: something still
running (a thread, a job in a Qt thread pool, a child process) kept the interpreter
from exiting, and nothing said what. :func:`arm` starts a daemon thread when the session
ends; if the process is still alive ``EXIT_GRACE_S`` later it prints every thread's
stack, the child processes and the Qt jobs still running, then ends the process with the
session's own exit status (the tests have all been reported by then). A C-level
``faulthandler`` timer is the backstop should the interpreter never let that thread run.

The session's status, not a failure: what keeps the process alive has so far been the
harness (a test's leftover), and a CI run whose tests all passed should land with the
stacks in its log for the next session to read, not be lost to a timeout again.

A pytest-xdist worker (``make test`` runs two) is armed too, but its session ends long
before it may exit: it waits, idle, for the other worker's tests, and exits when the
controller tells it to. So a worker counts its grace from the end of its main thread
(the interpreter's shutdown, where it waits for the threads still running) and keeps it
under xdist's own wait (``EXIT_TIMEOUT``, 10 s), after which the controller kills the
worker without a word: a leftover there made the run silently late.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_GRACE_S = 90.0
BACKSTOP_S = 300.0
WORKER_GRACE_S = 5.0  # an xdist worker's: under the controller's 10 s before it kills it

# run just before a forced exit, which skips the atexit handlers (see at_forced_exit)
_BEFORE_FORCED_EXIT: list[Callable[[], object]] = []


def at_forced_exit(fn: Callable[[], object]) -> None:
    """Also run ``fn`` (a cleanup registered with atexit, say) should the guard force
    the exit: ``os._exit`` runs no exit handlers. It must not wait on anything."""
    _BEFORE_FORCED_EXIT.append(fn)


def pytest_is_the_program() -> bool:
    """Whether this process is pytest itself (``pytest`` or ``python -m pytest``), which
    exits after its session; a script calling ``pytest.main()`` goes on with its work."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name in ("pytest", "pytest.__main__"):
        return True
    return Path(sys.argv[0]).name in ("pytest", "py.test", "pytest.exe")


def xdist_worker(session: Any) -> str | None:
    """The name of the pytest-xdist worker this process is (``gw0``…), or None."""
    workerinput = getattr(session.config, "workerinput", None)
    return None if workerinput is None else str(workerinput.get("workerid", "worker"))


def arm(
    session: Any,
    grace_s: float = EXIT_GRACE_S,
    backstop_s: float = BACKSTOP_S,
    worker_grace_s: float = WORKER_GRACE_S,
) -> None:
    """Watch the rest of this process's exit (see the module docstring); only in pytest
    run as the program, or in an xdist worker (``worker_grace_s`` from its shutdown)."""
    worker = xdist_worker(session)
    if worker is not None:
        target, args = _expire_after_main, (session, worker_grace_s, backstop_s, worker)
    elif pytest_is_the_program():
        faulthandler.dump_traceback_later(backstop_s, exit=True)
        target, args = _expire, (session, grace_s, "the test process", "the session ended")
    else:
        return
    threading.Thread(target=target, args=args, name="exit-guard", daemon=True).start()


def _expire_after_main(session: Any, grace_s: float, backstop_s: float, worker: str) -> None:
    # The main thread ends as the interpreter shuts down, before it waits for the other
    # threads (threading._shutdown lets a thread joining it go on then).
    threading.main_thread().join()
    faulthandler.dump_traceback_later(backstop_s, exit=True)
    _expire(session, grace_s, f"the test worker {worker}", "it was told to")


def _expire(session: Any, grace_s: float, who: str, since: str) -> None:
    time.sleep(grace_s)
    err = sys.__stderr__ or sys.stderr
    status = int(getattr(session, "exitstatus", 0) or 0)
    print(
        f"\n=== {who} did not exit {grace_s:.0f} s after {since} "
        f"(status {status}); what is still running: ===",
        file=err,
        flush=True,
    )
    for line in leftovers():
        print(line, file=err, flush=True)
    faulthandler.dump_traceback(file=err, all_threads=True)
    err.flush()
    for fn in _BEFORE_FORCED_EXIT:
        try:
            fn()
        except Exception as exc:  # the exit goes on
            print(f"cleanup before the forced exit failed: {exc!r}", file=err, flush=True)
    os._exit(status)


def leftovers() -> list[str]:
    """One line per other thread, child process and Qt thread pool still running."""
    lines = [
        f"thread {t.name!r} (daemon={t.daemon})"
        for t in threading.enumerate()
        if t is not threading.current_thread()
    ]
    lines += [f"child process {pid}: {cmd}" for pid, cmd in child_processes()]
    lines += [f"Qt thread pool with {n} running" for n in _qt_pools_running()]
    return lines


def child_processes() -> list[tuple[int, str]]:
    """(id, command line) of this process's children, from /proc (empty elsewhere)."""
    found = []
    me = os.getpid()
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == me:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append((int(entry.name), cmd[:300]))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _qt_pools_running() -> list[int]:
    if "PySide6.QtCore" not in sys.modules:
        return []
    import gc

    from PySide6.QtCore import QThreadPool

    pools = [o for o in gc.get_objects() if isinstance(o, QThreadPool)]
    pools.append(QThreadPool.globalInstance())
    running = []
    for pool in pools:
        try:
            count = pool.activeThreadCount()
        except RuntimeError:  # its C++ object is gone already
            continue
        if count:
            running.append(count)
    return running
