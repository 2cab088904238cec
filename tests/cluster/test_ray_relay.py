"""Where the job's relay (the actor that drives the Ray Data job and hands its batches
back) runs: on the cluster's head. Ray put it on any node, and a worker node that went
away with it took the whole job along (*node 10.0.0.2 … went away …, and the job with
it*), where Ray Data alone starts that node's workers again elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from labeldesk.ml.ray_results import HEAD_RESOURCE, JobPlan, relay_options, run_job

HEAD, OTHER = "a" * 56, "b" * 56


def node(node_id: str, head: bool = False, alive: bool = True) -> dict[str, Any]:
    resources = {"CPU": 1.0, f"node:{node_id}": 1.0} | ({HEAD_RESOURCE: 1.0} if head else {})
    return {"NodeID": node_id, "Alive": alive, "Resources": resources}


class Placing:
    """Ray as far as starting the relay goes: the options it is started with."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self._nodes = nodes
        self.started: list[dict[str, Any]] = []

    def nodes(self) -> list[dict[str, Any]]:
        return self._nodes

    def remote(self, *args: Any, **kwargs: Any) -> Placing:  # the class, then its start
        return self

    def options(self, **options: Any) -> Placing:
        self.started.append(options)
        return self


def test_the_relay_is_held_on_the_head_whichever_node_this_machine_joined():
    pytest.importorskip("ray")
    fake = Placing([node(OTHER), node(HEAD, head=True)])
    outputs = run_job(fake, [], "m", "/r", JobPlan(1, 0.0, 8, "cpu"))
    outputs._closed.set()  # nothing is fetched: the fake has no batches
    [options] = fake.started
    strategy = options["scheduling_strategy"]
    assert (strategy.node_id, strategy.soft) == (HEAD, False)
    assert options["num_cpus"] == 0 and options["max_restarts"] == 0


def test_no_head_known_leaves_the_choice_to_ray():
    pytest.importorskip("ray")
    assert relay_options([node(OTHER), node(HEAD, head=True, alive=False)]) == {}
    assert relay_options([]) == {}
