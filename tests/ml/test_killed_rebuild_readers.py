"""A rebuild killed between its two files (keys.bin emptied, vectors.f16 not yet replaced)
and finished by the next writer, seen by a process that read the store before: the app
stays open while `labeldesk embed` runs in a terminal. Its reads of the old vectors must
not be taken for the new ones'."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.project import open_project
from labeldesk.ml.cachefiles import write_bytes_atomically
from labeldesk.ml.embed import embed_project
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.store import current_store, forget_shared_vectors, project_vectors
from labeldesk.ml.vectors import VectorStore
from ml.tiny_backbone import tiny_backbone

DIM = 4


def _killed_rebuild(folder: Path) -> None:
    """What a rebuild killed just before it replaced vectors.f16 leaves: its keys emptied
    (a new, empty keys.bin), the old vectors as they were. Without a new generation token:
    as a version before tokens left it (one of today's writes its token first, so its
    readers are told by the generation alone; tests/safety/test_killed_embed.py kills one)."""
    write_bytes_atomically(folder / "keys.bin", b"")


def test_a_reader_of_the_old_rows_is_told_the_store_was_rebuilt(tmp_path):
    folder = tmp_path / "store"
    old = np.eye(DIM, dtype=np.float32)
    new = old[::-1].copy()  # the same images, each now with another's vector
    hashes = [f"{i:032x}" for i in range(DIM)]
    with VectorStore.writer(folder, DIM) as store:
        store.append(hashes, old)
    reader = VectorStore(folder, DIM)  # opened before the rebuild, as the app's is
    _killed_rebuild(folder)
    with VectorStore.writer(folder, DIM) as store:  # the next embed run
        assert store.count == 0
        store.append(hashes, new)
    # before: the old vectors were cut in place (the same file, so the same generation),
    # and this reader read the new rows as its images' vectors without a word
    with pytest.raises(NoEmbeddings, match="rebuilt while being read"):
        reader.gather(np.arange(DIM))
    np.testing.assert_allclose(VectorStore(folder, DIM).gather(np.arange(DIM)), new, atol=1e-3)


def test_vectors_read_before_a_killed_rebuild_are_not_served_after_it(tmp_path):
    root = tmp_path / "images"
    for i in range(12):
        write_image(root / f"c{i % 3}" / f"{i}.png", size=(40, 40), fmt="PNG", seed=i)
    created, _ = create_and_index(tmp_path / "proj", root, workers=1)
    created.close()
    forget_shared_vectors()
    with open_project(tmp_path / "proj") as project:
        embed_project(project, backbone=tiny_backbone(), runtime="torch", batch_size=4)
        clean = project_vectors(project).vectors.copy()
        vectors = current_store(project).folder / "vectors.f16"
        rows = np.fromfile(vectors, dtype=np.float16).reshape(12, -1)
        write_bytes_atomically(vectors, np.roll(rows, 1, 0).tobytes())  # shifted rows,
        forget_shared_vectors()  # as a process that opened such a store reads them
        assert not np.allclose(project_vectors(project).vectors, clean, atol=1e-3)

        _killed_rebuild(vectors.parent)
        embed_project(project, backbone=tiny_backbone(), runtime="torch", batch_size=4)
        # before: the shifted matrix read above, for the same store, generation, row count
        # and rows, was served again (LabelDesk's `issues` and the app answered from it)
        np.testing.assert_allclose(project_vectors(project).vectors, clean, atol=1e-3)
    forget_shared_vectors()
