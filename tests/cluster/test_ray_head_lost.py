"""`labeldesk embed --ray` on a throwaway two-node cluster whose head is killed mid-job:
the command stops with one message saying the cluster stopped answering, the batches
that came back stay in the project whole, and the next run sends only the rest.

Before, Ray's driver waited a minute for the head, then ended the process itself with
"Failed to connect to GCS within 60 seconds ... The program will terminate": exit code 1,
no JSON document, nothing about what was kept."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time

import pytest

from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.ray_job_input import missing
from labeldesk.ml.store import current_store, embeddings_dir

pytestmark = pytest.mark.slow


@pytest.fixture
def throwaway_cluster():
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed (pip install 'labeldesk[cluster]')")
    from cluster.local_ray import start_local_ray

    cluster = start_local_ray(cpus_per_node=1, nodes=2)
    try:
        yield cluster
    finally:
        cluster.stop()


def kill_head(cluster) -> None:
    """SIGKILL the head node and everything below it (its GCS, raylet, workers): the
    head's machine gone. The second node stays."""
    from cluster.local_ray import kill_node

    kill_node(cluster.nodes[0].pid)


def first_batch_stored(project, run: subprocess.Popen, limit_s: float = 300) -> bool:
    deadline = time.monotonic() + limit_s
    while run.poll() is None and time.monotonic() < deadline:
        if any(k.stat().st_size for k in embeddings_dir(project).glob("*/keys.bin")):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.timeout(600)
def test_a_head_killed_mid_job_stops_the_command_with_the_batches_kept(
    throwaway_cluster, sample_project, tmp_path
):
    todo = len(missing(sample_project, None, EmbedReport("m", "k", "cpu")))
    cli = [sys.executable, "-m", "labeldesk", "embed", str(sample_project.path)]
    cli += ["--ray", throwaway_cluster.address, "--workers", "1", "--batch-size", "8", "--json"]
    with open(tmp_path / "out", "w+") as out, open(tmp_path / "err", "w+") as err:
        run = subprocess.Popen(cli, env=throwaway_cluster.env, stdout=out, stderr=err, text=True)
        try:
            assert first_batch_stored(sample_project, run), (tmp_path / "err").read_text()[-3000:]
            kill_head(throwaway_cluster)
            run.wait(timeout=120)  # Ray alone: 60 s, then its own exit
        finally:
            run.kill()  # only if still running: never left behind
    assert run.returncode == 1
    report = json.loads((tmp_path / "out").read_text())
    assert report["kind"] == "ClusterLost", report
    message = report["error"]
    assert f"the Ray cluster at {throwaway_cluster.address} stopped answering" in message
    store = current_store(sample_project)
    kept = store.count
    assert 0 < kept < todo
    assert len(store.keys()) == kept and not store.damaged  # every batch whole
    left = missing(sample_project, store, EmbedReport("m", "k", "cpu"))
    assert len(left) == todo - kept  # what the next run sends
    assert f"the {kept} images embedded before that are kept and {todo - kept} are left" in message
    assert "run it again" in message
