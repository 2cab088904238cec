"""The model-cache sweep reports (and logs) only what it really removed. Before, a graph
that is a link (left in place) was reported as removed and its mark deleted, and in a
cache nothing could be removed from (a read-only one) every unused graph, compiled model
and loose blob was reported and logged as removed while all of it stayed."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from labeldesk.ml import model_cache

from .test_model_cache_sweep import VERSION, aged, compiled, graph, made, names

MONTH = model_cache.UNUSED_DAYS + 1


@pytest.fixture
def read_only(monkeypatch):
    """Removing any file fails as in a read-only cache (the tests run as root, for whom
    a read-only folder is no obstacle)."""

    def refuse(self, missing_ok=False):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)


def test_a_graph_that_is_a_link_is_neither_reported_nor_left_unmarked(tmp_path, caplog):
    root = tmp_path / "runtime"
    root.mkdir()
    made(tmp_path / "elsewhere.onnx", 400, b"g")
    (root / "link-aaaa-v1.onnx").symlink_to(tmp_path / "elsewhere.onnx")
    made(model_cache.graph_mark(root / "link-aaaa-v1.onnx"), MONTH)
    made(root / "link-aaaa-check1-torch2.6.0.npy", MONTH, b"v")
    caplog.set_level(logging.INFO, logger=model_cache.__name__)

    assert model_cache.sweep(root) == []

    assert names(root) == [
        "link-aaaa-check1-torch2.6.0.npy",
        "link-aaaa-v1.labeldesk-used",
        "link-aaaa-v1.onnx",
    ]
    assert (tmp_path / "elsewhere.onnx").read_bytes() == b"g"
    assert "removed" not in caplog.text


def test_nothing_is_reported_removed_from_a_cache_nothing_can_be_removed_from(
    tmp_path, caplog, read_only
):
    root = tmp_path / "runtime"
    graph(root, "old-aaaa-v1", used_days_ago=MONTH, checks=["2.6.0"])
    compiled(root, "old-aaaa-v1", used_days_ago=MONTH)
    version = root / model_cache.CACHE_FOLDER / VERSION
    aged(made(version / "loose.blob", MONTH, b"x"), MONTH)
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    caplog.set_level(logging.INFO, logger=model_cache.__name__)

    assert model_cache.sweep(root, version=VERSION) == []

    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before
    assert "removed" not in caplog.text


def test_what_could_be_removed_is_reported_and_what_could_not_is_not(tmp_path, monkeypatch, caplog):
    root = tmp_path / "runtime"
    gone = graph(root, "gone-aaaa-v1", used_days_ago=MONTH)
    stuck = graph(root, "stuck-bbbb-v1", used_days_ago=MONTH)
    real = Path.unlink

    def unlink(self, missing_ok=False):
        if self == stuck:  # (still open on Windows, say)
            raise PermissionError(13, "Permission denied", str(self))
        real(self, missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    caplog.set_level(logging.INFO, logger=model_cache.__name__)

    assert model_cache.sweep(root) == [gone]

    assert names(root) == ["stuck-bbbb-v1.labeldesk-used", "stuck-bbbb-v1.onnx"]
    assert str(gone) in caplog.text and str(stuck) not in caplog.text
