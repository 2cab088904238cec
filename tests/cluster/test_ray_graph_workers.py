"""The kNN graph's workers as they start (no cluster needed: a stand-in runs them here).

A node that joins after the nodes were checked (an autoscaler adding one while the index
is prepared) gets a worker too; one running other graph code is refused as it starts,
before it answers a block, and nothing is returned."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.ml import ray_graph
from labeldesk.ml.ray_errors import ClusterMismatch
from labeldesk.ml.ray_graph_worker import EXACT, GraphSource, graph_code_version
from labeldesk.ml.search import GRAPH_EXACT_MAX, IndexConfig, VectorIndex, graph_from

K = 5


class Ref:
    def __init__(self, value):
        self.value = value


class Call:
    def __init__(self, fn):
        self.fn = fn

    def remote(self, *args):
        return Ref(self.fn(*args))


class Worker:
    """A graph worker on node ``host`` whose code is ``version``: an exact index."""

    def __init__(self, vectors: np.ndarray, host: str, version: str):
        self.vectors, self.host, self.version = vectors, host, version
        config = IndexConfig.choose(len(vectors), exact_max=GRAPH_EXACT_MAX)
        self.index = VectorIndex(vectors, config)
        self.ready = Call(lambda shipped: {"host": self.host, "version": self.version})
        self.block = Call(self._block)
        self.blocks = 0

    def _block(self, start, stop, shipped):
        from labeldesk.ml.search import graph_rows

        self.blocks += 1
        sims, rows = graph_rows(self.index, self.vectors[start:stop], K, start)
        return start, sims, rows


class StandInRay:
    """ray as run_graph uses it; two nodes of one CPU."""

    def __init__(self):
        self.killed = []

    def nodes(self):
        return [{"Alive": True, "NodeID": n, "Resources": {"CPU": 1.0}} for n in ("a", "b")]

    def put(self, value):
        return Ref(value)

    def wait(self, refs, num_returns=1, timeout=None):
        return refs[:num_returns], refs[num_returns:]

    def get(self, ref):
        return ref.value

    def kill(self, actor):
        self.killed.append(actor)


def run(monkeypatch, versions: dict[str, str], progress=None):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(64, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    workers: list[Worker] = []

    def start(ray, source, place):
        workers.append(Worker(vectors, f"node-{place.node}", versions[place.node]))
        return workers[-1]

    monkeypatch.setattr(ray_graph, "_start_worker", start)
    ray = StandInRay()
    config = IndexConfig.choose(len(vectors), exact_max=GRAPH_EXACT_MAX).to_json()
    job = ray_graph.GraphJob(GraphSource(EXACT, K, config), vectors=vectors)
    report = ray_graph.ClusterGraphReport("127.0.0.1:6379")
    try:
        kwargs = {} if progress is None else {"progress": progress}
        return ray_graph.run_graph(ray, job, len(vectors), report, block_rows=4, **kwargs), vectors
    finally:
        assert ray.killed == workers  # every worker ended, whatever happened


def test_workers_with_this_machines_code_give_the_local_graph(monkeypatch):
    ours = graph_code_version()
    (sims, rows), vectors = run(monkeypatch, {"a": ours, "b": ours})
    config = IndexConfig.choose(len(vectors), exact_max=GRAPH_EXACT_MAX)
    local_sims, local_rows = graph_from(VectorIndex(vectors, config), vectors, K)
    np.testing.assert_array_equal(rows, local_rows)
    np.testing.assert_allclose(sims, local_sims, atol=1e-6)


def test_a_worker_with_other_code_is_refused_before_it_answers(monkeypatch):
    ours = graph_code_version()
    with pytest.raises(ClusterMismatch, match=r"node-b runs LabelDesk 0\.0\.1\+elsewhere"):
        run(monkeypatch, {"a": ours, "b": "0.0.1+elsewhere"})


def test_ctrl_c_mid_search_says_nothing_was_written_and_how_far_it_got(monkeypatch):
    """`duplicates --ray` stopped by Ctrl+C said only "error: interrupted"."""
    ours = graph_code_version()

    def progress(report):
        if report.done >= 16:  # Ctrl+C once some blocks came back
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as stopped:
        run(monkeypatch, {"a": ours, "b": ours}, progress)
    (note,) = stopped.value.__notes__
    assert note.startswith("stopped on the Ray cluster; nothing was written")
    assert "(16 of 64 rows had come back): run it again" in note
