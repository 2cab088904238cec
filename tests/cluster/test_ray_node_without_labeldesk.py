"""A node of the cluster without LabelDesk: the error names that node (the user has to
know which machine to install it on) and the install command of the README, with the
`cluster` extra that the workers need. It said "LabelDesk is not installed on the
cluster's nodes" even when only one of several lacked it. No cluster: Ray is a
stand-in whose second node cannot import labeldesk."""

from __future__ import annotations

from typing import Any

import pytest

from labeldesk.ml.ray_errors import ClusterMismatch
from labeldesk.ml.ray_nodes import on_every_node
from labeldesk.ml.ray_worker import code_version

NODES = [
    {"NodeID": "a" * 56, "Alive": True, "NodeManagerAddress": "10.0.0.1"},
    {"NodeID": "b" * 56, "Alive": True, "NodeManagerAddress": "10.0.0.2"},
    {"NodeID": "c" * 56, "Alive": True, "NodeManagerAddress": "10.0.0.3"},
]
WITHOUT = {"b" * 56}
MISSING = "ray.exceptions.RayTaskError(ModuleNotFoundError): No module named 'labeldesk'"


class Ref:
    def __init__(self, node: str) -> None:
        self.node = node

    def __call__(self) -> dict[str, Any]:
        if self.node in WITHOUT:
            raise RuntimeError(MISSING)
        return {"host": self.node[:1]}


class Remote:
    def __init__(self, node: str = "") -> None:
        self.node = node

    def options(self, *, scheduling_strategy: Any, **_: Any) -> Remote:
        return Remote(scheduling_strategy.node_id)

    def remote(self, *_args: Any) -> Ref:
        return Ref(self.node)


class PartlyInstalled:
    def nodes(self) -> list[dict[str, Any]]:
        return NODES

    def remote(self, _function: Any) -> Remote:
        return Remote()

    def get(self, refs: Any, timeout: float | None = None) -> Any:
        return [ref() for ref in refs] if isinstance(refs, list) else refs()


def test_the_node_without_labeldesk_is_named():
    pytest.importorskip("ray")
    with pytest.raises(ClusterMismatch) as raised:
        on_every_node(PartlyInstalled(), lambda: {})
    version = code_version().split("+")[0]
    assert str(raised.value) == (
        "LabelDesk is not installed on node 10.0.0.2 (1 of the cluster's 3 nodes): "
        f"install the same version there: pip install 'labeldesk[cluster]=={version}'"
    )
