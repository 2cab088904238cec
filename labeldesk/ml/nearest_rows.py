"""One image's nearest neighbours answered from the store's saved search index, reading
only what the answer shows.

:func:`labeldesk.ml.neighbors.similar` used to read every usable image's path, content
and label and gather every vector (0.5 GB at 100k images, 2.4 GB at 1M) to show ten rows.
Above :data:`~labeldesk.ml.search.EXACT_MAX` images it searched the store's compressed
index (:mod:`labeldesk.ml.store_index`) anyway, which re-ranks its candidates from the
store's memory-mapped vectors. Here the query image is looked up by its path, its vector
read from the memory map, the index searched over store rows, and only the found rows'
images read from the database, by content: the same steps :class:`ProjectIndex` takes
(candidates widened the same way while they hold too few usable images), in the same
order (ties by path), so the same answer, without the project's rows. Where the store
also holds images the project lacks (removed ones, a drift check's new ones), those take
candidate slots here and not in :class:`ProjectIndex`, which leaves them out of faiss's
search (knowing every project row): the two can then differ in a near tie.

None where this does not apply (a small project, searched exactly; an image without a
vector; a search whose candidates stay short, which :class:`ProjectIndex` answers
exactly over every row): the caller takes the whole-project path, which also says why.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.image_rows import usable_count, usable_image, usable_with_hashes

from .search import EXACT_MAX, IndexConfig, VectorIndex, pair_cosine
from .store import current_key, current_store, embeddings_dir
from .store_generation import file_generation
from .store_index import MAX_CANDIDATES, store_index
from .vectors import KEY_BYTES, VectorStore, check_not_newer

if TYPE_CHECKING:
    from labeldesk.core.project import Project

_lock = threading.Lock()
_last: tuple[tuple[str, int, int], VectorIndex] | None = None  # the store's last index
# The store the last query opened, while its files are as they were: (folder, vectors
# generation, keys file size) -> the store and its keys in row order.
_opened: tuple[tuple[str, int, int], VectorStore, list[bytes]] | None = None


def similar_from_index(project: Project, path: str, k: int) -> list[dict[str, object]] | None:
    """What ``similar(project, path, k)`` answers, from the saved index, or None."""
    store, keys = _current_store(project)
    if store.damaged or IndexConfig.choose(store.count).exact:
        return None
    # only whether it is above the exact-search size: counted no further than that
    if IndexConfig.choose(usable_count(project.db, at_most=EXACT_MAX + 1)).exact:
        return None
    image = usable_image(project.db, path)
    if image is None or image["hash"] is None:
        return None
    row = int(store.rows_for([image["hash"]])[0])
    if row < 0:
        return None
    query = np.asarray(store.matrix()[row : row + 1], dtype=np.float32)
    found = _nearest_images(project, _index(store), keys, query, k + 1)
    if found is None:
        return None
    out = []
    for sim, other in found:
        if other["id"] == image["id"]:
            continue
        score = pair_cosine(sim, same_content=other["hash"] == image["hash"])
        shown = {"path": other["path"], "label": other["label"], "split": other["split"]}
        out.append(shown | {"score": score})
    return out[:k]


def _current_store(project: Project) -> tuple[VectorStore, list[bytes]]:
    """``current_store(project)`` and its keys, kept from the last query while the store's
    files are unchanged: opening it reads every key and builds their index (56 ms at
    100k rows, 370 ms at 1M), and its key list is a list of every key. Rows are only
    appended within a generation (a rebuild writes a new token first, changing it), so
    the same generation and keys file size are the same rows; read before opening, a
    version is never newer than the store opened, so a later write opens it again."""
    global _opened
    key = current_key(project)
    folder = embeddings_dir(project) / key if key else None
    version = _files_version(folder) if folder is not None else None
    if version is not None:
        with _lock:
            kept = _opened
        if kept is not None and kept[0] == version:
            check_not_newer(kept[1].folder)  # a newer LabelDesk may have written it since
            return kept[1], kept[2]
    store = current_store(project, key)
    keys = store.keys()
    if version is not None and not store.damaged:
        with _lock:
            _opened = (version, store, keys)
    return store, keys


def _files_version(folder: Path) -> tuple[str, int, int] | None:
    """(folder, vectors generation, keys file size), or None where a file is missing."""
    try:
        inode = (folder / "vectors.f16").stat().st_ino
        keys_size = (folder / "keys.bin").stat().st_size
    except OSError:
        return None
    return str(folder), file_generation(folder, inode), keys_size // KEY_BYTES


def _index(store: VectorStore) -> VectorIndex:
    """The store's index, kept for the last store version (the app asks on each click)."""
    global _last
    version = (str(store.folder), store.generation, store.count)
    with _lock:
        if _last is not None and _last[0] == version:
            return _last[1]
    index = store_index(store, IndexConfig.choose(store.count), few_queries=True)
    with _lock:
        _last = (version, index)
    return index


def _nearest_images(
    project: Project, index: VectorIndex, keys: list[bytes], query: np.ndarray, k: int
) -> list[tuple[float, sqlite3.Row]] | None:
    """The k usable images nearest ``query`` (similarity, image row), nearest first, an
    image sharing a found row's content in path order; None if the candidates, widened
    up to :data:`MAX_CANDIDATES`, hold fewer than k."""
    wanted = k
    while True:
        sims, rows = index.search(query, wanted)
        hits = [(float(s), int(r)) for s, r in zip(sims[0], rows[0], strict=True) if r >= 0]
        hashes = [keys[r].hex() for _, r in hits]
        by_hash: dict[str, list[sqlite3.Row]] = {}
        for image in usable_with_hashes(project.db, hashes):  # by path
            by_hash.setdefault(image["hash"], []).append(image)
        found = [
            (s, image)
            for (s, _), h in zip(hits, hashes, strict=True)
            for image in by_hash.get(h, [])
        ]
        if len(found) >= k:
            return found[:k]
        filled = len(hits) == min(wanted, index.size)  # all asked for: faiss may hold more
        if not filled or wanted >= min(MAX_CANDIDATES, index.size):
            return None
        wanted = min(index.size, MAX_CANDIDATES, 2 * wanted + 16)
