"""`--gpus-per-worker 1` on a cluster without GPUs failed only after the model had
loaded (about 22 s with the bundled one): the cluster's room is asked first now, and
the model is not loaded for a job that cannot run. Stand-ins for Ray, no cluster."""

from __future__ import annotations

import pytest

from cluster.test_ray_model_switch import OTHER, StandIn
from labeldesk.ml import ray_embed
from labeldesk.ml.ray_errors import ClusterError
from labeldesk.ml.store import current_key


def test_a_gpu_ask_a_cpu_cluster_cannot_meet_fails_before_the_model_loads(project, monkeypatch):
    StandIn(monkeypatch, project, take=99, fail=False)  # one node, 2 CPUs, no GPU
    loaded: list[str] = []
    monkeypatch.setattr(ray_embed, "load_backbone", lambda spec: loaded.append(spec) or OTHER)
    phases: list[str] = []
    before = current_key(project)
    with pytest.raises(ClusterError, match=r"0 GPUs.*--gpus-per-worker 0"):
        ray_embed.embed_on_ray(
            project, "tiny:48", address="127.0.0.1:6379", gpus_per_worker=1,
            progress=lambda p: phases.append(p.message),
        )  # fmt: skip
    assert loaded == [] and not any(m.startswith("loading model") for m in phases), phases
    assert current_key(project) == before


def test_a_job_the_cluster_has_room_for_still_loads_the_model(project, monkeypatch):
    cluster = StandIn(monkeypatch, project, take=99, fail=False)
    loaded: list[str] = []
    monkeypatch.setattr(ray_embed, "load_backbone", lambda spec: loaded.append(spec) or OTHER)
    report = ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379")
    assert loaded == ["tiny:48"] and report.embedded == len(cluster.sent[0]) > 0
    assert report.device == "cpu"
