"""Embedding vectors on disk: one contiguous matrix per model identity, append-only.

Rows are keyed by image content hash (16 bytes), so a moved file keeps its vector, exact
duplicates are embedded once, and an edited file gets a new one. Vectors are L2-normalised
and stored as float16 (half the disk and memory; cosine error ~1e-3). Files:

    vectors.f16   N × dim float16, row-major, memory-mapped for reading
    keys.bin      N × 16 bytes, written after the vectors of a batch
    identity.json the model identity and dim
    write.lock    held by the one process (or thread) appending

Several processes may use one project at once (the app and a CLI command). Readers never
modify the files: a row counts once both its vector and its key are on disk, and the
vectors of a batch are always written before its keys. Writers take turns through
``write.lock`` (:meth:`VectorStore.writer`). A run killed mid-batch leaves vectors without
keys (a torn tail): the next writer cuts it off. Keys beyond the vectors can only come
from a damaged store (older versions let a reader cut vectors during a write and two runs
interleave): such a store is not trusted; it reads as empty and the next writer rebuilds it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

from labeldesk.core.filelock import FileLock
from labeldesk.core.progress import CancelToken

from .backbones import ModelIdentity

log = logging.getLogger(__name__)
KEY_BYTES = 16
LOCK_NAME = "write.lock"


class VectorStore:
    """A consistent, read-only view of the rows on disk when it was opened; a writer
    (from :meth:`writer`) can also append."""

    def __init__(self, folder: Path, dim: int):
        self.folder = folder
        self.dim = dim
        self._vectors = folder / "vectors.f16"
        self._keys = folder / "keys.bin"
        self._index: dict[bytes, int] | None = None
        self._writable = False
        vector_rows, key_rows = self._sizes()
        self.damaged = key_rows > vector_rows
        if self.damaged:
            log.warning("%s has keys without vectors: not trusted until re-embedded", folder)
        self.count = 0 if self.damaged else key_rows

    @classmethod
    def for_identity(cls, root: Path, identity: ModelIdentity, dim: int) -> VectorStore:
        """The store for ``identity``: its folder and ``identity.json`` are made if missing
        (the vectors are only written through :meth:`writer`)."""
        folder = root / identity.key
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "identity.json").exists():
            record = json.dumps(identity_record(identity, dim), indent=2).encode()
            _write_new(folder / "identity.json", record)
        return cls(folder, dim)

    @classmethod
    def open_existing(cls, folder: Path) -> VectorStore:
        meta = json.loads((folder / "identity.json").read_text())
        return cls(folder, int(meta["dim"]))

    @classmethod
    @contextmanager
    def writer(
        cls,
        folder: Path,
        dim: int,
        *,
        cancel: CancelToken | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> Iterator[VectorStore]:
        """The store, for appending, while this caller holds the write lock (waiting its
        turn behind another writer; ``cancel`` stops the wait). A torn tail is cut off
        and a damaged store emptied before anything is appended."""
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / LOCK_NAME).acquire(cancel=cancel, on_wait=on_wait)
        try:
            store = cls(folder, dim)
            store._repair()
            store._writable = True
            yield store
        finally:
            lock.release()

    def _sizes(self) -> tuple[int, int]:
        def size(path: Path) -> int:
            try:
                return path.stat().st_size
            except FileNotFoundError:
                return 0

        return size(self._vectors) // (self.dim * 2), size(self._keys) // KEY_BYTES

    def _repair(self) -> None:
        """Under the write lock: make the files agree, row for row."""
        vector_rows, key_rows = self._sizes()
        if key_rows > vector_rows:  # damaged: which key belongs to which vector is lost
            log.warning("rebuilding %s: its keys and vectors do not line up", self.folder)
            for path in (self._keys, self._vectors):  # readers keep the old files' inodes
                _write_new(path, b"")
            key_rows = 0
        for path, size in (
            (self._vectors, key_rows * self.dim * 2),
            (self._keys, key_rows * KEY_BYTES),
        ):
            if not path.exists():
                _write_new(path, b"")
            elif path.stat().st_size != size:  # a torn tail past every reader's rows
                os.truncate(path, size)
        self.count, self.damaged, self._index = key_rows, False, None

    def keys(self) -> list[bytes]:
        if self.count == 0:
            return []
        with open(self._keys, "rb") as f:
            data = f.read(self.count * KEY_BYTES)
        return [data[i : i + KEY_BYTES] for i in range(0, len(data), KEY_BYTES)]

    def index(self) -> dict[bytes, int]:
        """Key -> row. The first row wins if a key was ever written twice."""
        if self._index is None:
            self._index = {}
            for row, key in enumerate(self.keys()):
                self._index.setdefault(key, row)
        return self._index

    def rows_for(self, hashes: list[str]) -> np.ndarray:
        """Row of each hex hash, -1 where it has no vector."""
        index = self.index()
        return np.array([index.get(bytes.fromhex(h), -1) for h in hashes], dtype=np.int64)

    def append(self, hashes: list[str], vectors: np.ndarray) -> None:
        if not self._writable:
            raise RuntimeError("append needs VectorStore.writer (the write lock)")
        if len(hashes) != len(vectors) or vectors.shape[1] != self.dim:
            raise ValueError("hashes and vectors do not match")
        data = np.ascontiguousarray(vectors, dtype=np.float16)
        with open(self._vectors, "ab") as f:
            f.write(data.tobytes())
            f.flush()
            os.fsync(f.fileno())
        with open(self._keys, "ab") as f:  # only now do readers count the new rows
            f.write(b"".join(bytes.fromhex(h) for h in hashes))
            f.flush()
            os.fsync(f.fileno())
        if self._index is not None:
            for offset, h in enumerate(hashes):
                self._index.setdefault(bytes.fromhex(h), self.count + offset)
        self.count += len(hashes)

    def matrix(self) -> np.ndarray:
        """All vectors as a read-only memory map (float16, count × dim)."""
        if self.count == 0:
            return np.zeros((0, self.dim), dtype=np.float16)
        return np.memmap(self._vectors, dtype=np.float16, mode="r", shape=(self.count, self.dim))

    def gather(self, rows: np.ndarray, chunk: int = 65536) -> np.ndarray:
        """float32 vectors for ``rows`` (all >= 0), read in chunks to bound memory spikes."""
        mat = self.matrix()
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        for start in range(0, len(rows), chunk):
            sel = rows[start : start + chunk]
            out[start : start + len(sel)] = mat[sel]
        return out


def identity_record(identity: ModelIdentity, dim: int) -> dict:
    return {"identity": asdict(identity), "dim": dim}


def _write_new(path: Path, data: bytes) -> None:
    """Replace ``path`` by a new file (a reader holding the old one keeps reading it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
