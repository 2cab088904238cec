"""Watching the Ray cluster's head while a job runs, and in each call into Ray before
it (:class:`HeadWatch`): a head that went away is noticed within seconds
(:class:`~.ray_errors.ClusterLost`), where Ray alone would wait a minute and then end
the process; each of these waits also ends at the job's Cancel
(:class:`~labeldesk.core.errors.Cancelled`) or at Ctrl+C."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken

from .ray_address import connected_to, parse_address
from .ray_errors import ClusterLost, ClusterUnavailable

T = TypeVar("T")
# During a job the head is asked every HEAD_CHECK_S whether it still answers; silent for
# HEAD_LOST_S, the job stops (Ray itself waits 60 s, then ends this process unexplained).
HEAD_CHECK_S = 1.0
HEAD_LOST_S = 3.0
CALL_POLL_S = 0.1  # how often a watched call looks at the head while it waits
CALL_LEAVE_S = 1.0  # a call given up on is given this long to leave Ray (a bounded one does)


def _answers(target: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(target, timeout=HEAD_CHECK_S):
            return True
    except OSError:
        return False


class HeadWatch:
    """Notices within seconds that the cluster's head stopped answering mid-job.

    When the head's process or machine goes away, Ray's calls in this process wait for
    it to come back, and after a minute Ray ends the process with a line of its own.
    A job calls :meth:`check` while it waits for results: the head's port (the GCS, or
    Ray Client's server for ``ray://``) is dialled at most every HEAD_CHECK_S, and once
    nothing has answered there for HEAD_LOST_S it raises :class:`ClusterLost`. Then
    :attr:`lost` is set: nothing more should be asked of the cluster (Ray Client would
    wait out its 30 s grace period on each call), only ``ray.shutdown()``. With a
    ``cancel`` token, :meth:`check` (so each watched call) raises
    :class:`~labeldesk.core.errors.Cancelled` once it is set.
    """

    def __init__(
        self,
        address: str,
        target: tuple[str, int] | None,
        *,
        answers: Callable[[tuple[str, int]], bool] = _answers,
        clock: Callable[[], float] = time.monotonic,
        cancel: CancelToken | None = None,
    ):
        self.address = address
        self.target = target  # None: nothing known to dial (then never lost)
        self.cancel = cancel
        self.lost = False
        self._answers = answers
        self._clock = clock
        self._next = 0.0
        self._silent_since: float | None = None

    @classmethod
    def of(cls, ray: Any, address: str, cancel: CancelToken | None = None) -> HeadWatch:
        """The watch for the cluster this process just connected to at ``address``
        (``auto``: the GCS it found)."""
        target = parse_address(address)
        if target is None:
            found = [a for a in connected_to(ray) if not a.startswith("ray://")]
            with contextlib.suppress(ClusterUnavailable):
                target = parse_address(found[0]) if found else None
        return cls(address, target, cancel=cancel)

    @property
    def head(self) -> str:
        """The head as reached: the address as asked, ``auto`` as the GCS it found."""
        if self.address != "auto" or self.target is None:
            return self.address
        return f"{self.target[0]}:{self.target[1]}"

    def check(self) -> None:
        """Raise :class:`ClusterLost` once the head has been silent for HEAD_LOST_S, or
        :class:`~labeldesk.core.errors.Cancelled` once the job is cancelled."""
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()
        if self.lost:
            raise self.error()
        if self.target is None:
            return
        now = self._clock()
        if now < self._next:
            return
        self._next = now + HEAD_CHECK_S
        if self._answers(self.target):
            self._silent_since = None
            return
        if self._silent_since is None:
            self._silent_since = now
        if now - self._silent_since >= HEAD_LOST_S:
            self.lost = True
            raise self.error()

    def gone(self) -> bool:
        """Whether the head does not answer now (a job's call failed: is that why?)."""
        if self.target is not None and not self.lost and not self._answers(self.target):
            self.lost = True
        return self.lost

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, a call into Ray before the job's results flow (the
        cluster's nodes, a probe, starting actors), given up with :class:`ClusterLost`
        once the head has been silent for HEAD_LOST_S: with the head gone, such a call
        waits for it (Ray's own calls: a minute, then Ray ends the process). The call
        runs on a thread of its own; one given up on is left to Ray, and a bounded one
        (a wait with a timeout) is given CALL_LEAVE_S to return first. A call that
        fails while the head does not answer is :class:`ClusterLost` too. The job's
        Cancel and Ctrl+C end the wait the same way."""
        if self.target is None and self.cancel is None:  # nothing to watch
            return fn(*args, **kwargs)
        self.check()
        outcome: list[tuple[bool, Any]] = []

        def run() -> None:
            try:
                outcome.append((True, fn(*args, **kwargs)))
            except BaseException as exc:
                outcome.append((False, exc))

        thread = threading.Thread(target=run, name="ray-call", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(CALL_POLL_S)
                if thread.is_alive():
                    self.check()
        except BaseException:  # ClusterLost, Cancelled, Ctrl+C
            thread.join(CALL_LEAVE_S)
            raise
        ok, value = outcome[0]
        if ok:
            return value
        if not isinstance(value, LabelDeskError) and isinstance(value, Exception) and self.gone():
            raise self.error() from value
        raise value

    def error(self) -> ClusterLost:
        host, port = self.target or ("?", 0)
        where = "" if self.address.endswith(f"{host}:{port}") else f" ({host}:{port})"
        return ClusterLost(
            f"the Ray cluster at {self.address}{where} stopped answering (its head is gone "
            "or out of reach)"
        )
