"""(Research) OpenVINO int8 for embedding: how fast, and how close to f32's vectors?

Post-training int8 quantization (NNCF) of the default backbone's exported graph,
calibrated on a few hundred images, in several variants:
- ``all``: every op NNCF quantizes;
- ``late``: the stem and blocks 0-1 kept at f32 (as labeldesk/ml/ov_mixed.py keeps them
  for bf16);
- ``late-pw``: the same, and the depthwise convolutions kept at f32 too.
Each is calibrated on Fashion-MNIST test images (``fm``) or on crops of scikit-image's
photographs (``ph``), 96 or 300 of them, and checked against OpenVINO f32 on other
images of both kinds. Throughput is measured in the same run, batch 64, 2 requests,
with f32 and the mixed f32+bf16 engine as the baselines.

LabelDesk's vectors from any engine must stay within mean cosine 0.999 of PyTorch's
(issue 13), so that stored vectors and the model identity stay valid. This benchmark
asks whether int8 can keep to that.

Result (2 shared cores, one run): int8 is 1.6-1.8x the mixed engine's speed, 2.1-2.3x
f32's (285-320 img/s against 181 and 137), but no variant comes near 0.999. Whole-model
int8 reaches 0.97 on Fashion-MNIST. ``late`` reaches 0.996 on the kind it was calibrated
on and 0.83-0.87 on photos when calibrated on Fashion-MNIST. ``late-pw`` reaches 0.995-0.997
on both kinds whatever the calibration, with per-image minima of 0.989. So LabelDesk does
not embed at int8. (The output's L2 normalisation is itself quantized: its vectors are
not unit length, and an unnormalised dot product overstated the cosine as 0.9995.)

Needs NNCF, which LabelDesk does not install: ``pip install nncf``.

    python benchmarks/bench_int8.py               # ~3 min on 2 cores
"""

from __future__ import annotations

import gzip
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]  # offline

FMNIST = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
SIZE = 224


def fashion(n: int, offset: int) -> np.ndarray:
    with gzip.open(FMNIST) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    return np.stack(
        [
            np.asarray(Image.fromarray(a).resize((SIZE, SIZE), Image.BILINEAR).convert("RGB"))
            for a in images[offset : offset + n]
        ]
    )


def photo_crops(n: int, seed: int) -> np.ndarray:
    from skimage import data

    photos = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket()]
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        photo = photos[i % len(photos)]
        h, w = photo.shape[:2]
        side = int(rng.integers(64, min(h, w)))
        y, x = int(rng.integers(0, h - side)), int(rng.integers(0, w - side))
        crop = Image.fromarray(photo[y : y + side, x : x + side, :3])
        out.append(np.asarray(crop.resize((SIZE, SIZE), Image.BILINEAR)))
    return np.stack(out)


def quantize(core, graph: Path, calibration: np.ndarray, variant: str):
    import logging

    import nncf

    logging.getLogger("nncf").setLevel(logging.ERROR)
    kwargs = {}
    if variant != "all":
        patterns = [r".*/conv_stem/.*", r".*/blocks\.0/.*", r".*/blocks\.1/.*"]
        types = ["GroupConvolution"] if variant == "late-pw" else []
        kwargs["ignored_scope"] = nncf.IgnoredScope(patterns=patterns, types=types, validate=False)
    batches = [calibration[i : i + 8] for i in range(0, len(calibration), 8)]
    return nncf.quantize(
        core.read_model(str(graph)),
        nncf.Dataset(batches),
        subset_size=len(calibration),
        fast_bias_correction=True,
        **kwargs,
    )


def vectors(features, pixels: np.ndarray) -> np.ndarray:
    """Unit vectors: the graph normalises its output, but at int8 that step may be off."""
    out = np.concatenate([features(pixels[i : i + 64]) for i in range(0, len(pixels), 64)])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def rate(features, pixels: np.ndarray, seconds: float = 4.0) -> float:
    features(pixels)
    began, done = time.perf_counter(), 0
    while time.perf_counter() - began < seconds:
        features(pixels)
        done += len(pixels)
    return done / (time.perf_counter() - began)


def main() -> None:
    try:
        import nncf  # noqa: F401
    except ImportError:
        sys.exit("bench_int8 needs NNCF: pip install nncf")
    import openvino

    from labeldesk.ml import ov_mixed
    from labeldesk.ml.backbones import load_backbone
    from labeldesk.ml.onnx_export import exported_onnx
    from labeldesk.ml.runtime import queued_features

    backbone = load_backbone()
    graph = exported_onnx(backbone)
    core = openvino.Core()
    f32 = queued_features(
        core.compile_model(
            str(graph), "CPU", {"PERFORMANCE_HINT": "THROUGHPUT", "INFERENCE_PRECISION_HINT": "f32"}
        ),
        backbone.dim,
    )
    calibration = {"fm": fashion(300, 0), "ph": photo_crops(300, 1)}
    test = {"fm": fashion(256, 5000), "ph": photo_crops(128, 2)}
    reference = {kind: vectors(f32, pixels) for kind, pixels in test.items()}
    batch = test["fm"][:64]
    rates = {"f32": rate(f32, batch)}
    mixed = ov_mixed.mixed_features(core, graph, backbone.dim)
    if mixed is not None:
        rates["f32+bf16"] = rate(mixed, batch)
    print(f"OpenVINO, default backbone at {SIZE} px, batch 64; cosine to OpenVINO f32")
    print(f"{'variant':<9}{'cal':<5}{'n':>4}{'img/s':>8}  {'fm mean':>8}{'fm min':>8}  "
          f"{'ph mean':>8}{'ph min':>8}")  # fmt: skip
    for variant in ("all", "late", "late-pw"):
        for kind in ("fm", "ph"):
            for n in (96, 300):
                if variant == "all" and n == 96:
                    continue
                model = quantize(core, graph, calibration[kind][:n], variant)
                compiled = core.compile_model(model, "CPU", {"PERFORMANCE_HINT": "THROUGHPUT"})
                int8 = queued_features(compiled, backbone.dim)
                cells = []
                for test_kind, pixels in test.items():
                    cos = np.sum(vectors(int8, pixels) * reference[test_kind], axis=1)
                    cells += [f"{cos.mean():8.5f}", f"{cos.min():8.4f}"]
                speed = rate(int8, batch)
                print(f"{variant:<9}{kind:<5}{n:>4}{speed:8.1f}  {''.join(cells[:2])}  "
                      f"{''.join(cells[2:])}", flush=True)  # fmt: skip
    print("baselines: " + ", ".join(f"{k} {v:.1f} img/s" for k, v in rates.items()))


if __name__ == "__main__":
    main()
