"""Embedding vectors on disk: one contiguous matrix per model identity, append-only.

Rows are keyed by image content hash (16 bytes), so a moved file keeps its vector, exact
duplicates are embedded once, and an edited file gets a new one. Vectors are L2-normalised
and stored as float16 (half the disk and memory; cosine error ~1e-3). Files:

    vectors.f16   N × dim float16, row-major, memory-mapped for reading
    keys.bin      N × 16 bytes, written after the vectors of a batch
    identity.json the model identity and dim

A batch is durable once both files are flushed; a run killed mid-batch leaves a torn
tail that the next open trims to the last complete row, so embedding resumes there.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .backbones import ModelIdentity

KEY_BYTES = 16


class VectorStore:
    def __init__(self, folder: Path, dim: int):
        self.folder = folder
        self.dim = dim
        self._vectors = folder / "vectors.f16"
        self._keys = folder / "keys.bin"
        folder.mkdir(parents=True, exist_ok=True)
        self._vectors.touch()
        self._keys.touch()
        self.count = self._repair()
        self._index: dict[bytes, int] | None = None

    @classmethod
    def for_identity(cls, root: Path, identity: ModelIdentity, dim: int) -> VectorStore:
        folder = root / identity.key
        meta = folder / "identity.json"
        if not meta.exists():
            folder.mkdir(parents=True, exist_ok=True)
            meta.write_text(json.dumps({"identity": asdict(identity), "dim": dim}, indent=2))
        return cls(folder, dim)

    @classmethod
    def open_existing(cls, folder: Path) -> VectorStore:
        meta = json.loads((folder / "identity.json").read_text())
        return cls(folder, int(meta["dim"]))

    def _repair(self) -> int:
        row_bytes = self.dim * 2
        rows = min(
            self._vectors.stat().st_size // row_bytes, self._keys.stat().st_size // KEY_BYTES
        )
        for path, size in ((self._vectors, rows * row_bytes), (self._keys, rows * KEY_BYTES)):
            if path.stat().st_size != size:
                os.truncate(path, size)
        return rows

    def keys(self) -> list[bytes]:
        data = self._keys.read_bytes()[: self.count * KEY_BYTES]
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
        if len(hashes) != len(vectors) or vectors.shape[1] != self.dim:
            raise ValueError("hashes and vectors do not match")
        data = np.ascontiguousarray(vectors, dtype=np.float16)
        with open(self._vectors, "ab") as f:
            f.write(data.tobytes())
            f.flush()
            os.fsync(f.fileno())
        with open(self._keys, "ab") as f:
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
