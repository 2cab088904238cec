"""The nodes of a cluster on one machine, told apart in a job's messages. Every node of
such a cluster has the address 127.0.0.1 (the tests' own cluster shows it), and every
message named a node by its address alone: "node 127.0.0.1 of the Ray cluster went
away", "a Ray worker died during the job (on 127.0.0.1)", "Ray's memory monitor killed
JobRelay because node 127.0.0.1 was low on memory", whichever node it was. A node that
shares its address is now named with the start of its id, as Ray shows it."""

from __future__ import annotations

import pytest
from ml.test_ray_lost_processes import NODE, OOM, ActorDiedError

from labeldesk.ml.ray_errors import summary
from labeldesk.ml.ray_node_names import node_names
from labeldesk.ml.ray_notices import Notices, node_lost

OTHER = "5c0ffee" + "1" * 49
ONE_MACHINE = {NODE: "127.0.0.1", OTHER: "127.0.0.1"}
WORKER_DIED = (  # Ray's notice (abridged), from a node of ONE_MACHINE
    "A worker died or was killed while executing a task by an unexpected system error. To "
    f"troubleshoot the problem, check the logs for the dead worker. Lease ID: 0400 Worker ID: "
    f"f4dc Node ID: {OTHER} Worker IP address: 127.0.0.1 Worker port: 10016 Worker PID: "
    "13963 Worker exit type: SYSTEM_ERROR"
)


class ActorUnavailableError(Exception):
    """Stands for Ray's error of that name (a node gone mid-job)."""


def test_nodes_sharing_an_address_are_named_by_id_too_and_others_by_address():
    names = node_names({**ONE_MACHINE, "f" * 56: "10.0.0.3"})
    assert names == {
        NODE: "07d6c913 at 127.0.0.1",
        OTHER: "5c0ffee1 at 127.0.0.1",
        "f" * 56: "10.0.0.3",
    }


def test_a_worker_that_died_is_said_with_its_node():
    notices = Notices(names=node_names(ONE_MACHINE))
    notices.take(WORKER_DIED)
    assert notices.lines()[0].startswith(
        "a Ray worker died during the job (on 5c0ffee1 at 127.0.0.1): killed"
    )


def test_the_node_rays_memory_monitor_found_low_on_memory_is_named_by_id():
    said = summary(ActorDiedError(OOM), node_names(ONE_MACHINE))
    assert said.startswith(
        "Ray's memory monitor killed JobRelay because node 07d6c913 at 127.0.0.1 "
    )


def test_a_node_gone_on_the_tests_own_cluster_is_named_by_its_id(ray_cluster):
    """The real cluster: two nodes, both 127.0.0.1; the head's the one left."""
    from labeldesk.ml.ray_cluster import connect, import_ray, prepare_import
    from labeldesk.ml.ray_notices import alive_nodes

    prepare_import(ray_cluster.address)
    ray = import_ray()
    owned = connect(ray, ray_cluster.address)
    try:
        before = alive_nodes(ray)
        head = {n["NodeID"] for n in ray.nodes() if "node:__internal_head__" in n["Resources"]}
    finally:
        if owned:
            ray.shutdown()
    assert sorted(before.values()) == ["127.0.0.1", "127.0.0.1"]  # what Ray says of them
    (gone,) = set(before) - head
    lost = node_lost(
        ActorUnavailableError("The actor is temporarily unavailable"),
        before,
        lambda: {node: before[node] for node in head},
        Notices(),
    )
    assert lost is not None
    assert str(lost).startswith(f"node {gone[:8]} at 127.0.0.1 of the Ray cluster went away")
    assert node_names(before)[gone] != node_names(before)[next(iter(head))]


@pytest.fixture(autouse=True)
def _ray():
    pytest.importorskip("ray")


def test_the_node_without_labeldesk_on_one_machine_is_named_by_id(monkeypatch):
    from cluster import test_ray_node_without_labeldesk as without
    from labeldesk.ml.ray_errors import ClusterMismatch
    from labeldesk.ml.ray_nodes import on_every_node

    nodes = [{"NodeID": n, "Alive": True, "NodeManagerAddress": a} for n, a in ONE_MACHINE.items()]
    monkeypatch.setattr(without, "NODES", nodes)
    monkeypatch.setattr(without, "WITHOUT", {OTHER})
    with pytest.raises(
        ClusterMismatch, match=r"not installed on node 5c0ffee1 at 127\.0\.0\.1 \(1 of"
    ):
        on_every_node(without.PartlyInstalled(), lambda: {})


def test_a_node_with_another_graph_code_is_named_by_id_where_nodes_share_an_address():
    """check_versions named it by NodeManagerAddress alone: "(127.0.0.1)", either node."""
    from labeldesk.ml.ray_errors import ClusterMismatch
    from labeldesk.ml.ray_graph import check_versions
    from labeldesk.ml.ray_graph_worker import graph_code_version

    nodes = [{"NodeID": node, "NodeManagerAddress": at} for node, at in ONE_MACHINE.items()]
    found = [
        {"host": "box", "labeldesk": graph_code_version()},
        {"host": "box", "labeldesk": "0.1"},
    ]
    with pytest.raises(ClusterMismatch, match=r"^node box \(5c0ffee1 at 127\.0\.0\.1\) runs"):
        check_versions(list(zip(nodes, found, strict=True)))
