"""A stand-in for Ray under the neighbour search on the cluster (``graph_on_ray``)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from labeldesk.ml import ray_graph


def graph_stand_in(
    monkeypatch,
    nodes: list[dict] | Callable[[], list[dict]],
    run_graph: Callable[..., object],
    gcs: str = "h:6379",
) -> list[tuple]:
    """``graph_on_ray`` against a cluster whose head is ``gcs``, reachable, that lists
    ``nodes`` (or what they return), passes every check and searches with ``run_graph``,
    over three vectors (a, b, c) with no graph cached: the list that gets each graph
    saved (save_graph's arguments)."""
    listed = nodes if callable(nodes) else lambda: nodes
    fake = SimpleNamespace(
        get_runtime_context=lambda: SimpleNamespace(gcs_address=gcs), nodes=listed
    )
    saved: list[tuple] = []
    monkeypatch.setattr(ray_graph, "prepare_import", lambda address: None)
    monkeypatch.setattr(ray_graph, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_graph, "check_reachable", lambda address: None)
    monkeypatch.setattr(ray_graph, "connect", lambda ray, address, cancel=None: False)
    monkeypatch.setattr(ray_graph, "on_every_node", lambda *a, **k: [])
    monkeypatch.setattr(ray_graph, "prepare_job", lambda *a, **k: None)
    monkeypatch.setattr(ray_graph, "run_graph", run_graph)
    vectors = SimpleNamespace(paths=["a", "b", "c"])
    monkeypatch.setattr("labeldesk.ml.store.project_vectors", lambda project: vectors)
    monkeypatch.setattr(ray_graph.neighbors, "graph_cache", lambda p, v: ("cache", 1))
    monkeypatch.setattr(ray_graph.neighbors, "has_cached_graph", lambda p, v: False)
    monkeypatch.setattr(ray_graph.neighbors, "save_graph", lambda *a: saved.append(a))
    return saved
