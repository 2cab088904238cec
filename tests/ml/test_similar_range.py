"""`similar` scores are cosine similarities: never above 1, also for an identical image
whose float16 vector dots with itself to a hair over 1."""

from __future__ import annotations

import numpy as np

import labeldesk as ld
from labeldesk import api
from labeldesk.ml import neighbors
from labeldesk.ml.search import UNDER_ONE
from labeldesk.ml.store import project_vectors


class _Index:
    def __init__(self, rows: list[int], sims: list[float]):
        self.rows, self.sims = rows, sims

    def search(self, _queries: np.ndarray, _k: int) -> tuple[np.ndarray, np.ndarray]:
        return np.array([self.sims], np.float32), np.array([self.rows])


def test_a_score_a_hair_over_one_is_at_most_one(clustered, monkeypatch):
    project, _ = clustered
    vectors = project_vectors(project)
    query, twin, other = 0, 1, 2
    fake = _Index([query, twin, other], [1.0000484, 1.0000484, -1.0002])
    monkeypatch.setattr(neighbors, "search_index", lambda *_: fake)
    rows = api.records(ld.similar(project, vectors.paths[query], k=2))
    assert [r["path"] for r in rows] == [vectors.paths[twin], vectors.paths[other]]
    # a different image: under 1 (an exact copy reads 1.0: see the test below)
    assert [r["score"] for r in rows] == [UNDER_ONE, -1.0]


def test_drift_and_duplicates_report_cosines_in_range():
    """drift --json's nearest_similarity and copies read 1.0001 for a copy of a project
    image; a near-duplicate group's similarity comes through the same function."""
    from labeldesk.ml.drift_neighbours import _copy
    from labeldesk.ml.search import cosine

    assert cosine(np.float32(1.0000484)) == 1.0 and cosine(-1.5) == -1.0
    assert cosine(0.25) == 0.25
    hit = {"path": "train/a.png", "label": "a", "split": "train"}
    assert _copy("new.png", hit, "near", 1.0000484)["similarity"] == 1.0


def test_an_exact_copy_is_100_percent_and_a_near_one_never_is(clustered, monkeypatch):
    """An exact copy (same content) shares its vector, whose float16 dot with itself
    lands a hair under 1 (">99%") for one image and over 1 (clamped: "100%") for another.
    It now reads 1.0 (100%) whatever the rounding; a different image reads under 1
    (">99%" at most), even when its dot lands over 1."""
    from dataclasses import replace

    from labeldesk.core.display import format_similarity

    project, _ = clustered
    vectors = project_vectors(project)
    query, twin, near = 0, 1, 2
    hashes = list(vectors.hashes)
    hashes[twin] = hashes[query]
    copied = replace(vectors, hashes=hashes)
    monkeypatch.setattr(neighbors, "project_vectors", lambda *_a, **_k: copied)
    fake = _Index([query, twin, near], [0.9998, 0.9998, 1.0000484])
    monkeypatch.setattr(neighbors, "search_index", lambda *_: fake)
    rows = api.records(ld.similar(project, vectors.paths[query], k=2))
    assert [r["path"] for r in rows] == [vectors.paths[twin], vectors.paths[near]]
    twin_score, near_score = (r["score"] for r in rows)
    assert twin_score == 1.0 and format_similarity(twin_score) == "100%"
    assert 0.99 < near_score < 1.0 and format_similarity(near_score) == ">99%"


def test_a_near_duplicate_group_never_reads_100_percent(clustered):
    """A near pair (different content) whose float16 dot lands over 1 made its group read
    "100% alike" like an exact copy; it now reads under 1 (">99%")."""
    from labeldesk.core.display import format_similarity
    from labeldesk.ml.duplicates import find_duplicates
    from labeldesk.ml.neighbors import NeighborGraph

    project, _ = clustered
    vectors = project_vectors(project)
    n = len(vectors.paths)
    sims = np.full((n, 1), -1.0, np.float32)
    rows = np.full((n, 1), -1)
    sims[0, 0], rows[0, 0] = 1.0000484, 1
    assert vectors.hashes[0] != vectors.hashes[1]
    graph = NeighborGraph(vectors, sims, rows)
    groups = find_duplicates(project, 0.99, None, max_pixel_difference=None, graph=graph)
    [group] = [g for g in groups if vectors.paths[0] in g.paths]
    assert group.kind == "near" and sorted(group.paths) == sorted(vectors.paths[:2])
    assert group.similarity < 1.0 and format_similarity(group.similarity) == ">99%"
