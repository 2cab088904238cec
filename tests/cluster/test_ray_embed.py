"""Embedding the sample project on a real local Ray cluster (two nodes on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from labeldesk.core.image_rows import usable_files
from labeldesk.ml import ray_cluster as cluster_checks
from labeldesk.ml.ray_cluster import ClusterMismatch, ImageMissingOnWorker
from labeldesk.ml.ray_embed import embed_on_ray
from labeldesk.ml.store import current_store, embeddings_dir

pytestmark = pytest.mark.slow


def vectors_by_hash(project) -> dict[str, np.ndarray]:
    store = current_store(project)
    hashes = sorted({r["hash"] for r in usable_files(project.db)})
    rows = store.rows_for(hashes)
    matrix = store.gather(rows[rows >= 0]).astype(np.float32)
    return dict(zip([h for h, r in zip(hashes, rows, strict=True) if r >= 0], matrix, strict=True))


def kill_a_working_actor(cluster, run: subprocess.Popen) -> int | None:
    """SIGKILL the first model actor that has loaded its model (a worker dying mid-job)."""
    from cluster.local_ray import descendants

    nodes = [p.pid for p in cluster.nodes]
    deadline = time.monotonic() + 1200
    while run.poll() is None and time.monotonic() < deadline:
        for pid in descendants(nodes):
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if title.startswith(b"ray::MapWorker") and b"__init__" not in title:
                os.kill(pid, signal.SIGKILL)
                return pid
        time.sleep(0.2)
    return None


# Two jobs and a local run: ~1.5 min on an idle 2-core machine, 15 on one with a load of
# 20 (each model actor then takes minutes to start).
@pytest.mark.timeout(1800)
def test_failed_job_keeps_batches_next_run_continues_same_vectors_as_local(
    ray_cluster, sample_project, mounted_copy, tmp_path, capsys
):
    """Workers read a mount of their own (--remote-root as a file:// URI). An image
    missing there stops the job with its path named; the batches before it are kept,
    the next run (the CLI) sends only the rest, survives a worker killed mid-job, and
    its vectors match a local run's."""
    rows = usable_files(sample_project.db)
    contents = sorted({r["hash"]: r["path"] for r in rows}.items())
    last_hash, last_path = contents[-1]  # jobs run in hash order: the last batch
    moved = tmp_path / "moved.png"
    shutil.move(mounted_copy / last_path, moved)
    remote = mounted_copy.as_uri()

    # From here as a Ray Client (ray://, as to a KubeRay head) when ray[client] is installed.
    address = ray_cluster.client_address or ray_cluster.address
    with pytest.raises(ImageMissingOnWorker, match=last_path.replace(".", r"\.")):
        embed_on_ray(sample_project, address=address, remote_root=remote, batch_size=32)
    kept = current_store(sample_project)
    assert 0 < kept.count < len(contents)
    assert kept.rows_for([last_hash])[0] == -1

    shutil.move(moved, mounted_copy / last_path)
    cli = [
        sys.executable,
        "-m",
        "labeldesk",
        "embed",
        str(sample_project.path),
        "--ray",
        ray_cluster.address,
        "--remote-root",
        remote,
        "--batch-size",
        "32",
        "--json",
    ]
    with open(tmp_path / "out", "w+") as out, open(tmp_path / "err", "w+") as err:
        run = subprocess.Popen(cli, env=ray_cluster.env, stdout=out, stderr=err, text=True)
        try:
            killed = kill_a_working_actor(ray_cluster, run)  # Ray restarts it, retries its batch
            run.wait(timeout=1200)
        finally:
            run.kill()  # only if it is still running (a timeout): never left behind
    assert killed is not None, "no model actor was seen working"
    assert run.returncode == 0, (tmp_path / "err").read_text()[-3000:]
    report = json.loads((tmp_path / "out").read_text())
    assert report["engine"] == "ray" and report["nodes"] == 2 and report["workers"] == 2
    assert report["embedded"] == len(contents) - kept.count and not report["failed"]
    cluster_vectors = vectors_by_hash(sample_project)
    assert len(cluster_vectors) == len(contents)

    from labeldesk.core.create import create_and_index
    from labeldesk.ml.embed import embed_project

    local, _ = create_and_index(tmp_path / "local", mounted_copy, workers=1)
    try:
        assert embed_project(local).embedded == len(contents)
        local_vectors = vectors_by_hash(local)
        # the same model identity: the same store folder (key) as the cluster's vectors
        assert current_store(local).folder.name == current_store(sample_project).folder.name
    finally:
        local.close()
    cosine = [float(cluster_vectors[h] @ local_vectors[h]) for h in local_vectors]
    assert np.mean(cosine) >= 0.999 and min(cosine) >= 0.99


def test_images_missing_on_the_workers_fail_before_anything_is_written(
    ray_cluster, sample_project, tmp_path
):
    with pytest.raises(ImageMissingOnWorker, match="remote-root"):
        embed_on_ray(
            sample_project, address=ray_cluster.address, remote_root=str(tmp_path / "not-mounted")
        )
    assert not embeddings_dir(sample_project).exists()
    assert sample_project.db.get_meta("embedding_key") is None


def test_other_labeldesk_on_the_nodes_is_refused_before_anything_is_written(
    ray_cluster, sample_project, monkeypatch
):
    # This machine's code "changed": the nodes now run another version than it.
    monkeypatch.setattr(cluster_checks, "code_version", lambda: "0.0.1+elsewhere")
    with pytest.raises(ClusterMismatch, match=r"0\.0\.1\+elsewhere"):
        embed_on_ray(sample_project, address=ray_cluster.address)
    assert not embeddings_dir(sample_project).exists()
    assert sample_project.db.get_meta("embedding_key") is None
    assert not os.environ.get("RAY_ADDRESS")  # nothing left pointing at the cluster
