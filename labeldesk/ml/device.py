"""Choosing the compute device: CUDA, then Apple MPS, then CPU."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.errors import LabelDeskError

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str = "auto") -> str:
    import torch

    if name not in DEVICES:
        raise LabelDeskError(f"unknown device {name!r}; use one of {', '.join(DEVICES)}")
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if name == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cuda" and not cuda:
        raise LabelDeskError("--device cuda: no CUDA GPU is available here (try --device auto)")
    if name == "mps" and not mps:
        raise LabelDeskError("--device mps: Apple MPS is not available here (try --device auto)")
    return name


def describe_device(project: object = None, **_job: object) -> str:
    """What training and embedding would run on, for people: "cuda (NVIDIA …)", "mps" or
    "cpu (no GPU found)". Shaped as a child job (``run_in_child``), so an app can ask
    without importing torch itself."""
    import torch

    device = resolve_device("auto")
    if device == "cuda":
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return device if device != "cpu" else "cpu (no GPU found)"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def spare_cores() -> int:
    """One fewer than the cores this process may use (the model needs one), at least 1:
    how many workers decode images beside it."""
    return max(1, usable_cores() - 1)


def default_batch_size(device: str) -> int:
    """Inference batch size per device. On CPU small batches stay in cache: in
    benchmarks/bench_embed.py, which times PyTorch eager at 4, 8 and 16 per batch in each
    trial, a batch of 4 or 8 was the fastest in 26 of 30 trials on 2 cores (the model's
    speed itself drifted between trials, 34-61 img/s)."""
    return {"cuda": 128, "mps": 32}.get(device, 8)


def read_only_tensor(array: np.ndarray) -> torch.Tensor:
    """A CPU tensor sharing ``array``'s memory, for arrays that are never written (the
    shared embedding matrix is read-only; torch warns about that even for reads)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(np.ascontiguousarray(array))
