"""OpenVINO's mixed engine (first blocks f32, the rest bf16): the cut is exact, the vectors
stay PyTorch's, and anything wrong with it leaves OpenVINO at f32, never worse."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.core.errors import LabelDeskError
from labeldesk.ml import onnx_export, ov_mixed, runtime
from labeldesk.ml.runtime import load_runner, torch_features

from .tiny_backbone import tiny_backbone


@pytest.fixture(autouse=True)
def runtime_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELDESK_RUNTIME_CACHE", str(tmp_path / "runtime-cache"))
    monkeypatch.delenv(ov_mixed.PRECISION_ENV, raising=False)


@pytest.fixture(scope="module")
def small_efficientnet(tmp_path_factory):
    """timm's test_efficientnet saved as a checkpoint: the default backbone's op names in
    a model small enough to export in a second."""
    import timm
    import torch
    from safetensors.torch import save_file

    from labeldesk.ml.backbones import load_backbone

    torch.manual_seed(0)
    model = timm.create_model("test_efficientnet", pretrained=False, num_classes=3)
    path = tmp_path_factory.mktemp("ckpt") / "small.safetensors"
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"architecture": "test_efficientnet"})
    return load_backbone(str(path))


@pytest.mark.parametrize("until", [ov_mixed.F32_UNTIL, "1.0", "0"])
def test_head_then_tail_at_f32_is_the_whole_graph(small_efficientnet, until):
    import openvino

    core = openvino.Core()
    path = onnx_export.exported_onnx(small_efficientnet)
    head, tail = ov_mixed.split_graph(core, path, until)
    pixels = runtime.check_pixels(small_efficientnet.identity.preprocess, 3)
    f32 = {"INFERENCE_PRECISION_HINT": "f32"}
    middle = core.compile_model(head, "CPU", f32)(pixels)[0]
    assert middle.ndim == 4 and middle.shape[0] == 3  # a block's feature map, not features
    assert middle.shape[1:] != (small_efficientnet.dim,)
    parts = core.compile_model(tail, "CPU", f32)(middle)[0]
    whole = core.compile_model(str(path), "CPU", f32)(pixels)[0]
    assert parts.shape == whole.shape == (3, small_efficientnet.dim)
    assert np.allclose(parts, whole, atol=1e-5)


def test_a_cut_at_a_block_the_graph_lacks_is_refused(small_efficientnet):
    import openvino

    path = onnx_export.exported_onnx(small_efficientnet)
    assert ov_mixed.split_graph(openvino.Core(), path, "99") is None
    assert ov_mixed.split_graph(openvino.Core(), path, "1.9") is None


def test_mixed_vectors_match_pytorch(small_efficientnet, monkeypatch):
    monkeypatch.setenv(ov_mixed.PRECISION_ENV, "mixed")
    runner = load_runner(small_efficientnet, "cpu", "auto")
    assert (runner.name, runner.precision) == ("openvino", ov_mixed.MIXED_LABEL)
    pixels = runtime.check_pixels(small_efficientnet.identity.preprocess, 4)
    ours = runner.features(pixels)
    cosine = np.sum(ours * torch_features(small_efficientnet, "cpu")(pixels), axis=1)
    assert cosine.min() >= runtime.MIN_COSINE
    assert np.allclose(runner.features(pixels[:1]), ours[:1], atol=1e-6)  # batch-independent


def test_f32_is_kept_when_asked_and_where_the_graph_has_no_blocks(small_efficientnet, monkeypatch):
    monkeypatch.setenv(ov_mixed.PRECISION_ENV, "f32")
    assert load_runner(small_efficientnet, "cpu", "auto").precision == "f32"
    monkeypatch.setenv(ov_mixed.PRECISION_ENV, "mixed")
    runner = load_runner(tiny_backbone(), "cpu", "auto")  # pooling only: nothing to cut
    assert (runner.name, runner.precision) == ("openvino", "f32")


def test_a_mixed_engine_that_drifts_falls_back_to_openvino_f32(small_efficientnet, monkeypatch):
    monkeypatch.setenv(ov_mixed.PRECISION_ENV, "mixed")

    def drifting(core, path, dim):
        return lambda pixels: np.eye(len(pixels), dim, dtype=np.float32)

    monkeypatch.setattr(ov_mixed, "mixed_features", drifting)
    runner = load_runner(small_efficientnet, "cpu", "auto")
    assert (runner.name, runner.precision) == ("openvino", "f32")
    pixels = runtime.check_pixels(small_efficientnet.identity.preprocess, 2)
    cosine = np.sum(runner.features(pixels) * torch_features(small_efficientnet, "cpu")(pixels), 1)
    assert cosine.min() >= 0.9999


def test_a_bad_precision_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(ov_mixed.PRECISION_ENV, "int4")
    with pytest.raises(LabelDeskError, match="LABELDESK_CPU_PRECISION='int4'"):
        load_runner(tiny_backbone(), "cpu", "auto")
