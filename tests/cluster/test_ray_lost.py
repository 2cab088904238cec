"""A cluster whose head goes away mid-job, without a cluster: the watch that notices it
in seconds (Ray alone waits a minute, then ends the process with a line of its own),
and the embedding and neighbour jobs stopping with one message that says what was kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from cluster.test_ray_results import DIM, KEY, batch, h
from labeldesk.core.progress import CancelToken
from labeldesk.ml import ray_graph
from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.ray_errors import ClusterLost
from labeldesk.ml.ray_graph_worker import EXACT, GraphSource
from labeldesk.ml.ray_head import HEAD_CHECK_S, HEAD_LOST_S, HeadWatch
from labeldesk.ml.ray_kept_words import kept_text
from labeldesk.ml.ray_results import Outputs, store_results
from labeldesk.ml.vectors import VectorStore

ADDRESS = "head-node:6379"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def watch(answering: list[bool], clock: Clock, address: str = ADDRESS) -> HeadWatch:
    """A watch whose head answers while ``answering[0]``; each look moves the clock on
    by one check interval (the job's polling, sped up)."""

    def answers(target: tuple[str, int]) -> bool:
        assert target == ("head-node", 6379)
        clock.now += HEAD_CHECK_S
        return answering[0]

    return HeadWatch(address, ("head-node", 6379), answers=answers, clock=clock)


def test_the_head_is_lost_only_after_it_stays_silent():
    clock, answering = Clock(), [True]
    w = watch(answering, clock)
    for _ in range(5):
        w.check()
    answering[0] = False  # a moment's silence (a busy head, a lost packet) is forgiven
    w.check()
    clock.now += HEAD_CHECK_S
    answering[0] = True
    w.check()
    assert not w.lost
    answering[0] = False
    with pytest.raises(ClusterLost, match="cluster at head-node:6379 stopped answering"):
        for _ in range(int(HEAD_LOST_S / HEAD_CHECK_S) + 2):
            w.check()
            clock.now += HEAD_CHECK_S
    assert w.lost
    with pytest.raises(ClusterLost):  # from then on without asking again
        w.check()
    assert HeadWatch("auto", None).gone() is False  # nothing to dial: never lost


def test_auto_names_the_head_it_found():
    lost = HeadWatch("auto", ("10.0.0.5", 6379), answers=lambda t: False)
    assert lost.gone()
    assert "cluster at auto (10.0.0.5:6379) stopped answering" in str(lost.error())


def silent_after(batches: list[dict], gone: threading.Event) -> Iterator[dict]:
    """The job's batches, then nothing: Ray waiting for a head that does not come back."""
    yield from batches
    gone.wait(30)


def test_the_embedding_stops_with_the_batches_that_came_back_kept(tmp_path):
    clock, answering, stopped = Clock(), [True], []
    w = watch(answering, clock, address="127.0.0.1:6379")
    gone = threading.Event()
    report = EmbedReport("m", KEY, "cpu")

    def progress(update) -> None:
        if update.done == 4:  # two batches stored: the head's process is killed
            answering[0] = False

    outputs = Outputs(
        silent_after([batch([h(1), h(2)]), batch([h(3), h(4)])], gone),
        stop=lambda: stopped.append(True),
        watch=w,
    )
    folder = tmp_path / "store"
    with VectorStore.writer(folder, DIM) as store:
        try:
            with pytest.raises(ClusterLost) as raised:
                store_results(outputs, store, report, KEY, 10, progress, CancelToken())
        finally:
            gone.set()
            outputs.close()
    assert stopped == []  # the job is not stopped on a cluster that is gone: only waited on
    kept = VectorStore(folder, DIM)
    assert kept.count == 4 and not kept.damaged and len(kept.keys()) == 4  # nothing torn
    assert list(kept.rows_for([h(1), h(4)])) == [0, 3]
    message = kept_text(raised.value, report, 10)
    assert message.startswith("the Ray cluster at 127.0.0.1:6379 (head-node:6379) stopped")
    assert "the 4 images embedded before that are kept and 6 are left: run it again" in message
    assert "no batch" in kept_text(raised.value, EmbedReport("m", KEY, "cpu"), 10)


def test_a_job_error_from_a_head_that_is_gone_says_so(tmp_path):
    """Ray's own error once the head is gone (an actor "unavailable", a socket closed)
    is the lost cluster's message, not "the Ray job failed"."""

    def failing():
        yield batch([h(1)])
        raise RuntimeError("ActorUnavailableError: RpcError: Socket closed rpc_code: 14")

    lost = HeadWatch(ADDRESS, ("head-node", 6379), answers=lambda t: False)
    outputs = Outputs(failing(), watch=lost)
    with VectorStore.writer(tmp_path / "s", DIM) as store:
        with pytest.raises(ClusterLost, match="stopped answering"):
            store_results(
                outputs, store, EmbedReport("m", KEY, "cpu"), KEY, 5, lambda p: None, CancelToken()
            )
        outputs.close()
        assert store.count == 1


class SilentRay:
    """Ray's calls as they behave once the head is gone: results never come."""

    def __init__(self) -> None:
        self.killed: list[object] = []

    def nodes(self):
        return [{"NodeID": "n1", "Alive": True, "Resources": {"CPU": 2}}]

    def put(self, value):
        return value

    def wait(self, refs, num_returns, timeout):
        return [], refs

    def kill(self, actor):
        self.killed.append(actor)


def test_the_neighbour_search_stops_and_writes_nothing(monkeypatch):
    fake = SilentRay()

    class Actor:
        def __getattr__(self, name):
            return type("Method", (), {"remote": staticmethod(lambda *a: object())})()

    monkeypatch.setattr(ray_graph, "_start_worker", lambda ray, source, place: Actor())
    lost = watch([False], Clock())
    job = ray_graph.GraphJob(GraphSource(EXACT, 5, {}), vectors=np.zeros((40, 4), np.float16))
    report = ray_graph.ClusterGraphReport(ADDRESS)
    with pytest.raises(ClusterLost, match=r"nothing was written.*0 of 40 rows.*run it again"):
        ray_graph.run_graph(fake, job, 40, report, block_rows=8, watch=lost)
    assert fake.killed == []  # a gone cluster is not asked to end its actors
