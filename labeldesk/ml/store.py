"""Which embeddings a project has, and its images' vectors as one matrix."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from labeldesk.core.image_rows import usable_images
from labeldesk.core.model_versions import (
    EMBEDDING_KEY,
    awaiting_embeddings,
    model_version,
    use_embeddings,
)

from .backbones import Backbone, Preprocess, registered_backbones, split_input_size
from .cachefiles import describe, remove_stale_temporaries, stale, write_bytes_atomically
from .errors import NoEmbeddings
from .store_rows import StoreRows
from .vectors import UnreadableIdentity, VectorStore

if TYPE_CHECKING:
    import sqlite3

    from labeldesk.core.project import Project

SPEC_NAME = "spec.json"


def embeddings_dir(project: Project) -> Path:
    return project.path / "embeddings"


def open_model_store(project: Project, spec: str, backbone: Backbone) -> VectorStore:
    """Open (or create) the store for this backbone, recording ``spec`` (so a later run
    with the same options finds and continues it), without making it the project's
    current model: until it holds a vector the project keeps using the embeddings it has
    (an embedding run interrupted while its model loads must not leave it with none).
    Appending needs :meth:`VectorStore.writer`; then :func:`use_store`."""
    _remove_killed_writes(project)
    store = VectorStore.for_identity(embeddings_dir(project), backbone.identity, backbone.dim)
    if not (store.folder / SPEC_NAME).exists():
        _write_spec(store, spec)
    return store


def _remove_killed_writes(project: Project) -> None:
    """Delete the temporary files killed runs left in any of the project's stores, not
    only this run's: a fine-tune killed while its new store began leaves them in a store
    that no run may open again (the next fine-tune embeds with a newer model)."""
    try:
        folders = [Path(e.path) for e in os.scandir(embeddings_dir(project)) if e.is_dir()]
    except OSError:
        return
    for folder in folders:
        remove_stale_temporaries(folder)


def use_store(project: Project, key: str, *, finished: bool = False) -> None:
    """Make the store ``key`` (which holds vectors) the project's current embeddings;
    ``finished``: the run that fills it ended, each image embedded or could not be read.

    The store of a fine-tune that awaits its embeddings (recorded to re-embed the
    project) becomes the project's only once finished: half of them, in use, would
    leave most images out of every view, though the embeddings it had were whole. An
    image that could not be read counts as done only when the embeddings in use lack
    it too (an image folder not mounted, files deleted without a rescan: else the run
    that finished would leave them all out)."""
    if current_key(project) == key:
        return
    if awaited_key(project) == key and not (finished and _covers_current(project, key)):
        return
    use_embeddings(project.db, key)


def _covers_current(project: Project, key: str) -> bool:
    """Whether store ``key`` has a vector of every usable image that the project's
    current embeddings have one of."""
    hashes = [r[2] for r in usable_images(project.db)]
    try:
        store = VectorStore.open_existing(embeddings_dir(project) / key)
    except NoEmbeddings:
        return False
    if store.damaged:
        return False
    lacking = store.rows_for(hashes) < 0
    if not lacking.any():
        return True
    try:
        current = current_store(project)
    except NoEmbeddings:  # none in use (or unreadable): nothing that switching leaves out
        return True
    if current.damaged:
        return True
    gaps = [h for h, no in zip(hashes, lacking, strict=True) if no]
    return not bool((current.rows_for(gaps) >= 0).any())


def awaited_key(project: Project) -> str | None:
    """The store of the fine-tune that awaits its embeddings, if one does."""
    version_id = awaiting_embeddings(project.db)
    version = None if version_id is None else model_version(project.db, version_id)
    return None if version is None else version.embedding_key


@contextmanager
def current_once_stored(project: Project, store: VectorStore, key: str) -> Iterator[None]:
    """Make ``store`` the project's embeddings when the run ends (finished, cancelled or
    failed) if it holds vectors by then; an empty one leaves the project's as they were,
    and so does an awaited fine-tune's until finished (:func:`use_store`)."""
    try:
        yield
    finally:
        if store.count:
            use_store(project, key)


def _write_spec(store: VectorStore, spec: str) -> None:
    """Record the --model value that made ``store`` (the one writer of ``spec.json``). A
    checkpoint inside the project (a fine-tuned model under ``models/``) is recorded
    relative to the project, so the project still finds it after it is moved or copied."""
    base, size = split_input_size(spec)
    record: dict[str, object] = {"spec": spec}
    with contextlib.suppress(OSError, ValueError):
        inside = Path(base).resolve().relative_to(_project_of(store.folder).resolve())
        if (_project_of(store.folder) / inside).is_file():
            rel = inside.as_posix()
            record = {"spec": rel if size is None else f"{rel}:{size}", "in_project": True}
    write_bytes_atomically(store.folder / SPEC_NAME, json.dumps(record).encode())


def _project_of(store_folder: Path) -> Path:
    return store_folder.parent.parent  # PROJECT/embeddings/KEY


def _read_spec(folder: Path) -> str:
    """``spec.json``'s model spec, a project-relative checkpoint made absolute again. An
    absolute checkpoint path recorded by an older version that no longer exists (the
    project was moved) is looked for at the same place under ``models/`` in the project.
    Raises what reading or parsing the file raises; KeyError without a spec."""
    data = json.loads((folder / SPEC_NAME).read_text(encoding="utf-8"))
    spec = data["spec"]
    if not isinstance(spec, str) or not spec:
        return ""
    base, size = split_input_size(spec)
    project = _project_of(folder)
    if data.get("in_project") is True:
        base = str(project / base)
    elif Path(base).is_absolute() and not Path(base).exists():
        parts = Path(base).parts
        if "models" in parts:
            moved = project.joinpath(*parts[len(parts) - 1 - parts[::-1].index("models") :])
            base = str(moved) if moved.is_file() else base
    return base if size is None else f"{base}:{size}"


def current_key(project: Project) -> str | None:
    return project.db.get_meta(EMBEDDING_KEY)


def embeddings_signature(project: Project) -> tuple[str | None, int]:
    """The project's current embeddings and how far they go (the key, and the size of
    its keys file, which grows with every batch a run writes): cheap enough to look at
    every second or two, so that the app notices an `embed` run in a terminal."""
    key = current_key(project)
    if key is None:
        return None, 0
    try:
        return key, (embeddings_dir(project) / key / "keys.bin").stat().st_size
    except OSError:
        return key, 0


def current_store(project: Project, key: str | None = None) -> VectorStore:
    key = key or current_key(project)
    folder = embeddings_dir(project) / key if key else None
    if folder is None or not (folder / "identity.json").exists():
        raise NoEmbeddings(f"no embeddings yet: run `labeldesk embed {project.path}` first")
    try:
        return VectorStore.open_existing(folder)
    except UnreadableIdentity as exc:  # embedding with the same model rewrites it
        spec = recorded_spec(folder) or "NAME"
        fix = f"`labeldesk embed {project.path} --model {spec}`"
        raise UnreadableIdentity(folder, exc.problem, fix) from None


def recorded_spec(folder: Path) -> str | None:
    """The --model value in ``folder``'s ``spec.json``, if it can be read."""
    try:
        return _read_spec(folder) or None
    except (OSError, ValueError, RecursionError, KeyError, TypeError, AttributeError):
        return None


def model_spec(store: VectorStore) -> str:
    """The --model value that produced ``store`` (to embed a query image the same way).

    ``spec.json`` is a small cache: when it is unreadable it is rebuilt from the store's
    identity if that names a registered backbone; otherwise :class:`NoEmbeddings` says to
    embed again.
    """
    spec_file = store.folder / SPEC_NAME
    try:
        spec = _read_spec(store.folder)
        if spec:
            return spec
        problem = "no model named in it"
    except (OSError, ValueError, RecursionError, KeyError, TypeError, AttributeError) as exc:
        problem = describe(exc)
    name, size = _identity_name(store)
    if name is not None and name in registered_backbones():
        spec = name if size in (None, Preprocess().size) else f"{name}:{size}"
        stale(spec_file, problem, f"rewriting it for the model {spec!r}")
        _write_spec(store, spec)
        return spec
    stale(spec_file, problem, "the model that made these embeddings is unknown")
    raise NoEmbeddings(
        f"{spec_file} is damaged and the model cannot be told from the embeddings; "
        f"run `labeldesk embed --model NAME` again with the model you used"
    )


def stored_input_size(store: VectorStore) -> int:
    """The input side, in pixels, that ``store``'s vectors were made at."""
    return _identity_name(store)[1] or Preprocess().size


def _identity_name(store: VectorStore) -> tuple[str | None, int | None]:
    """The model name and input size recorded in ``store``'s identity."""
    try:
        identity = json.loads((store.folder / "identity.json").read_text())["identity"]
        name = identity["name"]
    except (OSError, ValueError, RecursionError, KeyError, TypeError):
        return None, None
    try:
        size = identity["preprocess"]["size"]
    except (KeyError, TypeError):
        size = None
    return (
        name if isinstance(name, str) else None,
        size if isinstance(size, int) and not isinstance(size, bool) else None,
    )


@dataclass
class ProjectVectors:
    """Usable images that have a vector, aligned row by row with ``vectors``."""

    ids: np.ndarray  # image ids
    paths: list[str]
    hashes: list[str]
    labels: list[str | None]
    splits: list[str | None]  # effective split (labeled without split -> train)
    # L2-normalised, (N, dim): float32, or float16 (as stored) when float32 would take
    # more than HALF_ABOVE_BYTES (1M x 1280: 2.4 GB instead of 4.9 GB)
    vectors: np.ndarray
    key: str
    missing: int  # usable images without a vector (not embedded yet)
    generation: int = 0  # changes when the store is rebuilt (same images, new vectors)

    def row_of(self, path: str) -> int:
        try:
            return self.paths.index(path)
        except ValueError:
            raise KeyError(path) from None


@dataclass
class EmbeddedImages:
    """Which usable images have a vector, without reading any vector: enough to find a
    cache computed from them (the map's)."""

    ids: np.ndarray  # image ids
    paths: list[str]
    hashes: list[str]
    key: str
    generation: int
    missing: int = 0  # usable images without a vector (not embedded yet)


def _embedded(
    project: Project, key: str | None
) -> tuple[VectorStore, list[sqlite3.Row], np.ndarray, int]:
    """The store, the usable images that have a vector (rows by path), their rows in the
    store, and how many usable images have none."""
    store = current_store(project, key)
    rows = usable_images(project.db)
    if store.damaged:
        raise NoEmbeddings(
            f"the embeddings of this project are damaged ({store.damage}); run "
            f"`labeldesk embed {project.path}` to rebuild them"
        )
    found = store.rows_for([r[2] for r in rows])
    keep = np.flatnonzero(found >= 0)
    if len(keep) == 0:
        raise NoEmbeddings(f"no embeddings yet: run `labeldesk embed {project.path}` first")
    return store, [rows[i] for i in keep], found[keep], len(rows) - len(keep)


def project_vectors(project: Project, key: str | None = None) -> ProjectVectors:
    store, picked, rows, missing = _embedded(project, key)
    vectors = _gather_shared(store, rows, _dtype_for(len(rows), store.dim))
    return _with_rows(store, picked, vectors, missing)


def mapped_project_vectors(project: Project, key: str | None = None) -> ProjectVectors:
    """:func:`project_vectors` without reading the vectors up front: ``vectors`` reads a
    row from the store only when it is indexed (:class:`~labeldesk.ml.store_rows.StoreRows`,
    typed as the array it reads like), so a caller that looks at a few thousand rows (the
    queue's strategies) reads only those, not 0.5 GB of float32 at 100k images. Its rows
    are float16 as stored; converted to float32 they are the values
    :func:`project_vectors` gives, exactly."""
    store, picked, rows, missing = _embedded(project, key)
    return _with_rows(store, picked, cast(np.ndarray, StoreRows(store, rows)), missing)


def vectors_for_every_row(vectors: ProjectVectors) -> ProjectVectors:
    """``vectors`` ready for a computation over every row (the predictions): as
    :func:`project_vectors` gives them when they came from :func:`mapped_project_vectors`
    (the same rows: whatever was embedded since is in neither). Above
    :data:`HALF_ABOVE_BYTES` they stay the mapped rows: project_vectors' rows are float16
    as stored there too (the same values), and every computation over all rows reads
    them in chunks (the probe's PCA, the kNN graph), so they are read a chunk at a time,
    never 2.4 GB at once at 1M images. Else ``vectors`` itself."""
    mapped = vectors.vectors
    if not isinstance(mapped, StoreRows):
        return vectors
    dtype = _dtype_for(len(mapped.rows), mapped.store.dim)
    if dtype == np.float16:
        return vectors
    return replace(vectors, vectors=_gather_shared(mapped.store, mapped.rows, dtype))


def _with_rows(
    store: VectorStore, picked: list[sqlite3.Row], vectors: np.ndarray, missing: int
) -> ProjectVectors:
    """The project's rows (id, path, hash, label, split) beside their ``vectors``."""
    return ProjectVectors(
        ids=np.array([r[0] for r in picked], dtype=np.int64),
        paths=[r[1] for r in picked],
        hashes=[r[2] for r in picked],
        labels=[r[3] for r in picked],
        splits=[r[4] for r in picked],
        vectors=vectors,
        key=store.folder.name,
        missing=missing,
        generation=store.generation,
    )


def embedded_images(project: Project, key: str | None = None) -> EmbeddedImages:
    """The images :func:`project_vectors` would return, in the same order, but no
    vector read (at 1M images, after a removal, reading them copies 2.4 GB)."""
    store, picked, _, missing = _embedded(project, key)
    return EmbeddedImages(
        ids=np.array([r[0] for r in picked], dtype=np.int64),
        paths=[r[1] for r in picked],
        hashes=[r[2] for r in picked],
        key=store.folder.name,
        generation=store.generation,
        missing=missing,
    )


def unembedded(project: Project) -> int:
    """How many usable images have no vector (all of them when there are no embeddings,
    or they are damaged), without reading any vector."""
    rows = usable_images(project.db)
    try:
        store = current_store(project)
    except NoEmbeddings:
        return len(rows)
    if store.damaged:
        return len(rows)
    return int((store.rows_for([r[2] for r in rows]) < 0).sum())


# Above this size the vectors are kept as stored (float16), and when the project's rows
# are the store's rows in order, not copied at all but read through the store's memory
# map: every caller works on them in chunks or on subsets (search, the kNN graph, the
# probe's PCA, the map, the queue), so all vectors are never float32 at once.
HALF_ABOVE_BYTES = 1 << 30


def _dtype_for(n: int, dim: int) -> type:
    return np.float16 if n * dim * 4 > HALF_ABOVE_BYTES else np.float32


# The last gathered matrix, shared by every caller until the embedded set changes: the
# predictions, issues, queue, similar-image search and the map each need the same
# (N, dim) float32 matrix, and re-reading it costs ~0.5 s and N·dim·4 bytes at 100k.
_shared_lock = threading.Lock()
_shared: tuple[tuple[str, int, int, bytes, str], np.ndarray] | None = None


def _gather_shared(store: VectorStore, rows: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    """``store.gather(rows)``, reused while the store and the rows are unchanged.

    The store is append-only until it is rebuilt (a new vectors file), so (folder, file,
    row count, rows) identify the result. The array is read-only because every caller
    shares it.
    """
    global _shared
    digest = hashlib.sha1(rows.tobytes()).digest()
    key = (str(store.folder), store.generation, store.count, digest, np.dtype(dtype).str)
    with _shared_lock:
        if _shared is not None and _shared[0] == key:
            return _shared[1]
    with _shared_lock:
        _shared = None  # the old matrix goes before the new one is read, not after
    matrix = _as_stored(store, rows) if dtype == np.float16 else None
    if matrix is None:
        matrix = store.gather(rows, dtype=dtype)
    matrix.setflags(write=False)
    with _shared_lock:
        _shared = (key, matrix)
    return matrix


def _as_stored(store: VectorStore, rows: np.ndarray) -> np.ndarray | None:
    """The store's own memory map when ``rows`` are its first rows in order (a project
    embedded as it was scanned, the usual case): no copy at all, the operating system
    pages the vectors in and out as they are read, so a 1M-image project does not hold
    2.4 GB of float16 in the process. None when the rows are picked or reordered."""
    n = len(rows)
    if n == 0 or n > store.count or rows[0] != 0 or rows[-1] != n - 1:
        return None
    if not np.array_equal(rows, np.arange(n)):
        return None
    return store.matrix()[:n]


def forget_shared_vectors() -> None:
    """Drop the shared matrix (tests, or to free memory when a project closes)."""
    global _shared
    with _shared_lock:
        _shared = None
