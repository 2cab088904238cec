"""How many workers decode images beside a model, and decoding a batch on threads.

On the CPU the model itself uses every core, so decoding stays in the calling thread. On
a GPU the spare cores decode: fine-tuning and the cross-fit in worker processes
(:mod:`labeldesk.ml.finetune_images`), a Ray GPU worker on threads (:func:`in_order`).
Threads pay where Pillow's decoding dominates (photos: it runs without the GIL); for small
images Python's share holds the GIL, and on an H200 15 threads decoded 28x28 PNGs no
faster than one (benchmarks/RESULTS.md, *On a GPU*).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .device import spare_cores

T = TypeVar("T")


def decode_threads(device: str) -> int:
    """How many workers decode for a model on ``device``: 1 (the calling thread) on the
    CPU, else :func:`~.device.spare_cores`."""
    return 1 if device == "cpu" else spare_cores()


def in_order(read: Callable[[int], T], n: int, threads: int) -> list[T]:
    """``read(k)`` for k in 0..n-1, in order; on ``threads`` threads when more than one
    (``read`` returns a failure rather than raising it, so one bad file stops nothing)."""
    if threads <= 1 or n <= 1:
        return [read(k) for k in range(n)]
    with ThreadPoolExecutor(min(threads, n), thread_name_prefix="decode") as pool:
        return list(pool.map(read, range(n)))
