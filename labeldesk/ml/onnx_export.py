"""Exporting a backbone to ONNX once, for the CPU inference runtimes (:mod:`.runtime`).

The exported graph takes what the decoder produces, uint8 pixels (N, H, W, 3), and
returns unit-length float32 features: scaling, normalisation and the final L2 norm run
inside the runtime too, so nothing but decoding is left to Python. The file is cached by
the model identity (weights hash and preprocessing): a fine-tuned backbone gets its own
file the first time it is used, and a changed one never reuses a stale graph.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from .backbones import Backbone, Preprocess
from .cachefiles import write_atomically

EXPORT_VERSION = 1  # bump when the exported graph changes
OPSET = 17


def cache_dir() -> Path:
    """LABELDESK_RUNTIME_CACHE, else the user's cache folder (shared by all projects)."""
    override = os.environ.get("LABELDESK_RUNTIME_CACHE")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("labeldesk")) / "runtime"


def onnx_path(backbone: Backbone) -> Path:
    return cache_dir() / f"{backbone.identity.key}-v{EXPORT_VERSION}.onnx"


def exported_onnx(backbone: Backbone) -> Path:
    """The backbone's ONNX file, exported now if it is not cached yet (written atomically,
    so two processes exporting at once both end with a whole file)."""
    path = onnx_path(backbone)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: _export(backbone, tmp))
    return path


def pixel_model(backbone: Backbone) -> Any:
    """A torch module: uint8 NHWC pixels -> unit-length features, as embed computes them."""
    import torch

    class PixelModel(torch.nn.Module):
        def __init__(self, net: Any, pre: Preprocess) -> None:
            super().__init__()
            self.net = net
            std = torch.tensor(pre.std).view(1, 3, 1, 1)
            mean = torch.tensor(pre.mean).view(1, 3, 1, 1)
            self.register_buffer("scale", 1.0 / (255.0 * std))
            self.register_buffer("shift", -mean / std)

        def forward(self, pixels: Any) -> Any:
            x = pixels.permute(0, 3, 1, 2).float() * self.scale + self.shift
            return torch.nn.functional.normalize(self.net(x), dim=1)

    return PixelModel(backbone.model, backbone.identity.preprocess).eval()


def _export(backbone: Backbone, target: Path) -> None:
    import torch

    size = backbone.identity.preprocess.size
    model = pixel_model(backbone).to("cpu")
    example = torch.zeros((2, size, size, 3), dtype=torch.uint8)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        torch.onnx.export(
            model,
            (example,),
            str(target),
            dynamo=False,  # the dynamo exporter needs onnxscript; this one needs nothing
            input_names=["pixels"],
            output_names=["features"],
            dynamic_axes={"pixels": {0: "batch"}, "features": {0: "batch"}},
            opset_version=OPSET,
        )
