"""`similar` on a project above the exact-search size answers from the store's saved
index, reading only the images it shows: the same answer as the search over every
image, without reading the images table whole or gathering every vector."""

from __future__ import annotations

import numpy as np
import pytest

import labeldesk as ld
from labeldesk import api
from labeldesk.core import image_rows
from labeldesk.ml import nearest_rows, neighbors, search, store
from labeldesk.ml.search import IndexConfig
from labeldesk.ml.store import project_vectors
from labeldesk.ml.vectors import VectorStore

# The compressed index at this project's scale (115 images, 16-d): every list probed.
SMALL = IndexConfig(False, nlist=4, nprobe=4, reduced=16, code_bytes=4, rerank=64)


def compressed(monkeypatch) -> None:
    """Make every project above 64 images count as large (searched by the index)."""

    def choose(cls, n, exact_max=0, nprobe=None):
        return IndexConfig(exact=True) if n < 64 else SMALL

    monkeypatch.setattr(IndexConfig, "choose", classmethod(choose))


def answers(project, paths, k=10):
    """``ld.similar``'s rows, as the search gives them (without the API's check of each
    listed file on disk, ``file_missing``)."""
    return [
        [{key: v for key, v in row.items() if key != "file_missing"} for row in rows]
        for rows in (api.records(ld.similar(project, p, k=k)) for p in paths)
    ]


def same_within_rounding(got, expected):
    """The same images in the same order with the same labels; similarities equal but
    for the last bit (a BLAS scan and the re-rank's product round differently)."""
    strip = [[(r["path"], r["label"]) for r in rows] for rows in got]
    assert strip == [[(r["path"], r["label"]) for r in rows] for rows in expected]
    scores = [r["score"] for rows in got for r in rows]
    np.testing.assert_allclose(scores, [r["score"] for rows in expected for r in rows], atol=1e-6)


@pytest.fixture(autouse=True)
def fresh_caches():
    neighbors._last_index = nearest_rows._last = nearest_rows._opened = None
    store.forget_shared_vectors()
    yield
    neighbors._last_index = nearest_rows._last = nearest_rows._opened = None
    store.forget_shared_vectors()


def test_the_index_answer_is_the_exact_search_answer(clustered, monkeypatch):
    project, _ = clustered
    paths = project_vectors(project).paths[::9]
    exact = answers(project, paths)  # 115 images: searched exactly over every vector
    neighbors._last_index = None
    compressed(monkeypatch)
    assert nearest_rows.similar_from_index(project, paths[0], 10) is not None  # applies
    from_index = answers(project, paths)
    same_within_rounding(from_index, exact)
    # ... and exactly what the whole-project search over the same index answers
    monkeypatch.setattr(nearest_rows, "similar_from_index", lambda *_a: None)
    neighbors._last_index = None
    assert answers(project, paths) == from_index


def test_only_the_rows_shown_are_read(clustered, monkeypatch):
    project, _ = clustered
    path = project_vectors(project).paths[5]
    compressed(monkeypatch)
    expected = answers(project, [path])[0]
    store.forget_shared_vectors()

    def whole(*_a, **_k):
        raise AssertionError("read every image or every vector")

    monkeypatch.setattr(store, "usable_images", whole)
    monkeypatch.setattr(store, "_gather_shared", whole)
    fetched = []
    real = image_rows.usable_with_hashes

    def counted(db, hashes):
        rows = real(db, hashes)
        fetched.append(len(rows))
        return rows

    monkeypatch.setattr(nearest_rows, "usable_with_hashes", counted)
    assert answers(project, [path])[0] == expected
    assert fetched and sum(fetched) <= SMALL.rerank  # the candidates' images, no more


def test_removed_images_and_shared_content_give_the_same_answer(clustered, monkeypatch):
    """Found store rows no usable image has are skipped (the search widens), and an image
    whose content another path shares answers for both, in path order."""
    project, _ = clustered
    paths = project_vectors(project).paths
    query = paths[3]
    compressed(monkeypatch)
    near = [r["path"] for r in answers(project, [query], k=12)[0]]
    with project.db.write() as conn:
        conn.executemany(
            "UPDATE images SET removed_at = 1 WHERE path = ?", [(p,) for p in near[:6]]
        )
        twin = conn.execute("SELECT hash FROM images WHERE path = ?", (near[7],)).fetchone()[0]
        conn.execute("UPDATE images SET hash = ? WHERE path = ?", (twin, near[10]))
    from_index = answers(project, [query], k=10)[0]
    assert nearest_rows.similar_from_index(project, query, 10) == from_index  # applies
    monkeypatch.setattr(nearest_rows, "similar_from_index", lambda *_a: None)
    store.forget_shared_vectors()
    assert from_index == answers(project, [query], k=10)[0]
    assert not set(near[:6]) & {r["path"] for r in from_index}


def test_the_store_is_opened_once_while_its_files_are_unchanged(clustered, monkeypatch):
    """Each ask used to open the store (every key read, indexed and listed again: O(store)
    a click); now the last one is kept until rows are appended, then opened again."""
    project, _ = clustered
    paths = project_vectors(project).paths
    compressed(monkeypatch)
    opened = []
    real = nearest_rows.current_store

    def counted(*a):
        opened.append(1)
        return real(*a)

    monkeypatch.setattr(nearest_rows, "current_store", counted)
    asked = paths[::23]
    kept = [nearest_rows.similar_from_index(project, p, 10) for p in asked]
    assert len(opened) == 1
    fresh = []
    for p in asked:
        nearest_rows._opened = None
        fresh.append(nearest_rows.similar_from_index(project, p, 10))
    assert kept == fresh and None not in kept
    # a new image embedded: the store is opened again, and the new image is found
    old = store.current_store(project)
    twin = np.asarray(
        old.matrix()[
            old.rows_for(
                [project.db.query("SELECT hash FROM images WHERE path = ?", (paths[0],))[0][0]]
            )[0]
        ],
        dtype=np.float32,
    )
    new_hash = "ab" * 16
    with VectorStore.writer(old.folder, old.dim) as writer:
        writer.append([new_hash], twin[None, :])
    with project.db.write() as conn:
        conn.execute(
            "INSERT INTO images (path, size, mtime_ns, hash, indexed_at) VALUES (?, 1, 1, ?, 1)",
            ("zz-new.png", new_hash),
        )
    opened.clear()
    rows = nearest_rows.similar_from_index(project, paths[0], 10)
    assert len(opened) == 1 and rows is not None and rows[0]["path"] == "zz-new.png"


def test_the_images_are_counted_only_up_to_the_exact_search_size(clustered, monkeypatch):
    """Whether to search the index needs only whether the project is above the exact
    size: the count stops there (every usable row was counted on each ask)."""
    project, _ = clustered
    total = image_rows.usable_count(project.db)
    assert image_rows.usable_count(project.db, at_most=10) == 10
    assert image_rows.usable_count(project.db, at_most=total + 5) == total
    compressed(monkeypatch)
    asked = []
    real = nearest_rows.usable_count

    def counted(db, **kw):
        asked.append(kw.get("at_most"))
        return real(db, **kw)

    monkeypatch.setattr(nearest_rows, "usable_count", counted)
    assert nearest_rows.similar_from_index(project, project_vectors(project).paths[0], 10)
    assert asked == [search.EXACT_MAX + 1]
