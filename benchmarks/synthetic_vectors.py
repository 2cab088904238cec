"""Synthetic clustered embeddings at scale, generated in chunks into a float16 memory map
under the temp folder (so 1M x 1280 never sits in memory as float32: 2.4 GB on disk).

The distribution is bench_search.py's (classes within super-classes around a shared
direction, heavy per-image noise: unrelated images at cosine ~0.05-0.4, a nearest
neighbour ~0.65, clusters overlapping), the same rows for the same seed whatever the
chunk size. A file is reused when it is complete (its name holds n, dim and seed).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

DIM = 1280
FOLDER = Path(tempfile.gettempdir()) / "labeldesk-bench" / "vectors"


def fill_clustered(
    out: np.ndarray, seed: int = 0, per_cluster: int = 100, chunk: int = 65_536
) -> np.ndarray:
    """Write ``len(out)`` clustered unit vectors into ``out`` (any float dtype), chunk by
    chunk; returns ``out``."""
    n, dim = out.shape
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=dim).astype(np.float32)
    supers = rng.normal(size=(max(1, n // (per_cluster * 20)), dim)).astype(np.float32)
    n_centres = max(1, n // per_cluster)
    centres = 0.4 * shared + supers[rng.integers(0, len(supers), n_centres)]
    centres += 0.8 * rng.normal(size=centres.shape).astype(np.float32)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        x = centres[rng.integers(0, n_centres, stop - start)]
        x += rng.normal(scale=1.1, size=x.shape).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start:stop] = x
    return out


def clustered_memmap(n: int, seed: int = 0, dim: int = DIM, folder: Path = FOLDER) -> np.ndarray:
    """(n, dim) float16 clustered unit vectors, memory-mapped read-only from a file
    under ``folder`` (made on first use, reused after)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"clustered-{n}x{dim}-seed{seed}.f16"
    if not path.exists() or path.stat().st_size != n * dim * 2:
        tmp = path.with_suffix(".tmp")
        out = np.memmap(tmp, dtype=np.float16, mode="w+", shape=(n, dim))
        fill_clustered(out, seed)
        out.flush()
        del out
        tmp.replace(path)
    return np.memmap(path, dtype=np.float16, mode="r", shape=(n, dim))


def exact_neighbours(
    data: np.ndarray, queries: np.ndarray, k: int, chunk: int = 65_536
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k (similarities, rows) of ``queries`` in ``data`` by chunked matrix
    products (the reference recall is measured against)."""
    q = np.asarray(queries, dtype=np.float32)
    best_s = np.full((len(q), k), -np.inf, dtype=np.float32)
    best_r = np.full((len(q), k), -1, dtype=np.int64)
    for start in range(0, len(data), chunk):
        block = np.asarray(data[start : start + chunk], dtype=np.float32)
        s = q @ block.T
        s = np.concatenate([best_s, s], axis=1)
        ids = np.broadcast_to(np.arange(start, start + len(block)), (len(q), len(block)))
        r = np.concatenate([best_r, ids], axis=1)
        top = np.argpartition(-s, k - 1, axis=1)[:, :k]
        best_s, best_r = np.take_along_axis(s, top, 1), np.take_along_axis(r, top, 1)
    order = np.argsort(-best_s, axis=1, kind="stable")
    return np.take_along_axis(best_s, order, 1), np.take_along_axis(best_r, order, 1)


def with_planted_copies(
    n: int, seed: int = 2, share: float = 0.01, noise: float = 0.004, folder: Path = FOLDER
) -> tuple[np.ndarray, np.ndarray]:
    """(n, dim) float16 clustered vectors where ``share`` of the rows were replaced by a
    slightly perturbed copy of another row (a re-encoded image), and the (copy, original)
    row pairs; memory-mapped from a file under ``folder``, made in chunks."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"copies-{n}x{DIM}-seed{seed}.f16"
    rng = np.random.default_rng(seed + 1)
    picked = rng.choice(n, 2 * int(n * share / 2), replace=False)
    originals, copies = picked[::2], picked[1::2]
    if not path.exists() or path.stat().st_size != n * DIM * 2:
        tmp = path.with_suffix(".tmp")
        out = np.memmap(tmp, dtype=np.float16, mode="w+", shape=(n, DIM))
        fill_clustered(out, seed)
        noise_rng = np.random.default_rng(seed + 2)
        for start in range(0, len(copies), 16_384):
            src = np.asarray(out[np.sort(originals[start : start + 16_384])], np.float32)
            order = np.argsort(originals[start : start + 16_384])
            x = np.empty_like(src)
            x[order] = src
            x += noise * noise_rng.normal(size=x.shape).astype(np.float32)
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            out[copies[start : start + 16_384]] = x
        out.flush()
        del out
        tmp.replace(path)
    data = np.memmap(path, dtype=np.float16, mode="r", shape=(n, DIM))
    return data, np.stack([copies, originals], axis=1)


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (``RssAnon``: without memory-mapped file pages)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return rss_mb("VmHWM")
