"""OpenVINO's compiled models are kept in LabelDesk's model cache (OpenVINO's CACHE_DIR),
so a later load reads them back instead of compiling the model (its two halves on CPUs
with bf16) again at every `labeldesk embed`; a cache folder that cannot be written is
simply not used."""

from __future__ import annotations

import os
import shutil
import time

import numpy as np
import pytest

from labeldesk.ml import model_cache, onnx_export, runtime
from labeldesk.ml.runtime import load_runner, torch_features

from .tiny_backbone import tiny_backbone

openvino = pytest.importorskip("openvino")


@pytest.fixture(autouse=True)
def runtime_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELDESK_RUNTIME_CACHE", str(tmp_path / "runtime-cache"))
    return tmp_path / "runtime-cache"


def compiled(runtime_cache):
    """The folder of the one model's compiled models, in this OpenVINO version's."""
    (version,) = (runtime_cache / model_cache.CACHE_FOLDER).iterdir()
    assert version.name == openvino.__version__.split("-")[0]
    (folder,) = version.iterdir()
    return folder


def same_as_pytorch(runner, backbone) -> bool:
    pixels = runtime.check_pixels(backbone.identity.preprocess, 4)
    ours, theirs = runner.features(pixels), torch_features(backbone, "cpu")(pixels)
    return bool(np.allclose(ours, theirs, atol=1e-4))


def test_compiled_models_are_kept_in_the_model_cache_and_used_again(runtime_cache):
    backbone = tiny_backbone()
    first = load_runner(backbone, "cpu", "openvino")
    assert first.name == "openvino"
    kept = compiled(runtime_cache)
    assert kept.name == onnx_export.onnx_path(backbone).stem  # the model's own folder
    assert (kept / model_cache.USED_NAME).is_file()  # LabelDesk's mark: when it was loaded
    blobs = {p.name: p.stat().st_mtime_ns for p in kept.glob("*.blob")}
    assert blobs  # compiled once, kept

    again = load_runner(backbone, "cpu", "openvino")
    assert again.name == "openvino" and same_as_pytorch(again, backbone)
    assert {p.name: p.stat().st_mtime_ns for p in kept.glob("*.blob")} == blobs  # read, not made


def test_a_cache_folder_that_cannot_be_made_leaves_openvino_uncached(runtime_cache):
    backbone = tiny_backbone()
    runtime_cache.mkdir()
    (runtime_cache / model_cache.CACHE_FOLDER).write_text("a person's file\n")
    runner = load_runner(backbone, "cpu", "openvino")
    assert runner.name == "openvino" and same_as_pytorch(runner, backbone)
    assert (runtime_cache / model_cache.CACHE_FOLDER).read_text() == "a person's file\n"


def test_a_read_only_model_cache_still_runs_openvino(runtime_cache, make_read_only):
    """A cache made by an earlier run (the exported graph, PyTorch's check vectors) and
    read-only since: OpenVINO would refuse to compile with a CACHE_DIR it cannot write."""
    backbone = tiny_backbone()
    assert load_runner(backbone, "cpu", "openvino").name == "openvino"
    shutil.rmtree(runtime_cache / model_cache.CACHE_FOLDER, ignore_errors=True)  # (older runs)
    make_read_only(runtime_cache)
    runner = load_runner(backbone, "cpu", "openvino")
    assert runner.name == "openvino" and same_as_pytorch(runner, backbone)
    folder = runtime_cache / model_cache.CACHE_FOLDER
    assert not any(p.is_file() for p in folder.rglob("*"))  # nothing compiled was kept


def test_a_damaged_compiled_model_is_compiled_again(runtime_cache):
    """A blob cut short (a run killed as OpenVINO wrote it, a full disk) is compiled again
    and rewritten, not an engine that fails or differs."""
    backbone = tiny_backbone()
    assert load_runner(backbone, "cpu", "openvino").name == "openvino"
    blobs = {p: p.stat().st_size for p in compiled(runtime_cache).glob("*.blob")}
    for blob in blobs:
        blob.chmod(0o600)
        with open(blob, "r+b") as f:
            f.truncate(10)
    runner = load_runner(backbone, "cpu", "openvino")
    assert runner.name == "openvino" and same_as_pytorch(runner, backbone)
    # Rewritten whole: OpenVINO's blob for one model varies by a few bytes from one
    # compile to the next (12,773-12,802 bytes over three fresh compiles here), so the
    # check is that each is back to about its size, not cut short.
    assert all(p.stat().st_size > 0.95 * size for p, size in blobs.items())


def test_an_older_openvinos_unused_compiled_models_are_removed_and_nothing_else(runtime_cache):
    """A new OpenVINO cannot read an older one's compiled models: those unread for a month
    go, but only blobs; a folder with anything else in it, and a loose file, stay. One
    read lately stays (another virtual environment's OpenVINO may still use it)."""
    root = runtime_cache / model_cache.CACHE_FOLDER
    month = time.time() - (model_cache.UNUSED_DAYS + 1) * 86400
    old = root / "2020.1.0"
    old.mkdir(parents=True)
    (old / "123.blob").write_bytes(b"compiled")
    mixed = root / "2021.4.2"
    mixed.mkdir()
    (mixed / "456.blob").write_bytes(b"compiled")
    (mixed / "notes.txt").write_text("a person's file\n")
    for blob in (old / "123.blob", mixed / "456.blob"):
        os.utime(blob, (month, month))
    (mixed / "789.blob").write_bytes(b"compiled")  # read lately
    (root / "readme.blob").write_text("not a folder\n")
    assert load_runner(tiny_backbone(), "cpu", "openvino").name == "openvino"
    assert not old.exists()
    assert sorted(p.name for p in mixed.iterdir()) == ["789.blob", "notes.txt"]
    assert (root / "readme.blob").read_text() == "not a folder\n"
    assert any((root / openvino.__version__.split("-")[0]).rglob("*.blob"))  # this one's kept


def test_loading_a_model_removes_the_compiled_models_of_one_unused_for_a_month(runtime_cache):
    """Every model, input size and fine-tuned model added its compiled models (about 13 MB
    a model) to one folder, and none was ever removed: a model no process has loaded for
    model_cache.UNUSED_DAYS days loses its folder at the next load of another."""
    version = runtime_cache / model_cache.CACHE_FOLDER / openvino.__version__.split("-")[0]
    gone = version / "old-model-v1"
    gone.mkdir(parents=True)
    (gone / "123.blob").write_bytes(b"compiled")
    (gone / model_cache.USED_NAME).write_bytes(b"")
    long_ago = time.time() - (model_cache.UNUSED_DAYS + 1) * 86400
    os.utime(gone / model_cache.USED_NAME, (long_ago, long_ago))
    assert load_runner(tiny_backbone(), "cpu", "openvino").name == "openvino"
    assert not gone.exists()
    assert any(compiled(runtime_cache).glob("*.blob"))
