"""A load keeps the model cache bounded (model_cache's sweep, at the first load of a
process) without ever losing the graph it loads, and a load racing another process's
sweep (which removed the graph or the compiled models it was about to read) exports or
compiles them again: the same vectors, never a failed or wrong engine."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from labeldesk.ml import model_cache, onnx_export, ov_cache, runtime
from labeldesk.ml.runtime import load_runner, torch_features

from .tiny_backbone import tiny_backbone

MONTH_AGO = time.time() - (model_cache.UNUSED_DAYS + 1) * 86400


@pytest.fixture(autouse=True)
def runtime_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELDESK_RUNTIME_CACHE", str(tmp_path / "runtime-cache"))
    monkeypatch.setattr(model_cache, "_swept", set())  # each load below is a new process
    return tmp_path / "runtime-cache"


def same_as_pytorch(runner, backbone) -> bool:
    pixels = runtime.check_pixels(backbone.identity.preprocess, 4)
    ours, theirs = runner.features(pixels), torch_features(backbone, "cpu")(pixels)
    return bool(np.allclose(ours, theirs, atol=1e-4))


def test_a_load_removes_the_graph_of_a_model_unused_for_a_month_never_its_own(
    runtime_cache, monkeypatch
):
    """Every fine-tuned model and input size exported a graph that stayed for good."""
    backbone = tiny_backbone()
    assert load_runner(backbone, "cpu", "onnx").name == "onnx"
    own = onnx_export.onnx_path(backbone)
    exported = own.stat().st_mtime_ns
    os.utime(model_cache.graph_mark(own), (MONTH_AGO, MONTH_AGO))  # last embedded long ago
    other = runtime_cache / "tuned-0123456789-v1.onnx"  # another (fine-tuned) model's
    other.write_bytes(b"graph")
    model_cache.graph_mark(other).write_bytes(b"")
    os.utime(model_cache.graph_mark(other), (MONTH_AGO, MONTH_AGO))
    by_hand = runtime_cache / "by-hand-0123456789-v1.onnx"  # not marked: not LabelDesk's
    by_hand.write_bytes(b"graph")
    os.utime(by_hand, (MONTH_AGO, MONTH_AGO))
    monkeypatch.setattr(model_cache, "_swept", set())  # the next run

    runner = load_runner(backbone, "cpu", "onnx")

    assert runner.name == "onnx" and same_as_pytorch(runner, backbone)
    assert not other.exists() and not model_cache.graph_mark(other).exists()
    assert by_hand.read_bytes() == b"graph"
    assert own.stat().st_mtime_ns == exported  # read, not exported again
    assert model_cache.graph_mark(own).stat().st_mtime > MONTH_AGO + 86400  # marked now


@pytest.mark.parametrize("name", ["openvino", "onnx"])
def test_a_graph_removed_by_another_processs_sweep_as_it_loads_is_exported_again(
    name, runtime_cache, monkeypatch
):
    """The load marked the graph and found it there; another process's sweep, which had
    read the month-old mark an instant before, removed the graph (its mark, its check
    vectors) before the load read it."""
    backbone = tiny_backbone()
    assert load_runner(backbone, "cpu", name).name == name
    graph = onnx_export.onnx_path(backbone)
    export = onnx_export.exported_onnx
    calls = []

    def found_then_swept(backbone):
        path = export(backbone)
        if not calls:
            model_cache._remove_graph(path)  # what the other process's sweep does
        calls.append(path)
        return path

    monkeypatch.setattr(onnx_export, "exported_onnx", found_then_swept)
    monkeypatch.setattr(model_cache, "_swept", set())

    runner = load_runner(backbone, "cpu", name)

    assert len(calls) >= 2  # exported again (by the mixed engine, where used, then f32)
    assert runner.name == name and same_as_pytorch(runner, backbone)
    assert graph.is_file() and model_cache.graph_mark(graph).is_file()  # still swept later


def test_compiled_models_removed_by_another_processs_sweep_as_it_loads_are_compiled_again(
    runtime_cache, monkeypatch
):
    """A sweep in one process while another makes its first load of a month-unused model:
    the blobs (and their folder) go just before OpenVINO reads them."""
    pytest.importorskip("openvino")
    backbone = tiny_backbone()
    assert load_runner(backbone, "cpu", "openvino").name == "openvino"
    folder = ov_cache.model_folder(onnx_export.onnx_path(backbone).stem)
    assert folder is not None and any(folder.glob("*.blob"))
    marked = ov_cache.model_folder

    def marked_then_swept(name):
        found = marked(name)
        if found is not None:
            model_cache._remove_folder(found)  # what the other process's sweep does
        return found

    monkeypatch.setattr(ov_cache, "model_folder", marked_then_swept)
    monkeypatch.setattr(model_cache, "_swept", set())

    runner = load_runner(backbone, "cpu", "openvino")

    assert runner.name == "openvino" and same_as_pytorch(runner, backbone)
    assert any(folder.glob("*.blob"))  # compiled and kept again
