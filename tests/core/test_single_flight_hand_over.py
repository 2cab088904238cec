"""A requester that leaves a computation to a keeper (:func:`single_flight.hand_over`):
its call ends at once, the computation goes on while the keeper wants it."""

from __future__ import annotations

import threading

import pytest

from labeldesk.core import single_flight
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken


def stepper(steps: list[int], go: threading.Event, total: int = 40):
    """A computation of ``total`` steps, each waiting for ``go`` (set by the test)."""

    def compute(stop_check) -> str:
        for step in range(total):
            go.wait(10)
            stop_check()
            steps.append(step)
        return "made"

    return compute


def leave(key: str, compute, keeper: CancelToken | None) -> threading.Event:
    """Ask for ``key`` on a thread, then cancel that request (handing it to ``keeper``
    first, if given); returns an event set once the request's call has ended."""
    token, ended, asked = CancelToken(), threading.Event(), threading.Event()

    def ask() -> None:
        asked.set()
        with pytest.raises(Cancelled):
            single_flight.shared(key, compute, cancel=token)
        ended.set()

    threading.Thread(target=ask, daemon=True).start()
    asked.wait(10)
    while single_flight.in_flight(key) == 0:
        threading.Event().wait(0.01)
    if keeper is not None:
        assert single_flight.hand_over(token, keeper) == 1
    token.cancel()
    assert ended.wait(10)  # the requester's call ends at once, kept or not
    return ended


def finished(key: str) -> None:
    while single_flight.in_flight(key):
        threading.Event().wait(0.01)


def test_a_handed_over_computation_goes_on_to_its_end():
    steps: list[int] = []
    go = threading.Event()
    keeper = CancelToken()
    leave("kept", stepper(steps, go), keeper)
    go.set()
    finished("kept")
    assert len(steps) == 40  # before (no keeper): it stopped at its next check


def test_without_a_keeper_or_once_the_keeper_is_set_it_stops():
    for key, keeper in (("dropped", None), ("kept-then-dropped", CancelToken())):
        steps: list[int] = []
        go = threading.Event()
        leave(key, stepper(steps, go), keeper)
        if keeper is not None:
            keeper.cancel()
        go.set()
        finished(key)
        assert len(steps) == 0


def test_a_token_waiting_for_nothing_hands_nothing_over():
    assert single_flight.hand_over(CancelToken(), CancelToken()) == 0
