"""Cancel, Ctrl+C and a head that goes away while this machine joins the cluster
(``ray.init``) or while the job starts, without a cluster: each ends the start within
seconds with one message saying nothing was written, and the project is as it was.

Before, ``ray.init`` ran on the job's own thread: Cancel waited for it (and then for the
node check and the job's start, which did not look at Cancel either), and a head gone
during it left the job to Ray's own wait (a minute, or for good in its first stage)."""

from __future__ import annotations

import _thread
import time
from typing import Any

import pytest

from cluster.test_ray_lost import Clock
from cluster.test_ray_model_switch import OTHER
from cluster.test_ray_start_phases import ADDRESS, GoneRay
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml import ray_cluster, ray_embed
from labeldesk.ml.ray_errors import STOPPED_STARTING, ClusterLost
from labeldesk.ml.ray_head import HEAD_CHECK_S, HeadWatch
from labeldesk.ml.store import current_key, embeddings_dir

INIT_WAIT_S = 10.0  # how long the stand-in's ray.init waits for a head that is gone


class JoiningRay(GoneRay):
    """Ray whose ``init`` runs ``during()`` as it starts, then waits for a head that
    is gone (``released`` ends it as Ray's would: failed) unless ``connects_after``
    is set (a head that answers: connected after that many seconds)."""

    def __init__(self, during, connects_after: float | None = None) -> None:
        super().__init__("never", [True])
        self.during = during
        self.connects_after = connects_after
        self.initialized = False
        self.inits = 0
        self.shutdowns = 0

    def is_initialized(self) -> bool:
        return self.initialized

    def init(self, **_kwargs: Any) -> None:
        self.inits += 1
        self.during()
        if self.connects_after is not None:
            time.sleep(self.connects_after)
            self.initialized = True
            return
        self.released.wait(INIT_WAIT_S)
        raise RuntimeError("Failed to connect to GCS within 60 seconds")

    def shutdown(self) -> None:
        self.shutdowns += 1
        self.initialized = False


@pytest.fixture
def joining(monkeypatch, project):
    """``joining(fake, cancel)``: embed_on_ray on ``project`` against ``fake``, joined
    through the real :func:`~labeldesk.ml.ray_cluster.connect`; the exception raised."""
    pytest.importorskip("ray")
    fakes: list[JoiningRay] = []
    monkeypatch.setattr(ray_embed, "prepare_import", lambda address: None)
    monkeypatch.setattr(ray_embed, "check_reachable", lambda address: None)
    monkeypatch.setattr(ray_cluster, "check_reachable", lambda address: None)
    monkeypatch.setattr(ray_cluster.ray_loopback, "driver_mismatch", lambda ray, target: None)
    monkeypatch.setattr(ray_embed, "load_backbone", lambda spec: OTHER)

    def run(fake: JoiningRay, cancel: CancelToken | None = None) -> BaseException:
        fakes.append(fake)
        monkeypatch.setattr(ray_embed, "import_ray", lambda: fake)
        with pytest.raises(BaseException) as raised:
            ray_embed.embed_on_ray(project, "tiny:48", address=ADDRESS, cancel=cancel)
        return raised.value

    yield run
    for fake in fakes:
        fake.released.set()
    for left in list(ray_cluster._LEFT_TO_RAY):
        left.join(INIT_WAIT_S)


def nothing_written(project, before: str | None) -> bool:
    return current_key(project) == before and not embeddings_dir(project).exists()


def test_cancel_while_joining_the_cluster_stops_it_with_nothing_written(joining, project):
    before = current_key(project)
    cancel = CancelToken()
    fake = JoiningRay(cancel.cancel)  # Cancel pressed as ray.init starts; the head is gone
    stopped = joining(fake, cancel)
    assert isinstance(stopped, Cancelled), stopped
    assert str(stopped) == STOPPED_STARTING
    assert not fake.released.is_set()  # it did not wait for Ray's init to give up
    assert nothing_written(project, before)


def test_cancel_while_joining_a_cluster_that_answers_leaves_it_disconnected(joining, project):
    before = current_key(project)
    cancel = CancelToken()
    fake = JoiningRay(cancel.cancel, connects_after=0.3)
    stopped = joining(fake, cancel)
    assert isinstance(stopped, Cancelled) and str(stopped) == STOPPED_STARTING, stopped
    for left in list(ray_cluster._LEFT_TO_RAY):  # on a slow machine: ended in Ray's time
        left.join(INIT_WAIT_S)
    assert not fake.initialized and fake.shutdowns >= 1  # not left connected for nobody
    assert fake.reached == []  # nothing more asked of the cluster
    assert nothing_written(project, before)


@pytest.mark.parametrize("phase", ["nodes", "probe"])
def test_cancel_while_the_job_starts_stops_it_with_nothing_written(joining, project, phase):
    """Each call into Ray before the first batch waits for it (GoneRay: the cluster's
    shape, the node check); Cancel ends the wait and the project is as before."""
    before = current_key(project)
    cancel = CancelToken()
    fake = JoiningRay(lambda: None, connects_after=0.0)
    fake.at = phase
    fake._phase = lambda name: (fake.reached.append(name), name == phase and wait(fake, cancel))
    stopped = joining(fake, cancel)
    assert isinstance(stopped, Cancelled) and str(stopped) == STOPPED_STARTING, stopped
    assert fake.reached[-1] == phase
    assert nothing_written(project, before)


def wait(fake: JoiningRay, cancel: CancelToken) -> None:
    """A call into Ray that waits (a node starting a worker process) while Cancel is
    pressed."""
    cancel.cancel()
    fake.released.wait(INIT_WAIT_S)


def test_ctrl_c_while_joining_the_cluster_says_nothing_was_written(joining, project):
    before = current_key(project)
    stopped = joining(JoiningRay(_thread.interrupt_main))  # Ctrl+C as ray.init starts
    assert isinstance(stopped, KeyboardInterrupt), stopped
    assert stopped.__notes__ == [STOPPED_STARTING]  # the command: "interrupted; nothing…"
    assert nothing_written(project, before)


def test_a_head_gone_while_joining_the_cluster_is_said_within_seconds(
    joining, project, monkeypatch
):
    """The head's port stops answering as ray.init starts: the start ends with the
    message of a head gone at any other moment of the start, not Ray's wait."""
    answering, clock = [True], Clock()

    def answers(target: tuple[str, int]) -> bool:
        assert target == ("head-node", 6379)
        clock.now += HEAD_CHECK_S
        return answering[0]

    class Watched(HeadWatch):
        def __init__(self, address: str, target: Any, **kwargs: Any) -> None:
            super().__init__(address, target, answers=answers, clock=clock, **kwargs)

    monkeypatch.setattr(ray_cluster, "HeadWatch", Watched)
    before = current_key(project)
    fake = JoiningRay(lambda: answering.__setitem__(0, False))
    lost = joining(fake)
    assert isinstance(lost, ClusterLost), lost
    assert str(lost) == (
        f"the Ray cluster at {ADDRESS} stopped answering (its head is gone or out of "
        "reach); nothing was written: run it again once the cluster is back"
    )
    assert fake.inits == 1 and not fake.released.is_set()
    assert nothing_written(project, before)


def test_a_connection_left_to_ray_is_not_started_again_meanwhile(joining, project):
    cancel = CancelToken()
    fake = JoiningRay(cancel.cancel)
    joining(fake, cancel)
    assert any(t.is_alive() for t in ray_cluster._LEFT_TO_RAY)  # Ray's init still waits
    again = joining(JoiningRay(lambda: None, connects_after=0.0))
    assert "still in Ray's hands" in str(again), again
    fake.released.set()  # Ray's init gives up: the next job may connect
    for left in list(ray_cluster._LEFT_TO_RAY):
        left.join(INIT_WAIT_S)
    cancel = CancelToken()
    again = joining(JoiningRay(cancel.cancel, connects_after=0.0), cancel)
    assert isinstance(again, Cancelled) and str(again) == STOPPED_STARTING, again
