"""The kNN graph's search in the store's compressed index when the store also holds
images the project does not have (a drift check's new images): the graph rows of a
sample of project images made before those rows were stored, then after, with the
project's own rows selected inside faiss's search (``ProjectIndex``, session 52) and
without (the code before: the other rows found, then dropped), alternated in one run.

Prints, for each way, the CPU (user + system, every thread) of the search and how many
of the sample's rows got other neighbours than before the new rows were stored (a graph
cached before a drift check against one searched after it).

Vectors: ``synthetic_vectors.clustered_memmap`` (1280-d, float16) in a vector store
under the temp folder; NEW rows: project images with noise (cosine ~0.7 to the image
each was made from: new photos of the same things).

    python benchmarks/bench_graph_own_rows.py --n 100000 --new 1000 --rows 20000
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_vectors import DIM, clustered_memmap

from labeldesk.ml.neighbors import GRAPH_K
from labeldesk.ml.search import IndexConfig, graph_rows_of
from labeldesk.ml.store_index import ProjectIndex, store_index
from labeldesk.ml.vectors import VectorStore

CHUNK = 65_536


def keys(start: int, n: int) -> list[str]:
    return [hashlib.md5(f"row {i}".encode()).hexdigest() for i in range(start, start + n)]


def append(folder: Path, start: int, vectors: np.ndarray) -> VectorStore:
    with VectorStore.writer(folder, DIM) as writer:
        for at in range(0, len(vectors), CHUNK):
            block = np.asarray(vectors[at : at + CHUNK], dtype=np.float32)
            writer.append(keys(start + at, len(block)), block)
    return VectorStore(folder, DIM)


def new_images(project: np.ndarray, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    source = np.asarray(project[rng.integers(0, len(project), count)], dtype=np.float32)
    # noise of norm ~1.02 on a unit vector: cosine 1 / sqrt(1 + 1.04) = 0.70 to its source
    noisy = source + rng.normal(scale=np.sqrt(1.04 / DIM), size=source.shape)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def graph(index: ProjectIndex, vectors: np.ndarray, rows: np.ndarray) -> tuple[float, np.ndarray]:
    """(CPU seconds, neighbour rows) of ``rows``' graph rows, in the graph's batches."""
    began = time.process_time()
    found = []
    for at in range(0, len(rows), 4096):
        batch = rows[at : at + 4096]
        found.append(graph_rows_of(index, np.asarray(vectors[batch]), GRAPH_K, batch)[1])
    return time.process_time() - began, np.concatenate(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="project images")
    parser.add_argument("--new", type=int, default=1_000, help="new images stored after")
    parser.add_argument("--rows", type=int, default=20_000, help="graph rows searched")
    parser.add_argument("--repeats", type=int, default=3, help="alternations of the two ways")
    args = parser.parse_args()
    project = clustered_memmap(args.n)
    folder = Path(tempfile.mkdtemp(prefix="bench-own-rows-")) / "store"
    try:
        store = append(folder, 0, project)
        config = IndexConfig.choose(args.n)
        print(f"{args.n} project images, {config}", flush=True)
        own = np.arange(args.n)
        rows = np.random.default_rng(1).choice(args.n, min(args.rows, args.n), replace=False)
        _, before = graph(ProjectIndex(store_index(store, config), own), project, rows)
        store = append(folder, args.n, new_images(project, args.new, 2))
        index = store_index(store, config)  # extended with the new rows, not retrained
        print(f"{args.new} new images stored: the index holds {index.size}", flush=True)
        selected, dropped = ProjectIndex(index, own), ProjectIndex(index, own)
        dropped._allowed = None  # the code before: other rows found, then dropped
        for _ in range(args.repeats):
            for name, way in (("own rows selected", selected), ("the code before", dropped)):
                cpu, after = graph(way, project, rows)
                changed = int((after != before).any(axis=1).sum())
                print(
                    f"{name:18s} CPU {cpu:6.2f} s; rows with other neighbours than before "
                    f"the new images: {changed} of {len(rows)}",
                    flush=True,
                )
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
