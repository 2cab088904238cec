"""`similar` scores are cosine similarities: never above 1, also for an identical image
whose float16 vector dots with itself to a hair over 1."""

from __future__ import annotations

import numpy as np

import labeldesk as ld
from labeldesk import api
from labeldesk.ml import neighbors
from labeldesk.ml.store import project_vectors


class _Index:
    def __init__(self, rows: list[int], sims: list[float]):
        self.rows, self.sims = rows, sims

    def search(self, _queries: np.ndarray, _k: int) -> tuple[np.ndarray, np.ndarray]:
        return np.array([self.sims], np.float32), np.array([self.rows])


def test_a_score_a_hair_over_one_is_one(clustered, monkeypatch):
    project, _ = clustered
    vectors = project_vectors(project)
    query, twin, other = 0, 1, 2
    fake = _Index([query, twin, other], [1.0000484, 1.0000484, -1.0002])
    monkeypatch.setattr(neighbors, "search_index", lambda *_: fake)
    rows = api.records(ld.similar(project, vectors.paths[query], k=2))
    assert [r["path"] for r in rows] == [vectors.paths[twin], vectors.paths[other]]
    assert [r["score"] for r in rows] == [1.0, -1.0]


def test_drift_and_duplicates_report_cosines_in_range():
    """drift --json's nearest_similarity and copies read 1.0001 for a copy of a project
    image; a near-duplicate group's similarity comes through the same function."""
    from labeldesk.ml.drift_neighbours import _copy
    from labeldesk.ml.search import cosine

    assert cosine(np.float32(1.0000484)) == 1.0 and cosine(-1.5) == -1.0
    assert cosine(0.25) == 0.25
    hit = {"path": "train/a.png", "label": "a", "split": "train"}
    assert _copy("new.png", hit, "near", 1.0000484)["similarity"] == 1.0
