"""What runs on a Ray cluster's workers for :mod:`labeldesk.ml.ray_graph`: blocks of the
near-duplicate pass's kNN graph.

Each :class:`GraphWorker` actor gets the same index the local pass would search (exact
over the project's vectors, or the store's persistent compressed index answering in
project rows) once, then answers blocks of query rows with
:func:`labeldesk.ml.search.graph_rows`, in the same 4096-row batches as a local run, so
its rows are the local pass's rows. The index comes one of two ways:

* ``shared``: the project's embeddings folder is on storage every node sees at the same
  path (NFS, a mounted volume): the worker memory-maps the store's vectors and reads its
  saved index file; nothing large crosses the network, and the exact re-rank reads only
  the rows it needs (at 10M the float16 vectors are 25.6 GB: too much to copy to every
  node, and a query's candidates can be any row).
* ``shipped``: the vectors (float16, as stored) and the serialised index go through Ray's
  object store, one copy per node: any cluster can run it, up to what its object store
  holds (~2.5 GB at 1M x 1280).

Nothing here imports ray at module level.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .ray_worker import versioned_digest
from .store_generation import file_generation

EXACT, SHIPPED, SHARED = "exact", "shipped", "shared"
BATCH = 4096  # the local pass's batch (labeldesk.ml.search.graph_from): rows line up
# The code that decides which neighbours an image gets: another copy on a node would
# give another graph under the same cache name.
GRAPH_CODE = ("search.py", "store_index.py", "vectors.py", "ray_graph_worker.py")


def graph_code_version() -> str:
    """LabelDesk's version and a digest of the code that computes the graph."""
    return versioned_digest(GRAPH_CODE)


@dataclass(frozen=True)
class GraphSource:
    """Where a worker finds the index and the vectors (small: sent with every actor)."""

    kind: str  # EXACT, SHIPPED or SHARED
    k: int
    config: dict[str, Any]  # the index's IndexConfig as JSON
    folder: str = ""  # SHARED: the store's folder, the same path on every node
    dim: int = 0
    generation: int = 0  # SHARED: the store's vectors file (store_generation) ...
    count: int = 0  # ... and rows, as the project machine saw them
    index_file: tuple[int, int] = (0, 0)  # SHARED: (size, mtime_ns) of the saved index
    threads: int = 1


def store_files(folder: str, dim: int) -> dict[str, Any]:
    """What a node sees of the store at ``folder``: its vectors file's inode and rows,
    and the saved index's (size, mtime_ns); empty when it cannot read them."""
    from .store_index import FILE_NAME

    base = Path(folder)
    try:
        vectors, index = (base / "vectors.f16").stat(), (base / FILE_NAME).stat()
    except OSError:
        return {}
    return {
        "generation": file_generation(base, vectors.st_ino),
        "rows": vectors.st_size // (dim * 2),
        "index_file": (index.st_size, index.st_mtime_ns),
    }


def probe_graph_node(folder: str, dim: int) -> dict[str, Any]:
    """What the project machine checks on every node: the graph code's version, and what
    the node sees of the store's folder (for reading it from shared storage)."""
    return {
        "host": socket.gethostname(),
        "labeldesk": graph_code_version(),
        "store": store_files(folder, dim) if folder else {},
    }


class GraphWorker:
    """A Ray actor answering blocks of graph rows from one index it loads once."""

    def __init__(self, source: GraphSource) -> None:
        self.source = source
        self.k = source.k
        self.host = socket.gethostname()
        self.version = graph_code_version()
        self.index: Any = None
        self.rows: np.ndarray | None = None

    def _load(self, shipped: list[Any]) -> None:
        """Load the index once (again after a restart). ``shipped``: references to the
        vectors, the serialised index and the project rows' store rows (None where not
        sent). They come with each call, not to the constructor, where Ray warns on every
        run that a restarted actor needs them (the project machine holds them until the
        job ends)."""
        import ray

        from .search import IndexConfig, VectorIndex, import_faiss
        from .store_index import ProjectIndex

        source = self.source
        vectors, blob, store_rows = (None if r is None else ray.get(r) for r in shipped)
        faiss = import_faiss()
        faiss.omp_set_num_threads(max(1, source.threads))
        config = IndexConfig.from_json(source.config)
        if source.kind == EXACT:
            assert vectors is not None
            self.matrix = np.asarray(vectors, dtype=np.float32)
            self.index = VectorIndex(self.matrix, config)
            return
        assert store_rows is not None
        if source.kind == SHARED:
            inner = self._shared_index(source, config)
        else:
            assert vectors is not None and blob is not None
            self.matrix = vectors
            inner = VectorIndex.from_faiss(faiss.deserialize_index(blob), config, vectors)
        self.rows = store_rows
        self.index = ProjectIndex(inner, store_rows)

    def _shared_index(self, source: GraphSource, config: Any) -> Any:
        """The store's saved index, read where the project machine left it; refused when
        the store or the index changed since (another job embedding meanwhile)."""
        from .store_index import store_index
        from .vectors import VectorStore

        seen = store_files(source.folder, source.dim)
        store = VectorStore(Path(source.folder), source.dim)
        expected = (source.generation, source.count, source.index_file)
        found = (store.generation, store.count, seen.get("index_file"))
        if found[:2] != expected[:2] or tuple(found[2] or ()) != tuple(expected[2]):
            raise RuntimeError(
                f"the embeddings in {source.folder} changed during the pass on {self.host} "
                "(an embedding job added vectors?): run the pass again"
            )
        self.matrix = store.matrix()
        return store_index(store, config)  # the saved file, read (it covers every row)

    def ready(self, shipped: list[Any]) -> dict[str, str]:
        """Load the index; where this actor runs and its code."""
        if self.index is None:
            self._load(shipped)
        return {"host": self.host, "version": self.version}

    def block(
        self, start: int, stop: int, shipped: list[Any]
    ) -> tuple[int, np.ndarray, np.ndarray]:
        """Graph rows ``start`` .. ``stop``: (start, similarities, neighbour rows)."""
        from .search import graph_rows

        if self.index is None:  # restarted since ready()
            self._load(shipped)
        sims = np.empty((stop - start, self.k), dtype=np.float32)
        rows = np.empty((stop - start, self.k), dtype=np.int64)
        first = start
        while first < stop:
            last = min(stop, (first // BATCH + 1) * BATCH)  # a local run's batch edge
            # project rows first..last: the store's rows of them when the index is the store's
            where = slice(first, last) if self.rows is None else self.rows[first:last]
            queries = self.matrix[where]
            s, r = graph_rows(self.index, queries, self.k, first)
            sims[first - start : last - start], rows[first - start : last - start] = s, r
            first = last
        return start, sims, rows
