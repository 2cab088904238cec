"""A head that goes away while a cluster job starts, without a cluster: each call into Ray
before the first batch (the cluster's nodes, the node probe, starting the job's actors)
waits for a head that is gone as Ray's calls do, and the job stops within seconds with
one message saying nothing was written, instead of Ray's minute of waiting and its own
end of the process."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from cluster.test_ray_lost import Clock, watch
from cluster.test_ray_model_switch import OTHER
from labeldesk.ml import ray_embed, ray_graph, ray_job_input
from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.ray_errors import ClusterError, ClusterLost
from labeldesk.ml.ray_graph_worker import EXACT, GraphSource
from labeldesk.ml.ray_head import HeadWatch
from labeldesk.ml.ray_nodes import on_every_node
from labeldesk.ml.ray_worker import JobRelay
from labeldesk.ml.store import current_key

ADDRESS = "head-node:6379"
GONE_WAIT_S = 20.0  # how long a call waits for a head that is gone (Ray's own: 60 s)


class GoneRay:
    """Ray as seen from here when the head goes away as phase ``at`` starts: the calls
    of that phase wait (Ray's own: a minute, then it ends the process), and the head's
    port stops answering (``answering``)."""

    def __init__(self, at: str, answering: list[bool]) -> None:
        self.at = at
        self.answering = answering
        self.released = threading.Event()  # ends the waiting calls when the test is over
        self.reached: list[str] = []
        self.killed: list[Any] = []

    def _phase(self, name: str) -> None:
        self.reached.append(name)
        if name == self.at:
            self.answering[0] = False
            self.released.wait(GONE_WAIT_S)
            raise RuntimeError("Failed to connect to GCS within 60 seconds")

    def nodes(self) -> list[dict[str, Any]]:
        self._phase("nodes")
        return [{"NodeID": "a" * 56, "Alive": True, "Resources": {"CPU": 2}}]

    def cluster_resources(self) -> dict[str, float]:
        return {"CPU": 2.0}

    def remote(self, target: Any) -> Remote:
        return Remote(self, target)

    def get(self, refs: Any, timeout: float | None = None) -> Any:
        self._phase("probe")
        return [ref() for ref in refs] if isinstance(refs, list) else refs()

    def put(self, value: Any) -> Any:
        self._phase("put")
        return value

    def kill(self, actor: Any) -> None:
        self.killed.append(actor)

    def shutdown(self) -> None:
        pass


class Remote:
    def __init__(self, ray: GoneRay, target: Any) -> None:
        self.ray, self.target = ray, target

    def options(self, **_options: Any) -> Remote:
        return self

    def remote(self, *args: Any, **kwargs: Any) -> Any:
        if self.target is JobRelay:
            self.ray._phase("relay")
        return lambda: self.target(*args, **kwargs)


@pytest.fixture
def gone_at(monkeypatch, project):
    """``gone_at(phase)``: run embed_on_ray on ``project`` against a GoneRay whose head
    goes away as ``phase`` starts; (the ClusterLost raised, the fake)."""
    pytest.importorskip("ray")  # the probe's scheduling strategy is Ray's own class
    rays: list[GoneRay] = []

    def run(at: str) -> tuple[ClusterLost, GoneRay]:
        clock, answering = Clock(), [True]
        fake = GoneRay(at, answering)
        rays.append(fake)
        monkeypatch.setattr(ray_embed, "prepare_import", lambda address: None)
        monkeypatch.setattr(ray_embed, "import_ray", lambda: fake)
        monkeypatch.setattr(ray_embed, "check_reachable", lambda address: None)
        monkeypatch.setattr(ray_embed, "connect", lambda ray, address, cancel=None: True)
        monkeypatch.setattr(ray_embed, "load_backbone", lambda spec: OTHER)
        monkeypatch.setattr(
            ray_embed.HeadWatch, "of", classmethod(lambda cls, r, a, *_: watch(answering, clock))
        )
        with pytest.raises(ClusterLost) as raised:
            ray_embed.embed_on_ray(project, "tiny:48", address=ADDRESS)
        return raised.value, fake

    yield run
    for fake in rays:
        fake.released.set()


@pytest.mark.parametrize("phase", ["nodes", "probe", "relay"])
def test_a_head_gone_as_the_embedding_starts_stops_it_with_nothing_written(gone_at, phase):
    """nodes: the cluster's shape; probe: the nodes reading the first images; relay: the
    job's actor starting. Before, each waited for the head: a test here never ended."""
    lost, fake = gone_at(phase)
    assert fake.reached[-1] == phase
    message = str(lost)
    assert message.startswith(f"the Ray cluster at {ADDRESS} stopped answering")
    if phase == "relay":  # the store was opened: what the next run does is said the same way
        assert "no batch had come back yet: run it again once the cluster is back" in message
    else:
        assert "nothing was written: run it again once the cluster is back" in message


def test_the_project_keeps_its_embeddings_in_use_and_the_next_run_sends_every_image(
    gone_at, project
):
    before = current_key(project)
    gone_at("relay")  # the last step before the first batch
    assert current_key(project) == before  # no empty store made the project's
    left = ray_job_input.missing(project, None, EmbedReport("m", "k", "cpu"))
    store = ray_job_input.existing_store(project, OTHER.identity.key, OTHER.dim)
    assert store is None or store.count == 0  # nothing half-written
    assert len(ray_job_input.missing(project, store, EmbedReport("m", "k", "cpu"))) == len(left)


@pytest.mark.parametrize("phase", ["nodes", "put"])
def test_a_head_gone_as_the_neighbour_search_starts_stops_it_with_nothing_written(phase):
    answering = [True]
    fake = GoneRay(phase, answering)
    job = ray_graph.GraphJob(GraphSource(EXACT, 5, {}), vectors=np.zeros((40, 4), np.float16))
    report = ray_graph.ClusterGraphReport(ADDRESS)
    w = watch(answering, Clock())
    try:
        with pytest.raises(ClusterLost, match=r"nothing was written.*0 of 40 rows.*run it again"):
            ray_graph.run_graph(fake, job, 40, report, block_rows=8, watch=w)
    finally:
        fake.released.set()
    assert fake.reached[-1] == phase
    assert fake.killed == []  # a gone cluster is not asked to end its actors


def test_a_probe_of_every_node_stops_when_the_head_goes_away_meanwhile():
    pytest.importorskip("ray")
    answering = [True]
    fake = GoneRay("probe", answering)
    w = watch(answering, Clock())
    try:
        with pytest.raises(ClusterLost, match="stopped answering"):
            on_every_node(fake, lambda: {}, watch=w)
    finally:
        fake.released.set()


def test_a_watched_call_returns_its_value_or_its_own_error_while_the_head_answers():
    w = watch([True], Clock())
    assert w.call(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(ClusterError, match="no CPU"):
        w.call(ray_graph.plan_workers, type("NoNodes", (), {"nodes": lambda self: []})(), None)
    with pytest.raises(KeyError):
        w.call({}.__getitem__, "x")
    assert not w.lost
    unwatched = HeadWatch("auto", None)  # nothing to dial: called here, as before
    assert unwatched.call(threading.current_thread) is threading.current_thread()
