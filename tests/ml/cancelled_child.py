"""A child job's call cancelled once its child reaches the point it marks (the child
writes its pid to a marker file there), as the tests of a Cancel while the child starts
or loads its model drive it; and what a test compares of the project's folder."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from labeldesk.core.progress import CancelToken
from labeldesk.ml.child_jobs import run_in_child


def wait_for(path: Path, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), "the child never began importing the job's module"


def files_of(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")}


def cancelled_call(marker: Path, *args, **kwargs) -> tuple[threading.Thread, list[object]]:
    """``run_in_child(*args, cancel=token, **kwargs)`` on a thread; once ``marker`` exists
    the token is cancelled and the thread given 30 s to end. Returns the thread and what
    the call returned or raised (a list, empty while it has not ended)."""
    token = CancelToken()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(run_in_child(*args, cancel=token, **kwargs))
        except Exception as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    wait_for(marker)
    token.cancel()
    caller.join(30)
    return caller, outcome
