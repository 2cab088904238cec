"""A Ray job that fails on the cluster (here: its relay killed by Ray's memory monitor,
with Ray's own error text) says what it kept: the images embedded before, or that no
batch had come back. Before, it said "the batches that came back before are kept, and
running it again embeds the rest" in both cases, also when none had come back (seen on a
local two-node cluster: "…; the batches that came back before are kept …; where the time
went: …, no batch came back"). The cluster is a stand-in (no Ray job): the batches come
from a list, then Ray's error."""

from __future__ import annotations

import pytest
from ml.test_ray_lost_processes import OOM, ActorDiedError

from cluster.test_ray_model_switch import StandIn, batch, embedded  # noqa: F401
from labeldesk.ml import ray_embed, ray_results
from labeldesk.ml.ray_errors import ClusterError, ImageMissingOnWorker
from labeldesk.ml.ray_worker import MISSING
from labeldesk.ml.store import project_vectors


class EndsBadly(StandIn):
    """The job hands back ``take`` batches of ``size`` images, then what :meth:`last`
    makes of the next batch's images (an error it raises, or batches)."""

    def run_job(self, ray, items, spec, root, plan, watch=None, explain=None):
        def batches():
            for i in range(self.take):
                yield batch(items[i * self.size : (i + 1) * self.size])
            yield from self.last(items[self.take * self.size : (self.take + 1) * self.size])

        return ray_results.Outputs(batches(), watch=watch, explain=lambda error: None)

    def last(self, items) -> list[dict]:
        raise NotImplementedError


class KilledForMemory(EndsBadly):
    """Then Ray's error for a relay the memory monitor killed."""

    def last(self, items) -> list[dict]:
        raise ActorDiedError(OOM)


def failed(project) -> str:
    with pytest.raises(ClusterError) as raised:
        ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379")
    assert type(raised.value) is ClusterError  # `--json`'s kind stays ClusterError
    return str(raised.value)


def test_a_job_failing_before_its_first_batch_says_none_came_back(embedded, monkeypatch):  # noqa: F811
    project, _ = embedded
    KilledForMemory(monkeypatch, project, take=0)
    message = failed(project)
    assert message.startswith("the Ray job failed: Ray's memory monitor killed JobRelay")
    assert message.endswith("; no batch had come back yet: run it again")
    assert "kept" not in message


def test_a_job_failing_mid_way_says_what_it_kept_and_what_is_left(embedded, monkeypatch):  # noqa: F811
    project, n = embedded
    KilledForMemory(monkeypatch, project, take=2)
    message = failed(project)
    assert message.endswith(
        f"; the 8 images embedded before that are kept and {n - 8} are left: run it again, "
        "and it embeds only those"
    )
    assert len(project_vectors(project).paths) == 8  # the two batches, kept whole


class MountGone(EndsBadly):
    """Batches of :data:`~.ray_results.LOST_BATCH`, then one whose every image the workers
    did not find (their mount of the image folder gone), while the images are here."""

    def __init__(self, monkeypatch, project, take: int):
        super().__init__(monkeypatch, project, take, size=ray_results.LOST_BATCH)

    def last(self, items) -> list[dict]:
        lost = batch(items)
        lost["status"][:] = MISSING
        lost["reason"][:] = "not found: /mnt/photos/a/1.png"
        return [lost]


def missing_on_worker(project) -> str:
    with pytest.raises(ImageMissingOnWorker) as raised:
        ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379")
    return str(raised.value)


def test_images_missing_on_the_workers_before_any_batch_says_nothing_was_kept(
    embedded,  # noqa: F811
    monkeypatch,
):
    """It said "finished batches are kept" when none had come back."""
    project, _ = embedded
    MountGone(monkeypatch, project, take=0)
    message = missing_on_worker(project)
    assert message.startswith("not found: /mnt/photos/a/1.png (all 8 of this batch): check")
    assert message.endswith("(--remote-root); no batch had come back yet: run it again")
    assert "kept" not in message


def test_images_missing_on_the_workers_mid_way_says_what_was_kept(embedded, monkeypatch):  # noqa: F811
    project, n = embedded
    assert n >= 2 * ray_results.LOST_BATCH
    MountGone(monkeypatch, project, take=1)
    message = missing_on_worker(project)
    assert message.endswith(
        f"(--remote-root); the 8 images embedded before that are kept and {n - 8} are "
        "left: run it again, and it embeds only those"
    )
    assert len(project_vectors(project).paths) == 8
