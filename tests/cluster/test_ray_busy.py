"""A cluster whose CPUs another job holds: the job waits, and says so while it waits.

Before, ``embed --ray`` showed "embedding on the Ray cluster (cpu): 0/N images (0%)"
for as long as the other job held them (589 s on a local two-node cluster behind one
that held all 4 CPUs for 10 minutes), with no word of why."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml.ray_embed import embed_on_ray

# Another job: a driver of its own whose tasks hold every CPU of the cluster for 150 s
# (the job before this change waited that long, then embedded with nothing said)
HOG = textwrap.dedent(
    """
    import sys, time
    import ray
    ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
    cpus = int(ray.cluster_resources()["CPU"])

    @ray.remote(num_cpus=1)
    def hold():
        time.sleep(150)

    refs = [hold.remote() for _ in range(cpus)]
    deadline = time.monotonic() + 120
    while ray.available_resources().get("CPU", 0) >= 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    print("holding", flush=True)
    time.sleep(150)
    """
)


@pytest.fixture
def other_job(ray_cluster):
    hog = subprocess.Popen(
        [sys.executable, "-c", HOG, ray_cluster.address],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),  # the cluster's token and loopback settings
    )
    try:
        assert hog.stdout is not None and hog.stdout.readline().strip() == "holding"
        yield hog
    finally:
        hog.kill()  # its driver gone, Ray ends its tasks and frees the CPUs
        hog.wait(timeout=30)


def test_a_job_waiting_for_cpus_that_another_job_holds_says_so(
    ray_cluster, other_job, sample_project
):
    cancel = CancelToken()
    said: list[str] = []

    def watch(update) -> None:
        said.append(update.message)
        if update.message.startswith("waiting for a free CPU"):
            cancel.cancel()

    try:
        report = embed_on_ray(
            sample_project, address=ray_cluster.address, progress=watch, cancel=cancel
        )
    except Cancelled:
        pass
    else:
        assert report.cancelled and report.embedded == 0
    waiting = [m for m in said if m.startswith("waiting for a free CPU")]
    assert waiting == [
        "waiting for a free CPU on the Ray cluster: all 2 are in use, 2 of them by other "
        "jobs when this one started; its workers need one each (`ray status` on the head "
        "shows what holds them; Cancel or Ctrl+C stops)"
    ], said
