"""The CPU inference runtimes give PyTorch's vectors, and any failure falls back to it."""

from __future__ import annotations

import logging
import os
import sys
import time

import numpy as np
import pytest

from labeldesk.core.errors import LabelDeskError
from labeldesk.ml import onnx_export, runtime
from labeldesk.ml.preprocess import prepare
from labeldesk.ml.runtime import load_runner, resolve_runtime, torch_features

from .conftest import PHOTOS, skimage_photo
from .tiny_backbone import tiny_backbone


@pytest.fixture(autouse=True)
def runtime_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELDESK_RUNTIME_CACHE", str(tmp_path / "runtime-cache"))
    return tmp_path / "runtime-cache"


@pytest.fixture(scope="module")
def photo_pixels(tmp_path_factory, backbone):
    folder = tmp_path_factory.mktemp("photos")
    arrays = []
    for name in PHOTOS:
        path = folder / f"{name}.jpg"
        skimage_photo(name).save(path, quality=92)
        arrays.append(prepare(path, backbone.identity.preprocess))
    return np.stack(arrays)


@pytest.mark.parametrize("name", ["openvino", "onnx"])
def test_runtime_vectors_match_pytorch_on_real_photos(
    name, backbone, photo_pixels, monkeypatch, tmp_path_factory
):
    shared = tmp_path_factory.getbasetemp() / "runtime-cache-real"  # export once for both
    monkeypatch.setenv("LABELDESK_RUNTIME_CACHE", str(shared))
    runner = load_runner(backbone, "cpu", name)
    assert runner.name == name
    ours = runner.features(photo_pixels)
    theirs = torch_features(backbone, "cpu")(photo_pixels)
    assert ours.shape == theirs.shape == (len(PHOTOS), backbone.dim)
    cosine = np.sum(ours * theirs, axis=1)
    assert cosine.mean() >= 0.999 and cosine.min() >= 0.998
    # different photos stay different: the match is not a constant output
    assert np.sum(ours[0] * ours[1]) < 0.9


def test_auto_is_openvino_on_cpu_and_torch_elsewhere():
    assert resolve_runtime("auto", "cpu") == "openvino"
    assert resolve_runtime("auto", "cuda") == "torch"
    assert resolve_runtime("auto", "mps") == "torch"
    assert resolve_runtime("torch", "cpu") == "torch"
    with pytest.raises(LabelDeskError, match="CPU only"):
        resolve_runtime("openvino", "cuda")
    with pytest.raises(LabelDeskError, match="unknown runtime"):
        resolve_runtime("tensorrt", "cpu")


def test_the_torch_runner_names_the_precision_it_runs_at(monkeypatch):
    """`labeldesk embed` on a GPU said "torch f32" while the model ran under float16
    autocast (the H200 run of benchmarks/bench_embed.py)."""
    seen = []
    monkeypatch.setattr(runtime, "torch_features", lambda b, device: seen.append(device))
    assert load_runner(tiny_backbone(), "cuda").precision == "f16 autocast"
    assert load_runner(tiny_backbone(), "cpu", "torch").precision == "f32"
    assert seen == ["cuda", "cpu"]


@pytest.mark.parametrize(("name", "module"), [("openvino", "openvino"), ("onnx", "onnxruntime")])
def test_a_missing_runtime_falls_back_to_torch_with_one_log_line(name, module, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    backbone = tiny_backbone()
    with caplog.at_level(logging.WARNING, logger="labeldesk.ml.runtime"):
        runner = load_runner(backbone, "cpu", name)
    assert runner.name == "torch"
    assert [r.getMessage() for r in caplog.records if name in r.getMessage()] == [
        f"{name} unavailable (ModuleNotFoundError: import of {module} halted; "
        "None in sys.modules); "
        "embedding with PyTorch"
    ]
    pixels = runtime.check_pixels(backbone.identity.preprocess, 3)
    assert np.allclose(runner.features(pixels), torch_features(backbone, "cpu")(pixels))


def test_a_runtime_whose_vectors_differ_is_not_used(monkeypatch, caplog):
    def wrong(backbone, name):
        return lambda pixels: np.eye(len(pixels), backbone.dim, dtype=np.float32)

    monkeypatch.setattr(runtime, "_runtime_features", wrong)
    with caplog.at_level(logging.WARNING, logger="labeldesk.ml.runtime"):
        runner = load_runner(tiny_backbone(), "cpu", "openvino")
    assert runner.name == "torch"
    assert "differ from PyTorch" in caplog.text


def test_an_export_failure_falls_back_and_leaves_no_file(monkeypatch, runtime_cache):
    def broken(backbone, target):
        target.write_bytes(b"half a graph")
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(onnx_export, "_export", broken)
    assert load_runner(tiny_backbone(), "cpu", "onnx").name == "torch"
    assert not list(runtime_cache.glob("*.onnx")) and not list(runtime_cache.glob(".tmp-*"))


def test_export_is_cached_by_model_identity(monkeypatch, runtime_cache):
    backbone = tiny_backbone()
    assert load_runner(backbone, "cpu", "openvino").name == "openvino"
    files = list(runtime_cache.glob("*.onnx"))
    assert [f.name for f in files] == [onnx_export.onnx_path(backbone).name]
    assert backbone.identity.key in files[0].name

    def no_second_export(backbone, target):
        raise AssertionError("exported twice")

    monkeypatch.setattr(onnx_export, "_export", no_second_export)
    assert load_runner(backbone, "cpu", "onnx").name == "onnx"  # same file, other runtime


def test_embed_cli_runtime_choice_gives_the_same_vectors(tmp_path, photo_root, capsys):
    import json

    from labeldesk.cli import main
    from labeldesk.core.project import open_project
    from labeldesk.ml.store import project_vectors

    vectors = {}
    for name in ("torch", "onnx", "openvino"):
        proj = tmp_path / f"p-{name}"
        assert main(["new", str(proj), "--images", str(photo_root), "--json"]) == 0
        capsys.readouterr()
        assert main(["embed", str(proj), "--runtime", name, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["runtime"] == name and report["embedded"] == len(PHOTOS)
        with open_project(proj) as project:
            found = project_vectors(project)
            vectors[name] = dict(zip(found.paths, found.vectors, strict=True))
    for name in ("onnx", "openvino"):
        cosine = [float(np.dot(vectors[name][p], v)) for p, v in vectors["torch"].items()]
        assert np.mean(cosine) >= 0.999
    assert main(["embed", str(tmp_path / "p-torch"), "--runtime", "tensorrt"]) == 2


def test_a_checkpoint_like_finetune_writes_gets_its_own_export(tmp_path, runtime_cache):
    """A fine-tuned backbone is a checkpoint with new weights: new identity, new graph,
    still PyTorch's vectors (exported on first use, as finetune's re-embed does)."""
    import timm
    import torch
    from safetensors.torch import save_file

    from labeldesk.ml.backbones import load_backbone

    torch.manual_seed(0)
    paths = []
    for i in range(2):
        model = timm.create_model("test_efficientnet", pretrained=False, num_classes=3)
        path = tmp_path / f"tuned{i}.safetensors"
        state = {k: v.contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(path), metadata={"architecture": "test_efficientnet"})
        paths.append(path)
    tuned = [load_backbone(str(p)) for p in paths]
    assert tuned[0].identity.key != tuned[1].identity.key
    pixels = runtime.check_pixels(tuned[0].identity.preprocess, 4)
    for backbone in tuned:
        runner = load_runner(backbone, "cpu", "auto")
        assert runner.name == "openvino"
        cosine = np.sum(runner.features(pixels) * torch_features(backbone, "cpu")(pixels), axis=1)
        assert cosine.min() >= 0.999
    assert sorted(f.name for f in runtime_cache.glob("*.onnx")) == sorted(
        onnx_export.onnx_path(b).name for b in tuned
    )


@pytest.mark.parametrize("name", ["openvino", "onnx"])
def test_a_damaged_cached_graph_is_exported_again(name, runtime_cache):
    backbone = tiny_backbone()
    path = onnx_export.onnx_path(backbone)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x08\x07 not a graph")  # a truncated or foreign file
    runner = load_runner(backbone, "cpu", name)
    assert runner.name == name
    assert path.stat().st_size > 1000
    pixels = runtime.check_pixels(backbone.identity.preprocess, 3)
    assert np.allclose(runner.features(pixels), torch_features(backbone, "cpu")(pixels), atol=1e-5)


def test_pytorch_check_vectors_are_computed_once_per_model(monkeypatch, runtime_cache):
    """Each load of OpenVINO compared it with PyTorch on a check batch, running the
    model's first PyTorch forward every time (0.9 s of CPU of the 1.2 s that preparing
    OpenVINO took for the default backbone); PyTorch's vectors are now kept per model."""
    backbone = tiny_backbone()
    assert load_runner(backbone, "cpu", "openvino").name == "openvino"
    kept = runtime.reference_path(backbone)
    assert kept.is_file() and backbone.identity.key in kept.name
    pixels = runtime.check_pixels(backbone.identity.preprocess)
    assert np.allclose(np.load(kept), torch_features(backbone, "cpu")(pixels), atol=1e-6)

    def no_pytorch(backbone, device):
        raise AssertionError("PyTorch ran again")

    monkeypatch.setattr(runtime, "torch_features", no_pytorch)
    assert load_runner(backbone, "cpu", "openvino").name == "openvino"


def test_kept_check_vectors_still_refuse_a_runtime_that_differs(monkeypatch, caplog):
    backbone = tiny_backbone()
    monkeypatch.setenv("LABELDESK_CPU_PRECISION", "f32")
    assert load_runner(backbone, "cpu", "openvino").name == "openvino"  # kept now

    def wrong(backbone, name):
        return lambda pixels: np.eye(len(pixels), backbone.dim, dtype=np.float32)

    monkeypatch.setattr(runtime, "_runtime_features", wrong)
    with caplog.at_level(logging.WARNING, logger="labeldesk.ml.runtime"):
        assert load_runner(backbone, "cpu", "openvino").name == "torch"
    assert "differ from PyTorch" in caplog.text


@pytest.mark.parametrize(
    "content", [b"\x93NUMPY garbage", b"", None], ids=["damaged", "empty", "wrong-shape"]
)
def test_damaged_kept_check_vectors_are_computed_again(content, caplog):
    backbone = tiny_backbone()
    kept = runtime.reference_path(backbone)
    kept.parent.mkdir(parents=True)
    if content is None:
        np.save(kept, np.ones((5, backbone.dim), np.float32))
    else:
        kept.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="labeldesk.ml.cachefiles"):
        assert load_runner(backbone, "cpu", "openvino").name == "openvino"
    assert "cannot be used" in caplog.text
    pixels = runtime.check_pixels(backbone.identity.preprocess)
    assert np.allclose(np.load(kept), torch_features(backbone, "cpu")(pixels), atol=1e-6)


def test_unused_check_vectors_of_the_same_model_are_removed(runtime_cache):
    """Each PyTorch upgrade (or new check batch) kept one more file of check vectors per
    model beside its exported graph, and none was ever removed. Writing a model's new
    one removes its others that no load has read for REFERENCE_UNUSED_DAYS, and nothing
    else: not another model's, nor a file of another name."""
    backbone = tiny_backbone()
    key = backbone.identity.key
    runtime_cache.mkdir()
    unused = [f"{key}-check0-torch2.0.0.npy", f"{key}-check1-torch1.13.1_cpu.npy"]
    others = [
        "other-0123456789-check1-torch1.13.1.npy",  # another model's
        f"{key}-check1-torch1.13.1.npy.bak",  # a person's copy
        f"{key}-notes.npy",
        f"x{key}-check1-torch1.13.1.npy",
    ]
    long_ago = time.time() - (runtime.REFERENCE_UNUSED_DAYS + 1) * 86400
    for name in unused + others:
        with open(runtime_cache / name, "wb") as f:
            np.save(f, np.ones((2, backbone.dim), np.float32), allow_pickle=False)
        os.utime(runtime_cache / name, (long_ago, long_ago))
    (runtime_cache / f"{key}-check1-torch0.1.npy").mkdir()  # a folder: not LabelDesk's file

    assert load_runner(backbone, "cpu", "openvino").name == "openvino"
    kept = runtime.reference_path(backbone)
    left = sorted(p.name for p in runtime_cache.iterdir() if ".npy" in p.name)
    assert left == sorted([kept.name, *others, f"{key}-check1-torch0.1.npy"])


def test_two_pytorch_versions_sharing_the_model_cache_keep_their_check_vectors(
    monkeypatch, runtime_cache
):
    """Two virtual environments with different PyTorch versions sharing one model cache
    removed each other's check vectors, so each run computed its own again: both stay."""
    import torch

    backbone = tiny_backbone()
    ran: list[str] = []
    real = runtime.torch_features

    def counted(backbone, device):
        ran.append(torch.__version__)
        return real(backbone, device)

    monkeypatch.setattr(runtime, "torch_features", counted)
    pixels = runtime.check_pixels(backbone.identity.preprocess)
    for version in ("2.4.1+cpu", "2.9.0", "2.4.1+cpu", "2.9.0"):
        monkeypatch.setattr(torch, "__version__", version)
        runtime.torch_reference(backbone, pixels)
    assert ran == ["2.4.1+cpu", "2.9.0"]  # each computed once, then read back
    names = sorted(p.name for p in runtime_cache.glob("*-check*.npy"))
    key = backbone.identity.key
    check = runtime.CHECK_VERSION
    assert names == [f"{key}-check{check}-torch2.4.1_cpu.npy", f"{key}-check{check}-torch2.9.0.npy"]


def test_a_models_kept_check_vectors_stay_bounded(monkeypatch, runtime_cache):
    """Beyond MAX_REFERENCES per model, the least recently read go (a read refreshes a
    file's time once a day at most)."""
    import torch

    backbone = tiny_backbone()
    key = backbone.identity.key
    runtime_cache.mkdir()
    pixels = runtime.check_pixels(backbone.identity.preprocess)
    vectors = torch_features(backbone, "cpu")(pixels)
    now = time.time()
    count = runtime.MAX_REFERENCES + 2
    for age in range(count):  # torch1.0 read 10 days ago, torch1.1 20 days ago, ...
        path = runtime_cache / f"{key}-check{runtime.CHECK_VERSION}-torch1.{age}.npy"
        with open(path, "wb") as f:
            np.save(f, vectors, allow_pickle=False)
        os.utime(path, (now - 10 * 86400 * (age + 1),) * 2)
    monkeypatch.setattr(torch, "__version__", "1.5")  # read, not written: nothing removed
    assert np.array_equal(runtime.torch_reference(backbone, pixels), vectors)
    assert len(list(runtime_cache.glob("*-check*.npy"))) == count
    assert runtime.reference_path(backbone).stat().st_mtime > now - 60  # marked as read

    monkeypatch.setattr(torch, "__version__", "3.0")
    runtime.torch_reference(backbone, pixels)
    left = sorted(p.name.split("-torch")[1] for p in runtime_cache.glob("*-check*.npy"))
    assert left == ["1.0.npy", "1.1.npy", "1.5.npy", "3.0.npy"]


def test_a_full_model_cache_is_named_as_such(monkeypatch, caplog, tmp_path):
    """The model cache on a full disk (a real 20 MB tmpfs): exporting the graph failed,
    embedding went on with PyTorch, and the line said "OSError: [Errno 28] No space left
    on device: '…/.tmp-17859-7b208387-…-efficientnet_lite0-….onnx'". It names the cache
    folder and what to do."""
    import errno

    tmp = tmp_path / ".tmp-17859-7b208387-1402-model-v1.onnx"

    def full(backbone, name):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    monkeypatch.setattr(runtime, "_mixed_runner", lambda backbone: None)
    monkeypatch.setattr(runtime, "_runtime_features", full)
    with caplog.at_level(logging.WARNING, logger="labeldesk.ml.runtime"):
        assert load_runner(tiny_backbone(), "cpu", "openvino").name == "torch"
    said = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
    assert said == [
        f"openvino unavailable (no space left on the disk: {tmp_path} (writing model-v1.onnx "
        "there); free some space and run the command again (what was saved before is "
        "safe)); embedding with PyTorch"
    ]
