"""The labeling queue's strategies stop between their steps once the job's token is set
(Esc on the queue's page), rather than run to the end with the job bar saying
"cancelling…". The steps are counted, not timed."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml import probe
from labeldesk.ml.active import make_context, query
from labeldesk.ml.map_data import point_values
from labeldesk.ml.neighbors import neighbor_graph
from labeldesk.ml.predictions import cached_predictions, project_predictions
from labeldesk.ml.queue import next_to_label
from labeldesk.ml.strategies import herding, kmeans, typiclust


@pytest.fixture
def clustered(clustered):
    """The conftest's clustered project alone, its graph and predictions cached."""
    project, _ = clustered
    neighbor_graph(project)
    project_predictions(project)  # cached: the queue's time is the strategy's
    return project


def counted(monkeypatch, module, name: str, on_call=None) -> list[int]:
    """Calls of ``module.name`` from now on (``on_call`` run before each)."""
    real, calls = getattr(module, name), []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if on_call is not None:
            on_call()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return calls


def test_the_queue_stops_between_the_strategy_steps(clustered, monkeypatch):
    token = CancelToken()
    widths = counted(monkeypatch, herding, "_width2", on_call=token.cancel)  # Esc, here
    greedy = counted(monkeypatch, herding, "greedy_coverage")
    with pytest.raises(Cancelled):
        next_to_label(clustered, 10, cancel=token)
    assert widths  # (the default strategy herds with these labels)
    assert not greedy  # before: herded to the end, the queue chosen after the cancel


def test_the_queue_goes_to_its_end_without_a_cancel(clustered, monkeypatch):
    greedy = counted(monkeypatch, herding, "greedy_coverage")
    token = CancelToken()
    assert len(next_to_label(clustered, 10, cancel=token).rows) == 10
    assert greedy


def cold_context(token: CancelToken):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return make_context(x, np.full(600, -1), 3, fit=False, cancel=token)


def test_typiclust_stops_between_its_clusters(monkeypatch):
    token = CancelToken()
    ranked = counted(monkeypatch, typiclust, "_rank_cluster", on_call=token.cancel)
    with pytest.raises(Cancelled):
        query(cold_context(token), 20, "typiclust")
    assert len(ranked) == 1  # before: one per pick, 20


def test_kmeans_stops_between_its_steps(monkeypatch):
    token = CancelToken()
    seeds = counted(monkeypatch, kmeans, "kmeans_pp_seeds", on_call=token.cancel)
    searched = counted(monkeypatch, kmeans, "_f32")
    with pytest.raises(Cancelled):
        query(cold_context(token), 20, "typiclust")
    assert seeds
    assert len(searched) == 1  # the sample read for the seeds; before: its rows assigned too


@pytest.mark.parametrize("key", ["prediction", "issue"])
def test_the_maps_colouring_stops_its_predictions_once_cancelled(tmp_path, key, monkeypatch):
    from ml.fake_embeddings import make_clustered_project

    project, _ = make_clustered_project(tmp_path)
    neighbor_graph(project)
    token = CancelToken()
    fits = counted(monkeypatch, probe, "_fit", on_call=token.cancel)  # cancelled in the first
    with pytest.raises(Cancelled):
        point_values(project, ["train/cow/cow0.png"], key, token)
    assert len(fits) <= 2  # (one more may begin); before: every fold, cached
    assert cached_predictions(project) is None
    project.close()
