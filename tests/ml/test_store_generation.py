"""A store's generation tells a reader the vectors file it counted from any later one,
even when the filesystem gives the later file the same inode number (ext4 reuses freed
numbers): a rebuild writes a new token beside the file first."""

from __future__ import annotations

import os

import numpy as np
import pytest

from labeldesk.ml import store_generation
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.ray_graph_worker import store_files
from labeldesk.ml.store_index import FILE_NAME
from labeldesk.ml.vectors import VectorStore

DIM = 4
HASHES = [f"{i:032x}" for i in range(DIM)]


def _rebuilt_onto_the_same_inode(folder, new: np.ndarray) -> None:
    """Two rebuilds after which the vectors file has the inode number a reader saw
    before them, holding other rows: a hard link keeps the first file's inode alive, the
    rebuilt rows are written into it, and it is renamed back in place, as a filesystem
    that hands out the freed number again would leave it."""
    vectors = folder / "vectors.f16"
    keep = folder / "kept-inode"
    os.link(vectors, keep)
    with VectorStore.writer(folder, DIM) as store:
        store.rebuild("a test")
        store.append(HASHES, new)
    keep.write_bytes(vectors.read_bytes())  # same inode, the new rows
    os.replace(keep, vectors)


def test_a_reader_is_told_of_a_rebuild_whose_file_got_its_inode_number_again(tmp_path):
    folder = tmp_path / "store"
    old = np.eye(DIM, dtype=np.float32)
    new = old[::-1].copy()
    with VectorStore.writer(folder, DIM) as store:
        store.append(HASHES, old)
    reader = VectorStore(folder, DIM)  # the app's, opened before the rebuilds
    inode = (folder / "vectors.f16").stat().st_ino
    _rebuilt_onto_the_same_inode(folder, new)
    assert (folder / "vectors.f16").stat().st_ino == inode
    # before: the generation was the inode number, so these reads took the rebuilt rows
    # for the images' old vectors without a word
    with pytest.raises(NoEmbeddings, match="rebuilt while being read"):
        reader.gather(np.arange(DIM))
    with pytest.raises(NoEmbeddings, match="rebuilt while being read"):
        reader.matrix()
    fresh = VectorStore(folder, DIM)
    assert fresh.generation != reader.generation
    np.testing.assert_allclose(fresh.gather(np.arange(DIM)), new, atol=1e-3)


def test_a_cluster_node_sees_the_generation_the_project_machine_sees(tmp_path):
    folder = tmp_path / "store"
    with VectorStore.writer(folder, DIM) as store:
        store.append(HASHES, np.eye(DIM, dtype=np.float32))
    (folder / FILE_NAME).write_bytes(b"index")
    untouched = VectorStore(folder, DIM).generation
    assert untouched == (folder / "vectors.f16").stat().st_ino  # a store never rebuilt
    assert store_files(str(folder), DIM)["generation"] == untouched
    with VectorStore.writer(folder, DIM) as store:
        store.rebuild("a test")
        store.append(HASHES, np.eye(DIM, dtype=np.float32))
    (folder / FILE_NAME).write_bytes(b"index")  # (a rebuild deletes the saved index)
    rebuilt = VectorStore(folder, DIM).generation
    assert rebuilt != untouched
    assert store_files(str(folder), DIM)["generation"] == rebuilt


@pytest.mark.parametrize("text", [b"", b"not a token\n", b"\xff" * 32, b"0" * 31 + b"\n"])
def test_a_missing_or_damaged_token_counts_as_none(tmp_path, text):
    (tmp_path / store_generation.TOKEN_NAME).write_bytes(text)
    assert store_generation.file_generation(tmp_path, 1234) == 1234
    assert store_generation.read_token(tmp_path) == ""


def test_the_same_inode_under_two_tokens_is_two_generations():
    a, b = "0" * 32, "f" * 32
    assert store_generation.generation(7, a) != store_generation.generation(7, b)
    assert store_generation.generation(7, a) == store_generation.generation(7, a)
    assert 0 < store_generation.generation(7, a) < 2**56
