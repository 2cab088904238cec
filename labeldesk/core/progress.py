"""Progress reporting and cancellation for long jobs.

Every long job is a plain function taking ``progress`` (a callback receiving
:class:`Progress`) and ``cancel`` (a :class:`CancelToken`). The CLI renders progress with
tqdm (``data`` as the bar's postfix), the GUI with a progress bar in a worker; tests
pass plain lists and tokens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .errors import Cancelled


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` (0: unknown) in the phase ``message`` names.

    Keep ``message`` the same for a whole phase ("training head"): a view starts a new
    bar when it changes. Figures that change with every report (epoch, loss, accuracy)
    go in ``data``, where views read them; nothing parses them back from the text.
    ``data["unit"]``, if given, names what ``done`` counts ("epoch", "step"). ``data``
    must pickle: a job in a child process sends its reports through a queue.
    """

    done: int
    total: int
    message: str = ""
    data: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """Default callback: report nothing."""


class CancelToken:
    """A thread-safe flag a job checks between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled("cancelled")

    @contextmanager
    def may_be_killed(self) -> Iterator[None]:
        """Around work that writes nothing and cannot look at the token (a model's load:
        seconds of torch and timm), before the job's first write: where the job runs in
        a child process, a Cancel meanwhile may end that process at once instead of
        waiting for the job's next check (:mod:`labeldesk.ml.child_jobs`). Here, nothing
        changes: the job looks at the token after it, as before."""
        yield
