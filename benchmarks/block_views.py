"""Mean-pooled outputs of the default backbone's middle blocks, for block_view_research.py.

tf_efficientnet_lite0 runs seven stages of blocks (``blocks[0..6]``: 16, 24, 40, 80, 112,
192 and 320 channels) before its 1x1 head convolution to 1,280 channels and the global
average pool that make LabelDesk's vector. The middle stages see smaller receptive fields
and keep more texture and local shape, which the head's pooled ImageNet features may
blur (a collar, a zip, a sleeve's length). Here each stage's output is averaged over its
spatial grid (global average pooling), computed with the project's own preparation of each
file (labeldesk.ml.preprocess.prepare) and the same graph export as the product
(labeldesk.ml.onnx_export.pixel_model's scaling, run by OpenVINO at f32 as
``labeldesk embed`` on a CPU), in one pass that also returns the final vector, which is
checked against the set's stored vectors (mean cosine >= 0.999) so the blocks belong to
the very images and preprocessing the suite scores. Cached under ``--views``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import embedded_sets
import numpy as np
from embedded_sets import EmbeddedSet

STAGES = tuple(range(2, 7))  # the stages kept: 40, 80, 112, 192, 320 channels
STAGE_DIMS = {2: 40, 3: 80, 4: 112, 5: 192, 6: 320}
VERSION = "blocks-v1"
BATCH = 32


def _block_model(backbone: object) -> object:
    """uint8 NHWC pixels -> (unit final vector, pooled stage 2, ..., pooled stage 6)."""
    import torch

    from labeldesk.ml.onnx_export import pixel_model

    pixels_to_vector = pixel_model(backbone)  # type: ignore[arg-type]

    class BlockModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = pixels_to_vector

        def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, ...]:
            inner, net = self.inner, self.inner.net
            x = pixels.permute(0, 3, 1, 2).float() * inner.scale + inner.shift
            x = net.bn1(net.conv_stem(x))
            pooled = []
            for i, stage in enumerate(net.blocks):
                x = stage(x)
                if i in STAGES:
                    pooled.append(x.mean(dim=(2, 3)))
            final = net.global_pool(net.bn2(net.conv_head(x)))
            return (torch.nn.functional.normalize(final, dim=1), *pooled)

    return BlockModel().eval()


def _compiled(out: Path) -> object:
    import openvino
    import torch

    from labeldesk.ml.backbones import load_backbone

    backbone = load_backbone()
    graph = out / f"lite0-{VERSION}-{backbone.identity.key[:16]}.onnx"
    if not graph.exists():
        out.mkdir(parents=True, exist_ok=True)
        size = backbone.identity.preprocess.size
        example = torch.zeros((2, size, size, 3), dtype=torch.uint8)
        names = ["final", *(f"stage{i}" for i in STAGES)]
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _block_model(backbone), (example,), str(graph), dynamo=False,
                input_names=["pixels"], output_names=names, opset_version=17,
                dynamic_axes={"pixels": {0: "batch"}, **{n: {0: "batch"} for n in names}},
            )  # fmt: skip
    core = openvino.Core()
    config = {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": os.cpu_count() or 1}
    return core.compile_model(str(graph), "CPU", config), backbone.identity.preprocess


def stage_features(name: str, base: EmbeddedSet, cache: Path, out: Path) -> dict[int, np.ndarray]:
    """{stage: (N, channels) mean-pooled output} for every image of the set, in its order."""
    target = out / f"{name}-{VERSION}.npz"
    if not target.exists():
        from labeldesk.ml.preprocess import prepare

        compiled, pre = _compiled(out)
        root = embedded_sets.SAMPLE / "fashion" if name == "sample" else cache / f"{name}-images"
        parts: list[list[np.ndarray]] = [[] for _ in range(len(STAGES) + 1)]
        for start in range(0, len(base.paths), BATCH):
            px = np.stack([prepare(root / p, pre) for p in base.paths[start : start + BATCH]])
            result = compiled([px])  # type: ignore[operator]
            for k, output in enumerate(compiled.outputs):  # type: ignore[attr-defined]
                parts[k].append(np.asarray(result[output], dtype=np.float32))
        final = np.concatenate(parts[0])
        cosine = float(np.mean(np.sum(final * base.vectors, axis=1)))
        if cosine < 0.999:
            raise SystemExit(f"{name}: block pass's vectors differ from the set's ({cosine:.4f})")
        out.mkdir(parents=True, exist_ok=True)
        arrays = {f"stage{i}": np.concatenate(parts[k + 1]) for k, i in enumerate(STAGES)}
        np.savez(target, cosine=np.float64(cosine), **arrays)  # type: ignore[arg-type]
    with np.load(target) as data:
        print(f"  {name}: stages {STAGES} cached, cosine to the set's vectors {data['cosine']:.5f}")
        return {i: data[f"stage{i}"] for i in STAGES}


def standardised_blocks(stages: dict[int, np.ndarray], which: tuple[int, ...]) -> np.ndarray:
    """The chosen stages side by side, each channel centred and scaled to unit variance
    over the set's images (no labels used), then each stage scaled so that it carries the
    same total variance (1) whatever its channel count."""
    parts = []
    for i in which:
        x = stages[i].astype(np.float64)
        x = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-6)
        parts.append(x / np.sqrt(x.shape[1]))
    return np.hstack(parts).astype(np.float32)
