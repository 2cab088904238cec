"""Embedding vectors on disk: one contiguous matrix per model identity, append-only.

Rows are keyed by image content hash (16 bytes), so a moved file keeps its vector, exact
duplicates are embedded once, and an edited file gets a new one. Vectors are L2-normalised
and stored as float16 (half the disk and memory; cosine error ~1e-3). Files:

    vectors.f16   N × dim float16, row-major, memory-mapped for reading
    keys.bin      N × 16 bytes, written after the vectors of a batch
    identity.json the model identity and dim
    format.json   {"format": 2}: rows written by a version that serialises writers
    write.lock    held by the one process (or thread) appending

Several processes may use one project at once (the app and a CLI command). Readers never
modify the files: a row counts once both its vector and its key are on disk, the vectors
of a batch are always written before its keys, and a reader looks at the keys first, so
what it counts is always a prefix of complete rows. Writers take turns through
``write.lock`` (:meth:`VectorStore.writer`). A run killed mid-batch leaves vectors without
keys (a torn tail): the next writer cuts it off.

Older versions let a reader cut vectors during a write and two runs interleave, which
shifted images onto other images' vectors. Keys beyond the vectors, or one key on two rows
(two runs wrote at once), mark such a store as damaged: it reads as empty and the next
writer rebuilds it. A store without ``format.json`` was written by an older version and may
be shifted without showing it: the next ``embed`` run re-embeds a sample of it before
trusting it (:mod:`labeldesk.ml.storecheck`).
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

from labeldesk.core.errors import ProjectError
from labeldesk.core.failures import naming
from labeldesk.core.filelock import FileLock
from labeldesk.core.progress import CancelToken

from .backbones import ModelIdentity
from .cachefiles import describe, remove_stale_temporaries, stale, write_bytes_atomically
from .errors import NoEmbeddings
from .store_generation import file_generation, new_token

log = logging.getLogger(__name__)
KEY_BYTES = 16
LOCK_NAME = "write.lock"
IDENTITY_NAME = "identity.json"
FORMAT_NAME = "format.json"
FORMAT = 2
# What other modules compute from the vectors and cache beside them (kNN graph,
# predictions, 2-D maps, search index). Their names follow the images they cover, not
# the vectors, so a rebuild deletes them: they must not outlive the vectors they came from.
DERIVED = ("knn-*.npz", "predictions-*.npz", "drift-*.npz", "map-*.np[yz]", "ivf-*.faiss")


class UnreadableIdentity(NoEmbeddings):
    """A store's ``identity.json`` cannot be read (emptied by a power cut, damaged)."""

    def __init__(self, folder: Path, problem: str, fix: str = ""):
        self.folder, self.problem = folder, problem
        fix = fix or "`labeldesk embed` with the model that made them"
        super().__init__(
            f"the embeddings in {folder} cannot be used: {IDENTITY_NAME} cannot be read "
            f"({problem}); run {fix} to repair it"
        )


class VectorStore:
    """A consistent, read-only view of the rows on disk when it was opened; a writer
    (from :meth:`writer`) can also append."""

    def __init__(self, folder: Path, dim: int):
        self.folder = folder
        self.dim = dim
        self._vectors = folder / "vectors.f16"
        self._keys = folder / "keys.bin"
        self._writable = False
        self.rebuilt: str | None = None  # why this writer emptied the store, if it did
        # Keys first: they are written after their vectors, so every key read here has
        # its vector on disk by the time the vectors file is looked at.
        key_data = _read_rows(self._keys)
        try:
            info = self._vectors.stat()
            vector_rows = info.st_size // (dim * 2)
            self.generation = file_generation(folder, info.st_ino)
        except FileNotFoundError:
            vector_rows, self.generation = 0, 0
        keys = [key_data[i : i + KEY_BYTES] for i in range(0, len(key_data), KEY_BYTES)]
        index = dict(zip(keys, range(len(keys)), strict=True))
        key_rows = len(keys)
        self.damage: str | None = None
        if key_rows > vector_rows:
            self.damage = "it has keys without vectors"
        elif len(index) < key_rows:
            self.damage = "an image has two rows (two embedding runs wrote at once)"
        if self.damage is not None:
            stale(self._keys, self.damage, "its embeddings are not used until re-embedded")
            index, key_rows = {}, 0
        self._index = index  # key -> row, in row order
        self.count = key_rows

    @property
    def damaged(self) -> bool:
        return self.damage is not None

    @property
    def legacy(self) -> bool:
        """Rows written by a version before :data:`FORMAT` (possibly shifted)."""
        return self.count > 0 and not _has_format(self.folder)

    @classmethod
    def for_identity(cls, root: Path, identity: ModelIdentity, dim: int) -> VectorStore:
        """The store for ``identity``: its folder and ``identity.json`` are made if missing
        (the vectors are only written through :meth:`writer`)."""
        folder = root / identity.key
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / IDENTITY_NAME
        problem = _identity_problem(path, dim) if path.exists() else "missing"
        if problem is not None:  # unreadable (a power cut, an older un-synced write): stale
            if problem != "missing":
                stale(path, problem, f"rewriting it for the model {identity.name!r}")
            record = json.dumps(identity_record(identity, dim), indent=2).encode()
            write_bytes_atomically(path, record)
        return cls(folder, dim)

    @classmethod
    def open_existing(cls, folder: Path) -> VectorStore:
        """The store in ``folder``; :class:`NoEmbeddings` when its ``identity.json`` cannot
        be read (``embed`` with the store's model rewrites it)."""
        check_not_newer(folder)
        try:
            return cls(folder, _read_dim(folder / IDENTITY_NAME))
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            raise UnreadableIdentity(folder, describe(exc)) from None

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
        turn behind another writer; ``cancel`` stops the wait). A torn tail is cut off,
        a damaged store emptied and the temporary files of killed writers deleted before
        anything is appended."""
        folder.mkdir(parents=True, exist_ok=True)
        check_not_newer(folder)
        lock = FileLock(folder / LOCK_NAME).acquire(cancel=cancel, on_wait=on_wait)
        try:
            remove_stale_temporaries(folder)
            store = cls(folder, dim)
            store._writable = True
            store._repair()
            yield store
        finally:
            lock.release()

    def _repair(self) -> None:
        """Under the write lock: make the files agree, row for row."""
        if self.damage is not None:
            self.rebuild(f"{self.damage}, so which vector belongs to which image is lost")
            return
        if self.count == 0 and _size(self._vectors):
            # Vectors without a single key: a first batch killed before its keys, or the
            # old vectors of a rebuild killed before it replaced them. Readers may have
            # counted those (from the keys it emptied), so they are replaced, not cut in
            # place: a new file is a new generation, and a reader (or an in-process cache)
            # of the old rows does not take the rows appended next for them.
            new_token(self.folder, write_bytes_atomically)
            write_bytes_atomically(self._vectors, b"")
            self.generation = self._file_generation()
        for path, size in (
            (self._vectors, self.count * self.dim * 2),
            (self._keys, self.count * KEY_BYTES),
        ):
            if not path.exists():
                write_bytes_atomically(path, b"")
            elif path.stat().st_size != size:  # a torn tail past every reader's rows
                os.truncate(path, size)
        if self.count == 0 and not _has_format(self.folder):
            self.mark_current()

    def rebuild(self, reason: str) -> None:
        """Under the write lock: delete what was computed from the store, then empty it
        (the caller embeds everything again). The files are replaced, not truncated, so a
        reader keeps the rows it has open.

        The caches go first: a run killed after emptying keys.bin but before replacing
        vectors.f16 leaves the old vectors, which the next writer replaces (:meth:`_repair`)
        before appending the new ones; caches of the old vectors left beside it would stay
        (stale by the new generation, but on disk until the next of each kind is written;
        before generation tokens they were taken for the new ones'). Killed before the keys
        are emptied, the store is as it was, and the next writer rebuilds it again."""
        self._check_writable()
        log.warning("rebuilding the embeddings in %s: %s", self.folder, reason)
        for pattern in DERIVED:
            for path in self.folder.glob(pattern):
                if path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)
        new_token(self.folder, write_bytes_atomically)  # no later file has the old generation
        for path in (self._keys, self._vectors):  # keys first: readers count from them
            write_bytes_atomically(path, b"")
        self.generation = self._file_generation()
        self._index, self.count, self.damage = {}, 0, None
        self.rebuilt = reason
        self.mark_current()

    def _file_generation(self) -> int:
        return file_generation(self.folder, self._vectors.stat().st_ino)

    def mark_current(self) -> None:
        """Record that every row was written (or checked) by this version."""
        self._check_writable()
        write_bytes_atomically(self.folder / FORMAT_NAME, json.dumps({"format": FORMAT}).encode())

    def keys(self) -> list[bytes]:
        """The key of each row, in row order."""
        return list(self._index)

    def index(self) -> dict[bytes, int]:
        """Key -> row (each key is on one row; a store where one is not reads as damaged)."""
        return self._index

    def rows_for(self, hashes: list[str]) -> np.ndarray:
        """Row of each hex hash, -1 where it has no vector."""
        index = self._index
        return np.array([index.get(bytes.fromhex(h), -1) for h in hashes], dtype=np.int64)

    def append(self, hashes: list[str], vectors: np.ndarray) -> None:
        """Add rows for images that have none (vectors first, then keys). If writing
        fails (a full disk), this writer stops: the torn tail is cut by the next one."""
        self._check_writable()
        if len(hashes) != len(vectors) or vectors.shape[1] != self.dim:
            raise ValueError("hashes and vectors do not match")
        keys = [bytes.fromhex(h) for h in hashes]
        if len(set(keys)) < len(keys) or any(k in self._index for k in keys):
            raise ValueError("an image already has a vector in this store")
        data = np.ascontiguousarray(vectors, dtype=np.float16)
        try:
            _append_to(self._vectors, data.tobytes())
            _append_to(self._keys, b"".join(keys))  # only now do readers count the new rows
        except BaseException:
            self._writable = False
            raise
        for offset, key in enumerate(keys):
            self._index[key] = self.count + offset
        self.count += len(keys)

    def matrix(self) -> np.ndarray:
        """All vectors as a read-only memory map (float16, count × dim)."""
        if self.count == 0:
            return np.zeros((0, self.dim), dtype=np.float16)
        with open(self._vectors, "rb") as f:
            info = os.fstat(f.fileno())
            if (
                file_generation(self.folder, info.st_ino) != self.generation
                or info.st_size < self.count * self.dim * 2
            ):
                raise NoEmbeddings(
                    f"the embeddings in {self.folder} were rebuilt while being read; "
                    "run the command again"
                )
            return np.memmap(f, dtype=np.float16, mode="r", shape=(self.count, self.dim))

    def read(self, rows: np.ndarray) -> np.ndarray:
        """Vectors of ``rows`` (ascending, each in 0 .. count - 1) as stored (float16),
        read from the file, not mapped: only their bytes are read (a run of consecutive
        rows at once), and none stay mapped in the process, whose resident memory would
        count the pages around each row a memory map faults in (most of the file for a
        5 % sample of its rows)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), self.dim), dtype=np.float16)
        if len(rows) == 0:
            return out
        width = self.dim * 2
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        starts, stops = np.r_[0, breaks], np.r_[breaks, len(rows)]
        raw = out.view(np.uint8).reshape(len(rows), width)
        with open(self._vectors, "rb", buffering=0) as f:
            info = os.fstat(f.fileno())
            if (
                file_generation(self.folder, info.st_ino) != self.generation
                or info.st_size < self.count * width
            ):
                raise NoEmbeddings(
                    f"the embeddings in {self.folder} were rebuilt while being read; "
                    "run the command again"
                )
            for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
                f.seek(int(rows[a]) * width)
                if f.readinto(raw[a:b].data.cast("B")) != (b - a) * width:
                    raise NoEmbeddings(f"the embeddings in {self.folder} are cut short")
        return out

    def gather(self, rows: np.ndarray, chunk: int = 65536, dtype: type = np.float32) -> np.ndarray:
        """Vectors for ``rows`` (all >= 0) as ``dtype`` (float32, or float16 as stored),
        read in chunks to bound memory spikes."""
        mat = self.matrix()
        out: np.ndarray = np.empty((len(rows), self.dim), dtype=dtype)
        for start in range(0, len(rows), chunk):
            sel = rows[start : start + chunk]
            out[start : start + len(sel)] = mat[sel]
        return out

    def _check_writable(self) -> None:
        if not self._writable:
            raise RuntimeError(
                "writing needs VectorStore.writer (the write lock), and a writer whose "
                "append failed stops"
            )


def identity_record(identity: ModelIdentity, dim: int) -> dict:
    return {"identity": asdict(identity), "dim": dim}


def _read_dim(path: Path) -> int:
    """The vector width recorded in ``identity.json`` (raises if it records none)."""
    dim = json.loads(path.read_text(encoding="utf-8"))["dim"]
    if type(dim) is not int or dim <= 0:
        raise ValueError(f"no vector width in it ({dim!r})")
    return dim


def _identity_problem(path: Path, dim: int) -> str | None:
    """Why ``identity.json`` is not a record of vectors ``dim`` wide, or None."""
    try:
        found = _read_dim(path)
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        return describe(exc)
    return None if found == dim else f"it records vectors {found} wide, not {dim}"


def _read_rows(path: Path) -> bytes:
    """The complete keys in ``path`` (a partly written last key is left out)."""
    try:
        with open(path, "rb") as f:
            rows = os.fstat(f.fileno()).st_size // KEY_BYTES
            data = f.read(rows * KEY_BYTES)
    except FileNotFoundError:
        return b""
    return data[: len(data) // KEY_BYTES * KEY_BYTES]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _append_to(path: Path, data: bytes) -> None:
    with naming(path), open(path, "ab") as f:  # (a full disk's error names the store)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _has_format(folder: Path) -> bool:
    """Whether ``format.json`` says this version wrote the store (unreadable: it did not)."""
    value = _format_of(folder)
    return value is not None and value >= FORMAT


def _format_of(folder: Path) -> int | None:
    try:
        value = json.loads((folder / FORMAT_NAME).read_text(encoding="utf-8"))["format"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_not_newer(folder: Path) -> None:
    """ProjectError when a newer LabelDesk wrote the store in a format this one does not
    know: reading or appending to it could misread or damage its vectors."""
    value = _format_of(folder)
    if value is not None and value > FORMAT:
        raise ProjectError(
            f"the embeddings in {folder} were written by a newer LabelDesk (store format "
            f"{value}; this one knows up to {FORMAT}): update LabelDesk to use them"
        )
