"""What reading the store's generation token costs the vector store's readers.

``VectorStore.read`` and ``VectorStore.matrix`` open the store's ``generation`` token
file at every call (:func:`labeldesk.ml.store_generation.file_generation`), to tell the
vectors file they open from a rebuilt one. A synthetic store of N rows (1280 wide, as
the default backbone) in a temporary folder, then 10,000 calls (K) of each caller:

- ``similar``: what each neighbour lookup of the app (and ``labeldesk similar``) does
  with the store: open it (``current_store``: the keys read), look one image's row up
  and take its vector from the matrix;
- ``rows[i]``: one row read, as the queue's strategies index :class:`StoreRows`;
- ``rows[sample]``: 64 sorted rows read at once;
- ``matrix()`` alone.

Each is timed as it is ("now") and with the token read replaced by its value in memory
("token free", the most any cache of it could save), in the same run, alternating, best
of three; CPU and wall microseconds per call and the token's share.

    python benchmarks/bench_store_generation.py            # N=20000, K=10000
    python benchmarks/bench_store_generation.py --rows 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from labeldesk.ml import store_generation
from labeldesk.ml.store_rows import StoreRows
from labeldesk.ml.vectors import VectorStore

DIM = 1280


def make_store(folder: Path, n: int) -> list[str]:
    rng = np.random.default_rng(0)
    hashes = [f"{i:032x}" for i in range(n)]
    with VectorStore.writer(folder, DIM) as store:
        store.rebuild("a benchmark")  # so the store has a token, as after any rebuild
        for start in range(0, n, 10000):
            block = rng.standard_normal((min(10000, n - start), DIM)).astype(np.float32)
            store.append(hashes[start : start + len(block)], block)
    return hashes


def timed(call: Callable[[int], object], k: int) -> tuple[float, float]:
    """(CPU, wall) microseconds per call."""
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(k):
        call(i)
    return (time.process_time() - cpu) / k * 1e6, (time.perf_counter() - wall) / k * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--calls", type=int, default=10000)
    args = parser.parse_args()
    n, k = args.rows, args.calls
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "store"
        hashes = make_store(folder, n)
        store = VectorStore(folder, DIM)
        rng = np.random.default_rng(1)
        picks = rng.integers(0, n, k)
        samples = [np.sort(rng.choice(n, 64, replace=False)) for _ in range(16)]
        rows = StoreRows(store, np.arange(n))
        similar_k = max(1, k // 20)  # the keys read makes it slow: fewer calls

        def similar(i: int) -> object:
            opened = VectorStore(folder, DIM)
            row = int(opened.rows_for([hashes[int(picks[i])]])[0])
            return np.asarray(opened.matrix()[row : row + 1], dtype=np.float32)

        # (name, call, calls, token reads a call: the store's opening reads it too)
        callers: list[tuple[str, Callable[[int], object], int, int]] = [
            ("similar", similar, similar_k, 2),
            ("rows[i]", lambda i: rows[int(picks[i])], k, 1),
            ("rows[sample]", lambda i: rows[samples[i % 16]], k, 1),
            ("matrix()", lambda i: store.matrix(), k, 1),
        ]
        real = store_generation.read_token
        token = real(folder)
        best: dict[tuple[str, str], tuple[float, float]] = {}
        for _ in range(3):
            for mode in ("now", "token free"):
                free = mode == "token free"
                store_generation.read_token = (lambda f: token) if free else real  # type: ignore[assignment]
                for name, call, calls, _ in callers:
                    got = timed(call, calls)
                    old = best.get((name, mode), (float("inf"), float("inf")))
                    best[(name, mode)] = (min(old[0], got[0]), min(old[1], got[1]))
        store_generation.read_token = real
        alone = timed(lambda i: real(folder), k)
    print(f"store of {n:,} rows x {DIM}; best of 3; microseconds per call (CPU / wall)")
    print(f"  the token read alone: {alone[0]:.1f} / {alone[1]:.1f}")
    print("  token share: (now - token free) / now, of CPU; and reads a call x the read alone")
    print(f"  {'caller':<14}{'calls':>7}{'now':>16}{'token free':>16}{'share':>8}{'reads':>8}")
    for name, _, calls, reads in callers:
        now, free = best[(name, "now")], best[(name, "token free")]
        share = (now[0] - free[0]) / now[0] * 100
        estimate = reads * alone[0] / now[0] * 100
        print(
            f"  {name:<14}{calls:>7}{now[0]:>9.1f} /{now[1]:>6.0f}"
            f"{free[0]:>9.1f} /{free[1]:>6.0f}{share:>7.0f}%{estimate:>7.0f}%"
        )


if __name__ == "__main__":
    main()
