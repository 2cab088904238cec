"""OpenVINO on CPUs with native bf16: the first blocks at f32, everything after at bf16.

bf16 runs EfficientNet about twice as fast as f32 on CPUs with AVX512-BF16/AMX, but a
whole-bf16 model's vectors drift (mean cosine 0.998 to f32 on Fashion-MNIST; issue 13
asks for 0.999 so that vectors from any engine mix). Almost all of that error is made in
the first, high-resolution stages, where the input's 256 grey levels and the small early
activations lose bits: cutting the graph after block 1 and running the stem and blocks 0-1
at f32, the rest at bf16, gave mean cosine 0.9997 (min 0.9994) on 256 Fashion-MNIST
images; cut after the stem alone 0.9982, after block 0 0.9995 (min 0.9987).

An earlier cut runs faster but leaves less margin (``bench_embed.py --precision-check``,
one run, mean cosine to f32 on Fashion-MNIST / 1280x960 JPEGs, model alone against the
cut after block 1): after block 0, 0.9995 / 0.9990 (photos fail), +15 % img/s; after the
first layer of block 1, 0.9996 / 0.9994, +19 %; after block 1, 0.9997 / 0.9996. Images
unlike all of these could take the faster cuts below 0.999, and vectors that stop
matching would be worse than a slower embed, so the cut stays after block 1.

The graph is cut into two compiled models at the end of block ``F32_UNTIL`` (timm's
EfficientNet names its ops ``/net/blocks/blocks.N/blocks.N.M/...``; ``"1"`` is the end of
block 1, ``"1.0"`` of its first layer); each request pair runs head then tail on its
slice of a batch, one pair per stream. A graph without such names, a CPU
without native bf16, or ``LABELDESK_CPU_PRECISION=f32`` keeps the whole model at f32.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from labeldesk.core.errors import LabelDeskError

from .ov_cache import compile_cpu

F32_UNTIL = "1"  # the stem and every block up to the end of this one stay at f32
PRECISION_ENV = "LABELDESK_CPU_PRECISION"
PRECISIONS = ("auto", "f32", "mixed")
MIXED_LABEL = "f32+bf16"

Features = Callable[[np.ndarray], np.ndarray]


def wanted_precision() -> str:
    """``auto`` (mixed where the CPU has native bf16), ``f32`` or ``mixed``, from the
    environment; anything else is a clear error rather than a silent default."""
    value = os.environ.get(PRECISION_ENV, "auto").strip().lower() or "auto"
    if value not in PRECISIONS:
        raise LabelDeskError(f"{PRECISION_ENV}={value!r}: use one of {', '.join(PRECISIONS)}")
    return value


def use_mixed(core: Any) -> bool:
    """Whether to try the mixed-precision engine on this CPU."""
    precision = wanted_precision()
    if precision == "auto":
        return "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    return precision == "mixed"


def split_graph(core: Any, path: Path, until: str = F32_UNTIL) -> tuple[Any, Any] | None:
    """(head, tail) models: pixels -> output of block ``until`` ("1", or a layer: "1.0")
    -> features; None when the graph has no such block or the cut does not separate it in
    two."""
    import openvino

    pattern = re.compile(re.escape(f"/blocks.{until}/"))
    head_graph, tail_graph = core.read_model(str(path)), core.read_model(str(path))
    head_cut, tail_cut = _block_end(head_graph, pattern), _block_end(tail_graph, pattern)
    if head_cut is None or tail_cut is None:
        return None
    head = openvino.Model([head_cut], head_graph.get_parameters(), "labeldesk-head")
    mid = openvino.opset13.parameter(
        tail_cut.get_partial_shape(), tail_cut.get_element_type(), "block_output"
    )
    for consumer in list(tail_cut.get_target_inputs()):
        consumer.replace_source_output(mid.output(0))
    tail = openvino.Model(tail_graph.get_results(), [mid], "labeldesk-tail")
    inputs = [op for op in tail.get_ordered_ops() if op.get_type_name() == "Parameter"]
    if len(inputs) != 1:  # something after the cut still reads the pixels
        return None
    return head, tail


def _block_end(model: Any, pattern: re.Pattern[str]) -> Any | None:
    """The output of the last computing op of the block ``pattern`` names."""
    ops = [
        op
        for op in model.get_ordered_ops()
        if pattern.search(op.get_friendly_name()) and op.get_type_name() != "Constant"
    ]
    return ops[-1].output(0) if ops else None


def mixed_features(
    core: Any, path: Path, dim: int, until: str = F32_UNTIL, name: str = ""
) -> Features | None:
    """The features function of the mixed engine, f32 up to the end of block ``until``;
    None where the graph cannot be cut there. ``name``: the model's, for its compiled
    models' folder (:func:`.ov_cache.compile_cpu`; default: the graph file's)."""
    parts = split_graph(core, path, until)
    if parts is None:
        return None
    config = {"PERFORMANCE_HINT": "THROUGHPUT"}
    name = name or path.stem
    head = compile_cpu(core, parts[0], {**config, "INFERENCE_PRECISION_HINT": "f32"}, name)
    tail = compile_cpu(core, parts[1], {**config, "INFERENCE_PRECISION_HINT": "bf16"}, name)
    streams = max(1, int(tail.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
    pairs = [(head.create_infer_request(), tail.create_infer_request()) for _ in range(streams)]
    # The requests release the GIL while they run, so one thread per pair keeps every
    # stream busy; each pair runs its slice's head then its tail.
    pool = ThreadPoolExecutor(streams, thread_name_prefix="labeldesk-openvino")

    def run(pair: tuple[Any, Any], chunk: np.ndarray) -> np.ndarray:
        middle = pair[0].infer([chunk])[0]
        return np.array(pair[1].infer([middle], share_inputs=True)[0], np.float32)

    warmed: list[bool] = []

    def features(pixels: np.ndarray) -> np.ndarray:
        out = np.empty((len(pixels), dim), np.float32)
        step = max(1, -(-len(pixels) // streams))
        starts = list(range(0, len(pixels), step))
        if not warmed:  # two threads making OpenVINO's first numpy conversion at once can
            # deadlock in pybind11 (the PyInstaller bundle's embed hung): slice 0 runs here
            out[:step] = run(pairs[0], np.ascontiguousarray(pixels[:step]))
            warmed.append(True)
            starts = starts[1:]
        jobs = [
            pool.submit(run, pairs[i], np.ascontiguousarray(pixels[s : s + step]))
            for i, s in enumerate(starts)
        ]
        for s, job in zip(starts, jobs, strict=True):
            out[s : s + step] = job.result()
        return out

    return features
