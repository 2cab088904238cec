"""Which engine runs the backbone for embedding: OpenVINO on the CPU, PyTorch elsewhere.

PyTorch eager is a poor CPU inference engine for EfficientNet (depthwise convolutions);
an inference runtime on the same exported graph gives the same vectors several times
faster. Measured on this project's 2-core machine, default backbone at 224 px, each set
in one run: with other jobs running, batch 32, one request at a time, PyTorch eager
(channels_last) 11.6 img/s, ONNX Runtime 1.32 32-35, OpenVINO 2026.4 at f32 59-66 (mean
cosine to PyTorch 1.0000 for both runtimes); OpenVINO with the batch split over its two
streams 115-125 img/s. On a quieter machine (benchmarks/bench_embed.py): PyTorch eager
50-60 img/s at its best batch (16), OpenVINO 120-187 img/s. OpenVINO's default precision
on CPUs with bf16 ran 1.6x faster again but its vectors drifted (mean cosine 0.9974), so
the whole model never runs at bf16: on such CPUs the first blocks run at f32 and the rest
at bf16 (:mod:`.ov_mixed`, checked against PyTorch like any engine), elsewhere all at
f32, so the model identity, and every stored vector, stays valid whichever engine made it.

``auto`` means OpenVINO on the CPU, PyTorch on CUDA and MPS (and always for training).
Whatever fails on the way (a missing package, an op the exporter or runtime lacks,
vectors that do not match PyTorch's on a check batch) logs one line and falls back to
PyTorch: a slower embed, never a failed one. PyTorch's vectors of the check batch are
computed once per model and PyTorch version and kept beside its exported graph
(:func:`torch_reference`); the runtime's are computed and compared at every load.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from labeldesk.core.errors import LabelDeskError

from . import model_cache, ov_cache, ov_mixed
from .backbones import Backbone, Preprocess
from .cachefiles import read_arrays, rows_of, write_atomically

log = logging.getLogger(__name__)

# ``import openvino`` starts Intel's usage telemetry (a client id in ~/intel, events sent
# online); an offline tool does neither. Blocked, openvino falls back to its no-op stub.
sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]

RUNTIMES = ("auto", "torch", "openvino", "onnx")
MIN_COSINE = 0.999  # a runtime whose vectors differ more than this is not used
CHECK_VERSION = 1  # bump when check_pixels changes: PyTorch's kept vectors of it go stale
# PyTorch's kept check vectors of a model (one file per PyTorch version: two virtual
# environments may share the model cache) go once unread this long, or beyond this many
REFERENCE_UNUSED_DAYS = 60
MAX_REFERENCES = 4
USED_MARK_S = 24 * 3600  # a read refreshes a kept file's time at most this often
CPU_RUNTIME = "openvino"
TORCH_PRECISION = {"cuda": "f16 autocast"}  # what a run reports: torch_features' autocast
RUNTIME_BATCH = 64  # split over the streams: 32 per request ran fastest here (16: -9%)

Features = Callable[[np.ndarray], np.ndarray]  # uint8 (N, H, W, 3) -> unit float32 (N, dim)


@dataclass
class Runner:
    """A loaded engine: ``features(pixels)`` and which engine it is."""

    name: str
    features: Features
    precision: str = "f32"  # OpenVINO on CPUs with native bf16: "f32+bf16" (ov_mixed)


def resolve_runtime(requested: str, device: str) -> str:
    """The engine to try for ``requested`` on ``device`` (already resolved)."""
    if requested not in RUNTIMES:
        raise LabelDeskError(f"unknown runtime {requested!r}; use one of {', '.join(RUNTIMES)}")
    if requested == "auto":
        return CPU_RUNTIME if device == "cpu" else "torch"
    if requested != "torch" and device != "cpu":
        raise LabelDeskError(f"--runtime {requested} runs on the CPU only (use --device cpu)")
    return requested


def load_runner(backbone: Backbone, device: str, requested: str = "auto") -> Runner:
    """The engine for ``requested`` (see :func:`resolve_runtime`), PyTorch if it fails."""
    name = resolve_runtime(requested, device)
    ov_mixed.wanted_precision()  # a bad LABELDESK_CPU_PRECISION fails here, clearly
    if name != "torch":
        try:
            mixed = _mixed_runner(backbone) if name == "openvino" else None
            if mixed is not None:
                return mixed
            features = _runtime_features(backbone, name)
            _check_against_torch(backbone, features)
            return Runner(name, features)
        except Exception as exc:
            log.warning("%s unavailable (%s); embedding with PyTorch", name, _why(exc))
    return Runner("torch", torch_features(backbone, device), TORCH_PRECISION.get(device, "f32"))


def _why(exc: Exception) -> str:
    """Why a runtime could not be used: a full or read-only model cache in plain words
    (which disk: a full one said "OSError: [Errno 28] …: '…/.tmp-…-….onnx'"), anything
    else as its type and text."""
    from labeldesk.core.failures import describe

    expected = describe(exc) if isinstance(exc, OSError) else None
    return expected[0] if expected else f"{type(exc).__name__}: {exc}"


def _mixed_runner(backbone: Backbone) -> Runner | None:
    """OpenVINO with the first blocks at f32 and the rest at bf16 (:mod:`.ov_mixed`), where
    the CPU has native bf16; None (so f32) where it is not wanted, the graph cannot be
    cut, or its vectors do not match PyTorch's on the check batch."""
    import openvino

    core = openvino.Core()
    if not ov_mixed.use_mixed(core):
        return None
    try:
        features = _from_graph(
            backbone, lambda path: ov_mixed.mixed_features(core, path, backbone.dim)
        )
        if features is None:
            return None
        _check_against_torch(backbone, features)
    except Exception as exc:
        log.info(
            "OpenVINO %s not used (%s: %s); f32", ov_mixed.MIXED_LABEL, type(exc).__name__, exc
        )
        return None
    return Runner("openvino", features, ov_mixed.MIXED_LABEL)


def torch_features(backbone: Backbone, device: str) -> Features:
    """PyTorch eager, channels_last; float16 autocast on CUDA."""
    import torch

    from .preprocess import to_tensor

    net = backbone.model.to(device, memory_format=torch.channels_last).eval()
    pre = backbone.identity.preprocess

    def features(pixels: np.ndarray) -> np.ndarray:
        autocast = (
            torch.autocast("cuda", dtype=torch.float16) if device == "cuda" else _NullContext()
        )
        with torch.inference_mode(), autocast:
            feats = net(to_tensor(pixels, pre, device))
            return torch.nn.functional.normalize(feats.float(), dim=1).cpu().numpy()

    return features


def _runtime_features(backbone: Backbone, name: str) -> Features:
    if name == "openvino":
        import openvino

        compiled = _from_graph(
            backbone,
            lambda path: ov_cache.compile_cpu(
                openvino.Core(),
                str(path),
                {"PERFORMANCE_HINT": "THROUGHPUT", "INFERENCE_PRECISION_HINT": "f32"},
                path.stem,
            ),
        )
        return queued_features(compiled, backbone.dim)
    import onnxruntime

    session = _from_graph(
        backbone,
        lambda path: onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]),
    )

    def ort_features(pixels: np.ndarray) -> np.ndarray:
        out = session.run(None, {"pixels": np.ascontiguousarray(pixels)})[0]
        return np.asarray(out, dtype=np.float32)

    return ort_features


def queued_features(compiled: Any, dim: int) -> Features:
    """Features from an OpenVINO compiled model, each batch split across its requests.

    The throughput hint makes one stream per core or two; one request at a time would
    leave all but one idle, so each batch is split across parallel requests."""
    import openvino

    streams = max(1, int(compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
    queue = openvino.AsyncInferQueue(compiled, streams)

    def ov_features(pixels: np.ndarray) -> np.ndarray:
        out = np.empty((len(pixels), dim), np.float32)
        step = max(1, -(-len(pixels) // streams))

        def done(request: Any, start: int) -> None:
            out[start : start + step] = request.get_output_tensor(0).data

        queue.set_callback(done)
        for start in range(0, len(pixels), step):
            queue.start_async([np.ascontiguousarray(pixels[start : start + step])], start)
        queue.wait_all()
        return out

    return ov_features


def _from_graph(backbone: Backbone, load: Callable[[Path], Any]) -> Any:
    """``load`` of the backbone's exported graph; a cached graph that will not load
    (truncated, damaged, or removed by another process's clean-up of the model cache as
    this one was reading it: :mod:`.model_cache`) is exported again once rather than
    slowing every later run, or failing this one."""
    from .onnx_export import exported_onnx, onnx_path

    model_cache.use_graph(onnx_path(backbone))  # marked before it is read
    cached = onnx_path(backbone).is_file()
    try:
        return load(exported_onnx(backbone))
    except Exception as exc:
        if not cached:
            raise
        log.info(
            "exporting %s again: the cached graph did not load (%s)", backbone.identity.name, exc
        )
        onnx_path(backbone).unlink(missing_ok=True)
        model_cache.mark_used(model_cache.graph_mark(onnx_path(backbone)))  # (if removed too)
        return load(exported_onnx(backbone))


def check_pixels(pre: Preprocess, n: int = 2) -> np.ndarray:
    """A deterministic uint8 batch with structure at several scales (gradients, stripes)."""
    size = pre.size
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    images = []
    for i in range(n):
        r = 127.5 + 127.5 * np.sin((i + 2) * 6.0 * x + 3.0 * y)
        g = 255.0 * ((x + y * (i + 1)) % 1.0)
        b = 127.5 + 127.5 * np.cos(20.0 * (x - 0.5) * (y - 0.5) * (i + 1))
        images.append(np.stack([r, g, b], axis=-1))
    return np.clip(np.stack(images), 0, 255).astype(np.uint8)


def _check_against_torch(backbone: Backbone, features: Features) -> None:
    """Refuse a runtime whose vectors would not be interchangeable with PyTorch's."""
    pixels = check_pixels(backbone.identity.preprocess)
    ours = features(pixels)
    theirs = torch_reference(backbone, pixels)
    cosine = float(np.min(np.sum(ours * theirs, axis=1)))
    if ours.shape != theirs.shape or cosine < MIN_COSINE:
        raise RuntimeError(f"its vectors differ from PyTorch's (cosine {cosine:.4f})")


def reference_path(backbone: Backbone) -> Path:
    """Where PyTorch's vectors of the check batch are kept: beside the exported graphs,
    named by the model identity, the check batch's version and PyTorch's version."""
    import torch

    from .onnx_export import cache_dir

    version = re.sub(r"[^0-9A-Za-z.]+", "_", torch.__version__)
    return cache_dir() / f"{backbone.identity.key}-check{CHECK_VERSION}-torch{version}.npy"


def torch_reference(backbone: Backbone, pixels: np.ndarray) -> np.ndarray:
    """PyTorch's vectors of the check batch ``pixels`` (:func:`check_pixels`), computed
    once per model identity and PyTorch version and kept (:func:`reference_path`).
    Computing them ran the model's first PyTorch forward in every `labeldesk embed` on
    the CPU: 0.9 s of CPU of the 1.2 s that preparing OpenVINO took (2 cores, default
    backbone), for two images. The runtime's own vectors are still computed and compared
    at each load; a kept file that does not read as (images, dim) finite floats is
    computed again."""
    path = reference_path(backbone)

    def check(arrays: dict[str, np.ndarray]) -> str | None:
        return rows_of(arrays["vectors"], len(pixels), backbone.dim, "f")

    found = read_arrays(path, ["vectors"], check)
    if found is not None:
        _mark_used(path)
        return found["vectors"].astype(np.float32, copy=False)
    vectors = torch_features(backbone, "cpu")(pixels)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.save(f, vectors, allow_pickle=False)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, write)
    except OSError as exc:  # a read-only cache: computed again at the next load
        log.info("PyTorch's check vectors not kept (%s)", exc)
        return vectors
    _remove_unused_references(path, backbone.identity.key)
    return vectors


def _mark_used(path: Path) -> None:
    """Record that the kept check vectors ``path`` were read now (their modification
    time, at most once a day: :func:`_remove_unused_references` goes by it)."""
    try:
        if time.time() - path.stat().st_mtime > USED_MARK_S:
            os.utime(path)
    except OSError:  # a read-only cache: it is never cleaned up either
        pass


def _remove_unused_references(kept: Path, key: str) -> None:
    """Remove the check vectors LabelDesk kept for the same model as ``kept`` under
    other names (another check batch version or PyTorch version: :func:`reference_path`'s
    names) that no load has read for :data:`REFERENCE_UNUSED_DAYS` days, and beyond
    :data:`MAX_REFERENCES` per model the least recently read: one file per PyTorch
    upgrade otherwise piled up. Two PyTorch versions in use side by side (two virtual
    environments sharing the model cache) each keep theirs: removing the other's made
    each run compute its own again. Only regular files named exactly so; one that
    cannot be removed is left."""
    own = re.compile(re.escape(key) + r"-check[0-9]+-torch[0-9A-Za-z._]+\.npy")
    try:
        names = os.listdir(kept.parent)
    except OSError:
        return
    others: list[tuple[float, Path]] = []
    for name in names:
        if name == kept.name or not own.fullmatch(name):
            continue
        try:
            info = (kept.parent / name).lstat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            others.append((info.st_mtime, kept.parent / name))
    others.sort(reverse=True)  # most recently used first
    oldest = time.time() - REFERENCE_UNUSED_DAYS * 86400
    for rank, (used, older) in enumerate(others, start=1):
        if rank < MAX_REFERENCES and used >= oldest:
            continue  # one of the MAX_REFERENCES kept (``kept`` is one of them)
        try:
            older.unlink()
        except OSError as exc:  # gone already, or a read-only folder
            log.debug("older check vectors %s not removed (%s)", older, exc)


class _NullContext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
