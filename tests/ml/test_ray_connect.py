"""Connecting to a cluster: a Ray Client server that dies as it starts is retried, and a
failed connection is shut down so later connections are not poisoned by it."""

from __future__ import annotations

import pytest

from labeldesk.ml import ray_cluster
from labeldesk.ml.ray_errors import ClusterMismatch, ClusterUnavailable

RACE = ConnectionAbortedError(
    "Initialization failure from server:\npsutil.ZombieProcess: PID still exists but it's a zombie"
)


class FakeRay:
    def __init__(self, failures: list[Exception]):
        self.failures = failures
        self.inits = 0
        self.shutdowns = 0

    def is_initialized(self) -> bool:
        return False

    def init(self, **_kwargs: object) -> None:
        self.inits += 1
        if self.failures:
            raise self.failures.pop(0)

    def shutdown(self) -> None:
        self.shutdowns += 1


@pytest.fixture(autouse=True)
def reachable(monkeypatch):
    pytest.importorskip("ray.data")
    monkeypatch.setattr(ray_cluster, "check_reachable", lambda address: None)


def test_a_server_that_died_starting_is_tried_again():
    ray = FakeRay([RACE])
    assert ray_cluster.connect(ray, "ray://127.0.0.1:1") is True
    assert ray.inits == 2 and ray.shutdowns == 1  # the half-made connection was dropped


def test_the_race_every_time_is_a_clear_error_after_the_last_attempt():
    ray = FakeRay([RACE] * ray_cluster.CONNECT_ATTEMPTS)
    with pytest.raises(ClusterUnavailable, match="Initialization failure"):
        ray_cluster.connect(ray, "ray://127.0.0.1:1")
    assert ray.inits == ray_cluster.CONNECT_ATTEMPTS
    assert ray.shutdowns == ray_cluster.CONNECT_ATTEMPTS


def test_other_failures_are_not_retried_and_are_cleaned_up():
    ray = FakeRay([RuntimeError("Version mismatch: the cluster has Python 3.12")])
    with pytest.raises(ClusterMismatch):
        ray_cluster.connect(ray, "127.0.0.1:1")
    assert ray.inits == 1 and ray.shutdowns == 1
