from __future__ import annotations

import numpy as np
import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml import neighbors, store
from labeldesk.ml.cachefiles import replace_versions, write_atomically
from labeldesk.ml.insights import image_insights, more_like
from labeldesk.ml.store import project_vectors
from labeldesk.ml.vectors import VectorStore

from .fake_embeddings import DIM, make_clustered_project


def test_insights_flag_planted_errors_and_describe_every_embedded_image(clustered):
    project, flipped = clustered
    insights = image_insights(project)
    ids = project.ids_for(flipped)
    assert len(insights) == 115
    rows = np.flatnonzero(np.isin(insights.ids, list(ids.values())))
    assert insights.flagged[rows].all()
    assert {insights.classes[s] for s in insights.suggested[rows]} == {"bee"}
    # The two planted errors score lowest of all labeled images.
    scored = ~np.isnan(insights.issue_score)
    assert scored.sum() == 105  # labeled images; the 10 unlabeled ones are not scored
    lowest = np.argsort(np.where(scored, insights.issue_score, np.inf))[:2]
    assert set(lowest) == set(rows)
    assert insights.has_model and (insights.confidence[~np.isnan(insights.confidence)] <= 1).all()
    # Neighbours are other images, nearest first.
    assert (insights.neighbour_ids[:, 0] != insights.ids).all()
    sims = insights.neighbour_sims
    assert (np.diff(sims, axis=1)[~np.isnan(np.diff(sims, axis=1))] <= 1e-6).all()


def test_insights_without_labels_have_no_predictions(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    paths = list(project.images().path)
    project.set_labels(dict.fromkeys(paths))
    insights = image_insights(project)
    assert not insights.has_model
    assert np.isnan(insights.confidence).all() and np.isnan(insights.issue_score).all()
    assert not insights.flagged.any()
    assert np.isfinite(insights.outlier_score).all()  # outliers need no labels
    project.close()


def test_insights_can_be_cancelled(clustered):
    project, _ = clustered
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        image_insights(project, cancel=token)


def test_more_like_ranks_the_examples_class_first(clustered):
    project, _ = clustered
    examples = project.ids_for([f"train/cow/cow{i}.png" for i in range(3)])
    found = more_like(project, list(examples.values()), k=20)
    assert len(found) == 20
    assert not set(examples.values()) & {image_id for image_id, _ in found}
    states = {s.image_id: s.label for s in project.image_states([i for i, _ in found])}
    assert sum(states[i] == "cow" for i, _ in found[:15]) >= 14  # 35 cows, 30 are candidates
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_vectors_and_index_are_shared_until_the_store_grows(clustered):
    project, _ = clustered
    first, second = project_vectors(project), project_vectors(project)
    assert first.vectors is second.vectors
    assert not first.vectors.flags.writeable
    assert neighbors.search_index(project, first) is neighbors.search_index(project, second)
    # Appending to the store (more images embedded) makes a fresh matrix.
    folder = store.current_store(project).folder
    with VectorStore.writer(folder, DIM) as writer:
        writer.append(["ab" * 16], np.ones((1, DIM), dtype=np.float32))
    grown = project_vectors(project)
    assert grown.vectors is not first.vectors
    np.testing.assert_array_equal(grown.vectors, first.vectors)  # same images, same rows
    store.forget_shared_vectors()
    assert project_vectors(project).vectors is not grown.vectors


def test_cache_writes_leave_no_temporary_files(tmp_path):
    target = tmp_path / "knn-new.npz"
    (tmp_path / "knn-old.npz").write_bytes(b"old")
    replace_versions(target, "knn-*.npz", lambda tmp: tmp.write_bytes(b"new"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["knn-new.npz"]

    def fail(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(tmp_path / "x.npz", fail)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["knn-new.npz"]


def test_insights_use_one_read_of_the_vectors_while_an_embedding_job_adds_more(
    clustered, monkeypatch
):
    """Predictions, scores and neighbours must line up row by row even when more vectors
    land between two reads (the app embeds while the browser scores)."""
    import dataclasses

    project, _ = clustered
    full = project_vectors(project)
    keep = 100  # an earlier moment: 15 images not embedded yet
    earlier = dataclasses.replace(
        full,
        ids=full.ids[:keep],
        paths=full.paths[:keep],
        hashes=full.hashes[:keep],
        labels=full.labels[:keep],
        splits=full.splits[:keep],
        vectors=full.vectors[:keep],
    )
    monkeypatch.setattr("labeldesk.ml.insights.project_vectors", lambda _project: earlier)
    insights = image_insights(project)  # the rest of the code would read all 115
    assert len(insights) == keep and list(insights.ids) == list(full.ids[:keep])
    assert len(insights.predicted) == len(insights.outlier_score) == keep
    neighbours = insights.neighbour_ids[insights.neighbour_ids >= 0]
    assert set(neighbours.tolist()) <= set(full.ids[:keep].tolist())
