"""A big project's drift report reads a bounded sample of its vectors: the reference the
tests use and the rows the probe is fitted on are seeded, stratified samples of at most
MAX_REFERENCE and MAX_PROBE_ROWS rows, taken before any vector is copied. Here the caps
are lowered to below the fixture project's size, so the bound is visible on a small one."""

from __future__ import annotations

from collections import Counter

import numpy as np

import labeldesk.ml.drift as drift
import labeldesk.ml.drift_sample as drift_sample
import labeldesk.ml.store as store
from labeldesk.ml.drift import drift_report
from labeldesk.ml.drift_sample import stratified_sample
from labeldesk.ml.vectors import VectorStore
from ml.drift_fixtures import RUN, new_folder, project_fixture

project = project_fixture("drift")


def _counting(monkeypatch) -> list[int]:
    """The rows each read of the project's vector store takes (``read``: rows as stored;
    ``gather``: a matrix of them, as every vector of a project was read)."""
    reads: list[int] = []
    real_read, real_gather = VectorStore.read, VectorStore.gather

    def read(self, rows):
        out = real_read(self, rows)
        reads.append(len(out))
        return out

    def gather(self, rows, *args, **kw):
        out = real_gather(self, rows, *args, **kw)
        reads.append(len(out))
        return out

    monkeypatch.setattr(VectorStore, "read", read)
    monkeypatch.setattr(VectorStore, "gather", gather)
    return reads


def _without_time(report) -> dict:
    data = report.to_json()
    data.pop("created"), data.pop("seconds"), data.pop("embedded")
    return data


def test_rows_read_from_the_project_vectors_stay_under_the_caps(project, tmp_path, monkeypatch):
    """Once its predictions are made (the first check, or the app), a check reads the
    vectors of the rows it samples and of no other: no read takes every row."""
    folder, _ = new_folder(tmp_path / "same", per_class=20, seed=3)
    monkeypatch.setattr(drift, "MAX_REFERENCE", 50, raising=False)
    monkeypatch.setattr(drift_sample, "MAX_PROBE_ROWS", 40, raising=False)
    # warm: embeds the folder, caches the predictions of the rows compared (the sample's:
    # they are kept for the rows they were made for)
    drift_report(project, folder, **RUN)
    rows = len(store.project_vectors(project).paths)
    store.forget_shared_vectors()
    reads = _counting(monkeypatch)
    report = drift_report(project, folder, **RUN)
    new = report.images  # the new images' own vectors, read from the store
    assert reads and max(reads) <= max(50, new) < rows  # before: all 210 rows gathered
    assert sum(reads) - new < rows
    assert report.power["reference_images"] == 50 and report.reference == 210
    assert report.verdict in ("no detectable shift", "shift")


def test_the_copy_check_reads_the_rows_of_few_contents(project, tmp_path, monkeypatch):
    """The exact and near copies are looked for among the rows that share a content with
    a new image or its nearest project image, not among all the project's rows."""
    import labeldesk.ml.drift_neighbours as drift_neighbours
    from labeldesk.core.db import Database

    folder, _ = new_folder(tmp_path / "same", per_class=2, seed=4)
    drift_report(project, folder, **RUN)
    rows_read: list[int] = []
    inside = [False]
    real_query, real_copies = Database.query, drift_neighbours.duplicates_of

    def query(self, sql, params=()):
        rows = real_query(self, sql, params)
        if inside[0]:
            rows_read.append(len(rows))
        return rows

    def copies(*args, **kw):
        inside[0] = True
        try:
            return real_copies(*args, **kw)
        finally:
            inside[0] = False

    monkeypatch.setattr(Database, "query", query)
    monkeypatch.setattr(drift_neighbours, "duplicates_of", copies)
    report = drift_report(project, folder, **RUN)
    assert report.images == 6 and rows_read
    # each new image's content and its nearest project image's (each once here); before:
    # all 210 usable rows of the project
    assert sum(rows_read) <= 2 * report.images


def test_the_report_is_the_one_from_every_vector_read(project, tmp_path, monkeypatch):
    """Rows read as they are indexed give the report that reading every vector gives."""
    folder, _ = new_folder(tmp_path / "shifted", per_class=20, seed=6, new_class=20)
    mapped = _without_time(drift_report(project, folder, **RUN))
    monkeypatch.setattr(store, "mapped_project_vectors", store.project_vectors)
    assert _without_time(drift_report(project, folder, **RUN)) == mapped


def test_a_project_under_the_caps_gets_the_same_report(project, tmp_path, monkeypatch):
    folder, _ = new_folder(tmp_path / "same", per_class=20, seed=5)
    before = _without_time(drift_report(project, folder, **RUN))
    assert before["reference"] == 210
    monkeypatch.setattr(drift, "MAX_REFERENCE", 210)  # exactly the size: nothing sampled
    monkeypatch.setattr(drift_sample, "MAX_PROBE_ROWS", 210)
    assert _without_time(drift_report(project, folder, **RUN)) == before


def test_the_sample_keeps_each_class_share_and_the_order_and_is_seeded():
    rng = np.random.default_rng(0)
    rows = rng.permutation(100_000)
    classes = np.where(rows % 10 == 0, "rare", np.where(rows % 2 == 0, "even", "odd"))
    picked = stratified_sample(rows, classes.tolist(), 1_000, seed=3)
    assert len(picked) == 1_000 and len(set(picked.tolist())) == 1_000
    shares = Counter(np.where(picked % 10 == 0, "rare", np.where(picked % 2 == 0, "even", "odd")))
    assert shares == {"rare": 100, "even": 400, "odd": 500}
    position = {r: i for i, r in enumerate(rows.tolist())}
    assert all(np.diff([position[r] for r in picked.tolist()]) > 0)  # the given order
    assert np.array_equal(picked, stratified_sample(rows, classes.tolist(), 1_000, seed=3))
    assert not np.array_equal(picked, stratified_sample(rows, classes.tolist(), 1_000, seed=4))
    assert stratified_sample(rows[:10], classes[:10].tolist(), 10, seed=3) is rows[:10] or (
        np.array_equal(stratified_sample(rows[:10], classes[:10].tolist(), 10, seed=3), rows[:10])
    )


def test_a_first_check_gathers_no_matrix_of_every_row(project, tmp_path, monkeypatch):
    """A first check (nothing cached: the project side's predictions and their
    neighbours are made in it) reads the rows it samples, and every row only a chunk at
    a time (an index over them); it never gathers every row into one float32 matrix.
    Before, the neighbours of the compared rows were searched with such a copy
    (``vectors_for_every_row``: 0.5 GB at 100k rows, 1 GB at 200k)."""
    from labeldesk.ml.store import embeddings_dir

    folder, _ = new_folder(tmp_path / "first", per_class=10, seed=6)
    for pattern in ("predictions-*.npz", "knn-*.npz", "drift-*.npz"):
        for path in embeddings_dir(project).rglob(pattern):
            path.unlink()
    store.forget_shared_vectors()
    rows = len(store.project_vectors(project).paths)
    store.forget_shared_vectors()
    gathered: list[int] = []
    real_gather = VectorStore.gather

    def gather(self, picked, *args, **kw):
        out = real_gather(self, picked, *args, **kw)
        gathered.append(len(out))
        return out

    monkeypatch.setattr(VectorStore, "gather", gather)
    report = drift_report(project, folder, **RUN)
    assert report.outputs is not None  # the project side was predicted in this check
    assert rows not in gathered
    assert not list(embeddings_dir(project).rglob("predictions-*.npz"))
