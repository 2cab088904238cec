"""The sweep lists the model cache once, not again for every graph it removes (to see
whether another graph of its model still needs PyTorch's check vectors): 1,000 unused
graphs cost 9 s of CPU that way."""

from __future__ import annotations

from helpers import calls_of

from labeldesk.ml import model_cache

from .test_model_cache_sweep import graph, names

MONTH = model_cache.UNUSED_DAYS + 1


def test_the_cache_is_listed_once_however_many_graphs_go(tmp_path, monkeypatch):
    root = tmp_path / "runtime"
    for n in range(20):
        graph(root, f"m{n:02d}-aaaa-v1", used_days_ago=MONTH, checks=["2.6.0"])
    listed = calls_of(monkeypatch, model_cache, "entries")

    assert len(model_cache.sweep(root)) == 20

    assert listed.count(root) == 1
    assert names(root) == []


def test_check_vectors_go_with_the_last_graph_of_their_model_in_one_sweep(tmp_path):
    root = tmp_path / "runtime"
    first = graph(root, "m-aaaa-v1", used_days_ago=MONTH, checks=["2.6.0"])
    second = graph(root, "m-aaaa-v2", used_days_ago=MONTH + 1)
    kept = graph(root, "n-bbbb-v1", used_days_ago=MONTH, checks=["2.6.0"])
    graph(root, "n-bbbb-v2", used_days_ago=1)  # still needs n's check vectors

    assert sorted(model_cache.sweep(root)) == sorted([first, second, kept])

    assert names(root) == [
        "n-bbbb-check1-torch2.6.0.npy",
        "n-bbbb-v2.labeldesk-used",
        "n-bbbb-v2.onnx",
    ]
