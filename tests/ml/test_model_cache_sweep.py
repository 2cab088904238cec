"""The exported graphs in the model cache stay bounded like OpenVINO's compiled models
(one sweep for both kinds): a model's graph goes once unused for a month, and beyond
model_cache.MAX_BYTES in all the least recently loaded go; only graphs LabelDesk marked,
never the one being loaded, never one a load marked while the sweep ran."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from labeldesk.ml import model_cache

DAY = 86400
VERSION = "2026.4.1"


def aged(path, days):
    when = time.time() - days * DAY
    os.utime(path, (when, when), follow_symlinks=False)
    return path


def made(path, days, content=b""):
    """A file written ``days`` ago."""
    path.write_bytes(content)
    return aged(path, days)


def graph(root, name, *, used_days_ago, size=8, checks=()):
    """An exported graph as LabelDesk leaves it: the graph, its mark of use, PyTorch's
    check vectors of its model (``checks``: their torch versions)."""
    root.mkdir(parents=True, exist_ok=True)
    path = made(root / f"{name}.onnx", 400, b"g" * size)  # only the mark says when used
    made(model_cache.graph_mark(path), used_days_ago)
    key = name.rsplit("-v", 1)[0]
    for torch_version in checks:
        made(root / f"{key}-check1-torch{torch_version}.npy", used_days_ago, b"v")
    return path


def compiled(root, name, *, used_days_ago, size=8):
    folder = root / model_cache.CACHE_FOLDER / VERSION / name
    folder.mkdir(parents=True)
    (folder / "123.blob").write_bytes(b"x" * size)
    (folder / model_cache.USED_NAME).write_bytes(b"")
    aged(folder / model_cache.USED_NAME, used_days_ago)
    return folder


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_graphs_unused_for_a_month_go_with_their_check_vectors_and_nothing_else(tmp_path):
    root = tmp_path / "runtime"
    month = model_cache.UNUSED_DAYS + 1
    graph(root, "old-aaaa-v1", used_days_ago=month, checks=["2.5.1", "2.6.0"])
    graph(root, "upgraded-bbbb-v1", used_days_ago=month, checks=["2.6.0"])
    graph(root, "upgraded-bbbb-v2", used_days_ago=1)  # same model, a newer export
    graph(root, "recent-cccc-v1", used_days_ago=month - 2, checks=["2.6.0"])
    graph(root, "loading-dddd-v1", used_days_ago=month)  # the model being loaded
    made(root / "by-hand-eeee-v1.onnx", 400, b"g")  # no mark: not LabelDesk's (or older)
    made(root / "mine.onnx", 400, b"g")  # a mark, but not a name LabelDesk gives
    made(model_cache.graph_mark(root / "mine.onnx"), month)
    made(model_cache.graph_mark(root / "cut-ffff-v1.onnx"), month)  # a removal cut short
    (root / "link-gggg-v1.onnx").symlink_to(tmp_path / "elsewhere.onnx")
    made(tmp_path / "elsewhere.onnx", 400, b"g")
    made(model_cache.graph_mark(root / "link-gggg-v1.onnx"), month)

    removed = model_cache.sweep(root, keep="loading-dddd-v1")

    # the graph cut short was gone before (only its mark went), the link stays: neither
    # is said to be removed
    assert sorted(p.name for p in removed) == ["old-aaaa-v1.onnx", "upgraded-bbbb-v1.onnx"]
    assert names(root) == [
        "by-hand-eeee-v1.onnx",
        "link-gggg-v1.labeldesk-used",  # a link is not removed, nor left unmarked
        "link-gggg-v1.onnx",
        "loading-dddd-v1.labeldesk-used",
        "loading-dddd-v1.onnx",
        "mine.labeldesk-used",
        "mine.onnx",
        "recent-cccc-check1-torch2.6.0.npy",
        "recent-cccc-v1.labeldesk-used",
        "recent-cccc-v1.onnx",
        "upgraded-bbbb-check1-torch2.6.0.npy",  # its newer graph still uses them
        "upgraded-bbbb-v2.labeldesk-used",
        "upgraded-bbbb-v2.onnx",
    ]
    assert (tmp_path / "elsewhere.onnx").exists()


def test_one_size_bound_over_graphs_and_compiled_models_least_recently_loaded_first(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(model_cache, "MAX_BYTES", 350)
    root = tmp_path / "runtime"
    loading = graph(root, "loading-aaaa-v1", used_days_ago=20, size=100)
    loading_compiled = compiled(root, "loading-aaaa-v1", used_days_ago=20, size=100)
    old_graph = graph(root, "b-bbbb-v1", used_days_ago=15, size=100)
    old_compiled = compiled(root, "b-bbbb-v1", used_days_ago=10, size=100)
    newer_graph = graph(root, "c-cccc-v1", used_days_ago=5, size=100)
    today = graph(root, "d-dddd-v1", used_days_ago=0.5, size=100)

    removed = model_cache.sweep(root, "loading-aaaa-v1", VERSION)

    # 600 bytes: b's graph (15 days), b's compiled models (10 days), c's graph (5 days)
    # go, which leaves 300; d, loaded within the day, and the model being loaded stay
    assert removed == [old_graph, old_compiled, newer_graph]
    assert loading.exists() and loading_compiled.exists() and today.exists()
    assert not old_graph.exists() and not old_compiled.exists()


def test_a_graph_loaded_while_the_sweep_runs_is_kept(tmp_path, monkeypatch):
    """Another process marks the graph (it is about to read it) after the sweep listed it
    as a month unused: the mark is read again just before removing, and it stays."""
    root = tmp_path / "runtime"
    loaded = graph(root, "loaded-aaaa-v1", used_days_ago=model_cache.UNUSED_DAYS + 1)
    listed = model_cache._graphs

    def listed_then_loaded(folder):
        found = listed(folder)
        model_cache.mark_used(model_cache.graph_mark(loaded))
        return found

    monkeypatch.setattr(model_cache, "_graphs", listed_then_loaded)
    assert model_cache.sweep(root) == []
    assert loaded.exists() and model_cache.graph_mark(loaded).exists()


def test_the_first_load_sweeps_compiled_models_without_importing_openvino(tmp_path):
    # The ONNX Runtime's path swept OpenVINO's compiled models too, and imported
    # OpenVINO for its version to do so (a module that costs more than the sweep)
    pytest.importorskip("openvino")
    unused = compiled(tmp_path, "old-aaaa-v1", used_days_ago=model_cache.UNUSED_DAYS + 1)
    other = unused.parent.parent / "2020.1.0" / "old-aaaa-v1"
    other.mkdir(parents=True)
    made(other / model_cache.USED_NAME, model_cache.UNUSED_DAYS + 1)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from labeldesk.ml import model_cache\n"
        "model_cache.sweep_once(Path(sys.argv[1]), 'loading-bbbb-v1')\n"
        "print('openvino' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False"]
    assert not unused.exists() and not other.exists()
