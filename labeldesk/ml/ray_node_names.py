"""How a job's messages name the cluster's nodes: by address, and where several nodes
share one address (a cluster on one machine, where every node is 127.0.0.1), by the
start of the node's id as well, "node 07d6c913 at 127.0.0.1", the id Ray shows for it
(``ray status``, ``ray list nodes``). Before, every node of such a cluster was named
127.0.0.1, and a person could not tell which one a message meant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

ID_CHARS = 8  # of a node's id (56 hex digits), as much as tells nodes apart


def node_names(nodes: Mapping[str, str]) -> dict[str, str]:
    """Node id -> its name in messages, for the cluster's nodes (node id -> address):
    the address where no other node has it, else "07d6c913 at 127.0.0.1"."""
    shared = Counter(nodes.values())
    return {
        node: address if shared[address] < 2 else f"{node[:ID_CHARS]} at {address}"
        for node, address in nodes.items()
    }


def name_of(address: str, node: str | None, names: Mapping[str, str]) -> str:
    """The name of the node with id ``node`` (None: not known) at ``address``, by
    :func:`node_names` (``names``); one they do not list is named by its address, with
    the start of its id when that is known and ``names`` show nodes sharing the address."""
    if node and node in names:
        return names[node]
    if node and any(name.endswith(f" at {address}") for name in names.values()):
        return f"{node[:ID_CHARS]} at {address}"
    return address
