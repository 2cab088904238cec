"""The project's persistent search index: built once over the vector store's rows, kept
beside them, extended when images are embedded, rebuilt when stale or damaged.

The index is keyed by *store* rows (append-only, one per distinct image content), not by
the project's rows (usable images by path, which shift when an image is added or
removed), so embedding more images only adds their rows (:meth:`VectorIndex.add`): the
trained PCA, lists and codebooks are kept until the store has grown
:data:`RETRAIN_GROWTH` times past the rows they were trained on, then retrained.
:class:`ProjectIndex` maps found store rows back to project rows (an image whose bytes
two paths share answers for both; a store row no usable image has is skipped).

The file (``ivf-index.faiss``, one of the store's derived files) is a header, faiss's
serialised index and a SHA-256 of both. It is only a cache: a file whose checksum,
header, store generation (the vectors file was rebuilt) or keys (a digest of the rows it
covers) do not match, or that faiss cannot read, is stale: logged, rebuilt, replaced;
never trusted, never fatal. It is written whole or not at all (a temporary file renamed
into place): a build killed or cancelled part-way leaves the old file or none, and the
next search builds it again.

``labeldesk embed`` (and the app's Compute embeddings) end by building or extending it
(:func:`ready_for_search`), so a search never waits for it after an embedding run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.image_rows import usable_count
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .cachefiles import describe, stale, write_atomically
from .errors import NoEmbeddings
from .search import IndexConfig, VectorIndex, import_faiss
from .store import current_key, current_store
from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)
FILE_NAME = "ivf-index.faiss"
MAGIC = b"LabelDesk search index\n"
FORMAT = 1
RETRAIN_GROWTH = 2.0
MAX_CANDIDATES = 1024  # store rows one query may ask faiss for before an exact search
CHUNK = 65_536  # project rows read at once by the exact search


def ready_for_search(
    project: Project,
    key: str,
    progress: ProgressCallback = no_progress,
    *,
    only_missing: bool = False,
    cancel: CancelToken | None = None,
) -> float | None:
    """Build (or extend with the rows embedded since) and save the index a similar-image
    search of ``project`` reads, when its search uses one (the store ``key`` is its
    current one and both it and the project hold more than
    :data:`~labeldesk.ml.search.EXACT_MAX` images), so
    that the first search after ``labeldesk embed`` does not build it: ~40 s at 100k
    images, the user waiting at their first click. Seconds spent building or extending;
    None when nothing was to do (an index that was up to date is only read).
    ``only_missing``: only when no index file is saved (a run that embedded nothing).
    ``cancel`` stops the build between steps (Cancelled) and nothing is saved: the
    next search, or the next ``labeldesk embed``, builds it."""
    if current_key(project) != key:
        return None  # embeddings set aside: the search does not use them
    try:
        store = current_store(project, key)
    except NoEmbeddings:
        return None
    config = IndexConfig.choose(store.count)
    if store.damaged or config.exact or IndexConfig.choose(usable_count(project.db)).exact:
        return None
    if only_missing and (store.folder / FILE_NAME).exists():
        return None
    began: list[float] = []

    def building(what: str) -> None:
        began.append(time.perf_counter())
        progress(Progress(0, 0, f"{what} the search index for similar images"))

    store_index(store, config, few_queries=True, on_build=building, cancel=cancel)
    return time.perf_counter() - began[0] if began else None


def store_index(
    store: VectorStore,
    config: IndexConfig | None = None,
    *,
    few_queries: bool = False,
    on_build: Callable[[str], None] | None = None,
    cancel: CancelToken | None = None,
) -> VectorIndex:
    """An index over all of ``store``'s rows (a row number is a store row), re-ranking
    from its memory-mapped vectors: read from the store's folder and extended with rows
    appended since, or built (and saved) when missing, stale, damaged or outgrown.
    Exact configurations are built in memory and not saved.

    ``few_queries``: a saved index is read without the table faiss precomputes to
    speed up many queries (lists × 64 codes × 256 floats: 83 MB at 100k images, 260 MB
    at 1M, more than the index itself); a query then computes the few it needs.
    ``on_build``: called with "building" or "extending" before the index is built or
    extended (not when the saved one is read as it is). ``cancel`` stops a build or
    an extension between chunks (Cancelled); the file is then left as it was."""
    matrix = store.matrix()
    config = config or IndexConfig.choose(store.count)
    if config.exact:
        return VectorIndex(matrix, config)
    path = store.folder / FILE_NAME
    keys = b"".join(store.keys())
    loaded = _read(path, store, keys, few_queries)
    if loaded is not None:
        index, trained = loaded
        if index.size == store.count:
            return index
        if store.count <= RETRAIN_GROWTH * trained:
            if on_build is not None:
                on_build("extending")
            index.add(matrix, cancel=cancel)
            _write(path, index, store, keys, trained)
            return index
        log.info("retraining the search index: %d rows, trained on %d", store.count, trained)
    if on_build is not None:
        on_build("building")
    index = VectorIndex(matrix, config, cancel=cancel, many_queries=not few_queries)
    _write(path, index, store, keys, store.count)
    return index


def _write(path: Path, index: VectorIndex, store: VectorStore, keys: bytes, trained: int) -> None:
    header = json.dumps(
        {
            "format": FORMAT,
            "config": index.config.to_json(),
            "dim": store.dim,
            "rows": index.size,
            "trained_rows": trained,
            "generation": store.generation,
            "keys": hashlib.sha256(keys[: index.size * 16]).hexdigest(),
        }
    ).encode()
    blob = import_faiss().serialize_index(index.index).tobytes()
    body = MAGIC + struct.pack("<Q", len(header)) + header + blob
    checksum = hashlib.sha256(body).digest()

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(body)
            f.write(checksum)

    try:
        write_atomically(path, write)
    except OSError as exc:  # a full disk: the index still answers, it is built next time
        log.warning("could not save the search index %s (%s)", path, describe(exc))


def _read(
    path: Path, store: VectorStore, keys: bytes, few_queries: bool = False
) -> tuple[VectorIndex, int] | None:
    """The saved index and the rows it was trained on, or None (missing or stale)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        stale(path, describe(exc))
        return None
    try:
        header, blob = _parse(data)
        problem = _mismatch(header, store, keys)
        if problem is not None:
            stale(path, problem)
            return None
        faiss = import_faiss()
        flags = faiss.IO_FLAG_SKIP_PRECOMPUTE_TABLE if few_queries else 0
        raw = faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8), flags)
        config = IndexConfig.from_json(header["config"])
        if config.exact or (raw.ntotal, raw.d) != (header["rows"], store.dim):
            stale(path, f"an index of {raw.ntotal} x {raw.d} vectors, not the one described")
            return None
    except Exception as exc:  # any way of failing to read a cache means: build it again
        stale(path, describe(exc))
        return None
    return VectorIndex.from_faiss(raw, config, store.matrix()), int(header["trained_rows"])


def _parse(data: bytes) -> tuple[dict[str, Any], memoryview]:
    """Header and faiss bytes (a view of ``data``, not a copy) of a file whose magic,
    lengths and checksum are right."""
    start = len(MAGIC) + 8
    if len(data) < start + 32 or not data.startswith(MAGIC):
        raise ValueError("not a LabelDesk search index")
    (length,) = struct.unpack("<Q", data[len(MAGIC) : start])
    body, checksum = memoryview(data)[:-32], data[-32:]
    if start + length > len(body) or hashlib.sha256(body).digest() != checksum:
        raise ValueError("its checksum does not match (truncated or damaged)")
    header = json.loads(bytes(body[start : start + length]))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("an index format this version does not read")
    return header, body[start + length :]


def _mismatch(header: dict[str, Any], store: VectorStore, keys: bytes) -> str | None:
    """Why the index described by ``header`` is not an index of ``store``'s rows."""
    rows, trained = header["rows"], header["trained_rows"]
    if not all(type(v) is int for v in (rows, trained, header["dim"])):
        raise ValueError("a header without row counts")
    if header["dim"] != store.dim:
        return f"vectors {header['dim']} wide, expected {store.dim}"
    if header["generation"] != store.generation:
        return "the embeddings were rebuilt since"
    if rows > store.count:
        return f"{rows} rows indexed, the store has {store.count}"
    if hashlib.sha256(keys[: rows * 16]).hexdigest() != header["keys"]:
        return "it indexes other images than the store's rows"
    return None


class ProjectIndex:
    """A store index answering in project rows (positions in ``ProjectVectors``).

    ``store_rows[i]`` is project row i's store row. Found store rows are expanded to
    every project row that has them (nearest first, ties in project order). Store rows
    no usable image has (the store keeps the vectors of removed images, and of the new
    images a drift check embedded) are left out of a compressed index's search itself,
    by a bitmap selector, not dropped after it: there they took candidate slots, so an
    answer depended on what else the store held, and a kNN graph cached before a drift
    check was not the one a search after it makes. A query left with fewer than k asks for
    more candidates, alone, while faiss still fills the ask and up to
    :data:`MAX_CANDIDATES`; one still short then (its probed lists hold few project
    images: most of a class deleted) is answered exactly over the project's rows.
    Asking faiss for more than its probed lists hold returns nothing more, and asking
    for the whole index costs GiBs at scale.
    """

    def __init__(self, index: VectorIndex, store_rows: np.ndarray):
        self.index, self.config, self.size = index, index.config, len(store_rows)
        self._store_rows = np.asarray(store_rows, dtype=np.int64)
        self._order = np.argsort(store_rows, kind="stable")
        self._starts = np.searchsorted(store_rows[self._order], np.arange(index.size + 1))
        # (an exact index finds the same rows either way, and scans far slower with one)
        self._allowed = (
            None if index.config.exact else own_rows_selector(self._store_rows, index.size)
        )

    def search(
        self, queries: np.ndarray, k: int, nprobe: int | None = None, rerank: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, project rows), both (len(queries), k), -1 where fewer exist."""
        q = np.atleast_2d(queries)
        k = max(0, min(k, self.size))
        sims, found = self.index.search(q, k, nprobe, rerank, allowed=self._allowed)
        out_sims, out_rows = self._expand(sims, found, k)
        if k == 0:
            return out_sims, out_rows
        wanted = k
        short = np.flatnonzero(out_rows[:, k - 1] < 0)
        filled: np.ndarray = np.all(found >= 0, axis=1)  # all asked for: faiss may hold more
        while len(short) and wanted < min(MAX_CANDIDATES, self.index.size):
            more = short[filled[short]]
            if len(more) == 0:
                break
            wanted = min(self.index.size, MAX_CANDIDATES, 2 * wanted + 16)
            sims, found = self.index.search(q[more], wanted, nprobe, rerank, allowed=self._allowed)
            out_sims[more], out_rows[more] = self._expand(sims, found, k)
            filled[more] = (found >= 0).all(axis=1)
            short = np.flatnonzero(out_rows[:, k - 1] < 0)
        if len(short) and len(self.index.source) >= self.index.size:
            out_sims[short], out_rows[short] = self._exact(q[short], k)
        return out_sims, out_rows

    def _exact(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k project rows nearest each query by exact similarity (ties in project
        order): one pass over the project's vectors, in chunks, for a few queries."""
        q = np.ascontiguousarray(queries, dtype=np.float32)
        best_s = np.zeros((len(q), 0), np.float32)
        best_r = np.zeros((len(q), 0), np.int64)
        for start in range(0, self.size, CHUNK):
            project_rows = self._order[start : start + CHUNK]  # store rows ascending
            vectors = np.asarray(
                self.index.source[self._store_rows[project_rows]], dtype=np.float32
            )
            cat_s = np.concatenate([best_s, q @ vectors.T], axis=1)
            cat_r = np.concatenate(
                [best_r, np.broadcast_to(project_rows, (len(q), len(project_rows)))], axis=1
            )
            order = np.lexsort((cat_r, -cat_s), axis=1)[:, :k]
            best_s = np.take_along_axis(cat_s, order, 1)
            best_r = np.take_along_axis(cat_r, order, 1)
        return best_s, best_r

    def _expand(self, sims: np.ndarray, found: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n_q, width = found.shape
        flat = found.ravel()
        valid = flat >= 0
        safe = np.where(valid, flat, 0)
        counts = np.where(valid, self._starts[safe + 1] - self._starts[safe], 0)
        source = np.repeat(np.arange(flat.size), counts)  # one entry per project row
        first = np.cumsum(counts) - counts
        offset = np.arange(len(source)) - np.repeat(first, counts)
        project_rows = self._order[self._starts[safe[source]] + offset]
        query = source // max(width, 1)
        rank = np.arange(len(source)) - np.searchsorted(query, query, side="left")
        keep = rank < k
        out_sims = np.full((n_q, k), -1.0, dtype=np.float32)
        out_rows = np.full((n_q, k), -1, dtype=np.int64)
        out_sims[query[keep], rank[keep]] = sims.ravel()[source[keep]]
        out_rows[query[keep], rank[keep]] = project_rows[keep]
        return out_sims, out_rows


def own_rows_selector(store_rows: np.ndarray, size: int) -> Any:
    """A faiss selector of the index rows (< ``size``) that ``store_rows`` holds, or
    None when that is every row (nothing to leave out: the search as before, at no
    cost). A bitmap: ``size`` / 8 bytes (125 kB at 1M rows), one bit test per code
    faiss scans."""
    own = np.zeros(size, dtype=bool)
    own[store_rows[(store_rows >= 0) & (store_rows < size)]] = True
    if own.all():
        return None
    return import_faiss().IDSelectorBitmap(np.packbits(own, bitorder="little"))
