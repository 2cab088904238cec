"""The mixed engine's first inference runs on the calling thread, the rest in parallel.

Two threads that make OpenVINO's first numpy conversion at the same moment can deadlock
inside pybind11 (the PyInstaller bundle's ``embed`` hung there; in a checkout, with
``openvino.tools`` kept from loading, 3 of 14 runs hung). The fix is an ordering, which
these fakes record: which thread ran each request, in which order, on which slice.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from labeldesk.ml import ov_mixed

DIM = 3


class FakeRequest:
    def __init__(self, log: list[tuple[str, int, int]], part: str) -> None:
        self.log, self.part = log, part

    def infer(self, inputs: list[np.ndarray], share_inputs: bool = False) -> list[np.ndarray]:
        batch = np.asarray(inputs[0], np.float32)
        self.log.append((self.part, threading.get_ident(), int(batch.reshape(-1)[0])))
        if self.part == "head":  # image -> a flat "block output"
            return [batch.reshape(len(batch), -1)]
        return [batch[:, :DIM]]


class FakeCompiled:
    def __init__(self, log: list[tuple[str, int, int]], part: str) -> None:
        self.log, self.part = log, part

    def create_infer_request(self) -> FakeRequest:
        return FakeRequest(self.log, self.part)

    def get_property(self, name: str) -> int:
        assert name == "OPTIMAL_NUMBER_OF_INFER_REQUESTS"
        return 2


class FakeCore:
    def __init__(self) -> None:
        self.log: list[tuple[str, int, int]] = []

    def compile_model(self, model: Any, device: str, config: dict[str, str]) -> FakeCompiled:
        return FakeCompiled(self.log, model)


def _pixels(n: int) -> np.ndarray:
    """n 2x2 RGB images whose first value is the image's index (the slice's mark)."""
    pixels = np.zeros((n, 2, 2, 3), np.uint8)
    pixels[:, 0, 0, 0] = np.arange(n)
    pixels[:, 1, 1, 2] = 7
    return pixels


def test_first_slice_runs_on_the_calling_thread_then_slices_run_in_the_pool(monkeypatch):
    monkeypatch.setattr(ov_mixed, "split_graph", lambda core, path, until: ("head", "tail"))
    core = FakeCore()
    features = ov_mixed.mixed_features(core, Path("model.onnx"), DIM)
    assert features is not None
    me = threading.get_ident()
    pixels = _pixels(4)  # two slices of two images, one per stream

    out = features(pixels)

    expected = pixels.reshape(4, -1)[:, :DIM].astype(np.float32)
    assert np.array_equal(out, expected)  # every slice lands in its rows
    # slice 0 (head then tail) ran here, and before anything ran in a pool thread
    assert core.log[:2] == [("head", me, 0), ("tail", me, 0)]
    assert [(part, mark) for part, _, mark in core.log[2:]] == [("head", 2), ("tail", 2)]
    assert all(thread != me for _, thread, _ in core.log[2:])

    core.log.clear()
    second = features(pixels)  # after the first batch: every slice in the pool, in parallel
    assert np.array_equal(second, expected)
    assert sorted(mark for part, _, mark in core.log if part == "head") == [0, 2]
    assert all(thread != me for _, thread, _ in core.log)


def test_a_first_batch_of_one_slice_runs_wholly_on_the_calling_thread(monkeypatch):
    monkeypatch.setattr(ov_mixed, "split_graph", lambda core, path, until: ("head", "tail"))
    core = FakeCore()
    features = ov_mixed.mixed_features(core, Path("model.onnx"), DIM)
    assert features is not None
    out = features(_pixels(1))
    assert np.array_equal(out, _pixels(1).reshape(1, -1)[:, :DIM].astype(np.float32))
    assert [thread for _, thread, _ in core.log] == [threading.get_ident()] * 2
