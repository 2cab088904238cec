"""How the kNN graph's workers are placed on a cluster's nodes (no cluster needed)."""

from __future__ import annotations

import pytest

from labeldesk.ml.ray_errors import ClusterError
from labeldesk.ml.ray_graph import plan_workers


class Nodes:
    """ray.nodes() of a head with 64 CPUs, two 8-CPU nodes and this machine (no CPU)."""

    def nodes(self):
        cpus = {"a": 64.0, "b": 8.0, "c": 8.0, "me": 0.0}
        return [{"Alive": True, "NodeID": n, "Resources": {"CPU": c}} for n, c in cpus.items()]


def plan(workers):
    placements, nodes = plan_workers(Nodes(), workers)
    assert nodes == 3
    return sorted((p.node, p.cpus) for p in placements)


def test_graph_workers_get_their_own_nodes_cpus():
    assert plan(None) == [("a", 64), ("b", 8), ("c", 8)]  # one per node, all its CPUs
    assert plan(3) == plan(None)
    assert plan(4) == [("a", 32), ("a", 32), ("b", 8), ("c", 8)]
    assert plan(2) == [("a", 64), ("b", 8)]  # fewer than the nodes: the biggest
    ten = plan(10)
    assert len(ten) == 10 and sum(c for _, c in ten) == 80
    assert {n for n, _ in ten} == {"a", "b", "c"}
    assert len(plan(80)) == 80
    with pytest.raises(ClusterError, match="at most 80 workers"):
        plan_workers(Nodes(), 81)
