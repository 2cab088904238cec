"""Decoding a batch of images on several threads where the model does not need the cores.

Pillow decodes and resizes without holding the GIL, so threads decode a batch in
parallel. A GPU waits on decoding done in one thread: on an H200 (16 cores) embedding
ran at a tenth of the model's speed while two of its decode workers were busy, and
fine-tuning at 181 img/s (benchmarks/device_check.sh). On the CPU the model itself uses
every core, so decoding there stays in the calling thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .device import spare_cores

T = TypeVar("T")


def decode_threads(device: str) -> int:
    """How many threads decode a batch for a model on ``device``: 1 on the CPU, else
    :func:`~.device.spare_cores`."""
    return 1 if device == "cpu" else spare_cores()


def in_order(read: Callable[[int], T], n: int, threads: int) -> list[T]:
    """``read(k)`` for k in 0..n-1, in order; on ``threads`` threads when more than one
    (``read`` returns a failure rather than raising it, so one bad file stops nothing)."""
    if threads <= 1 or n <= 1:
        return [read(k) for k in range(n)]
    with ThreadPoolExecutor(min(threads, n), thread_name_prefix="decode") as pool:
        return list(pool.map(read, range(n)))
