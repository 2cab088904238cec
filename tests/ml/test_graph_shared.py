"""The kNN graph asked for by two jobs at once (the browser's scores and the labeling
queue after an embed) is built once (:mod:`labeldesk.core.single_flight`); a request
that is cancelled leaves the other its graph, and a lone cancelled one builds none.
Builds are counted (the search's ``knn_graph``), not timed."""

from __future__ import annotations

import threading
import time

import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml import neighbors
from labeldesk.ml.neighbors import cached_graph, neighbor_graph

BUILD_DELAY_S = 0.3  # each build slowed, so two requests surely overlap


def counted_builds(monkeypatch, started: threading.Event | None = None) -> list[int]:
    """The ids of the threads that build a graph, one entry per build from now on."""
    real, builds = neighbors.knn_graph, []

    def build(*args, **kwargs):
        builds.append(threading.get_ident())
        if started is not None:
            started.set()
        time.sleep(BUILD_DELAY_S)
        cancel = kwargs.get("cancel")
        if cancel is not None:
            cancel.raise_if_cancelled()  # (as the real one does between its batches)
        return real(*args, **kwargs)

    monkeypatch.setattr(neighbors, "knn_graph", build)
    return builds


def asked_at_once(project, tokens) -> list[object]:
    """Each token's request for the graph, all made at once: the graph or Cancelled."""
    start = threading.Barrier(len(tokens))
    outcome: list[object] = [None] * len(tokens)

    def ask(i, token):
        start.wait()
        try:
            given = {} if token is None else {"cancel": token}
            outcome[i] = neighbor_graph(project, **given)
        except Cancelled as exc:
            outcome[i] = exc

    threads = [threading.Thread(target=ask, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcome


def test_two_requests_at_once_build_the_graph_once(clustered_project, monkeypatch):
    builds = counted_builds(monkeypatch)
    first, second = asked_at_once(clustered_project, [None, None])
    assert len(builds) == 1  # before: 2, each request building it
    assert isinstance(first, neighbors.NeighborGraph)
    assert isinstance(second, neighbors.NeighborGraph)
    assert (first.rows == second.rows).all()
    assert cached_graph(clustered_project) is not None


def test_a_cancelled_request_leaves_the_other_its_graph(clustered_project, monkeypatch):
    started = threading.Event()
    builds = counted_builds(monkeypatch, started)
    leaving = CancelToken()
    threading.Thread(target=lambda: started.wait(30) and leaving.cancel(), daemon=True).start()
    left, stayed = asked_at_once(clustered_project, [leaving, CancelToken()])
    assert isinstance(left, Cancelled)
    assert isinstance(stayed, neighbors.NeighborGraph)
    assert len(builds) == 1
    assert cached_graph(clustered_project) is not None


def test_a_lone_cancelled_request_builds_and_caches_nothing(clustered_project, monkeypatch):
    started = threading.Event()
    builds = counted_builds(monkeypatch, started)
    token = CancelToken()
    threading.Thread(target=lambda: started.wait(30) and token.cancel(), daemon=True).start()
    with pytest.raises(Cancelled):
        neighbor_graph(clustered_project, cancel=token)
    deadline = time.monotonic() + 30
    while any(t.name.startswith("single-flight-") for t in threading.enumerate()):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert len(builds) == 1
    assert cached_graph(clustered_project) is None
    folder = neighbors.graph_cache(clustered_project, neighbors.project_vectors(clustered_project))
    assert not list(folder[0].parent.glob(".knn-*"))  # no lock or wait mark left behind
