"""Embedding the sample project on a real local Ray cluster (two nodes on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from labeldesk.core.image_rows import usable_files
from labeldesk.core.progress import CancelToken
from labeldesk.ml import ray_nodes
from labeldesk.ml.ray_embed import embed_on_ray
from labeldesk.ml.ray_errors import ClusterMismatch, ImageMissingOnWorker
from labeldesk.ml.store import current_store, embeddings_dir

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).parents[2] / "sample_data" / "fashion"


def vectors_by_hash(project) -> dict[str, np.ndarray]:
    store = current_store(project)
    hashes = sorted({r["hash"] for r in usable_files(project.db)})
    rows = store.rows_for(hashes)
    matrix = store.gather(rows[rows >= 0]).astype(np.float32)
    return dict(zip([h for h, r in zip(hashes, rows, strict=True) if r >= 0], matrix, strict=True))


def kill_a_working_actor(cluster, run: subprocess.Popen, old: set[int]) -> int | None:
    """SIGKILL the first model actor of ``run``'s job that has loaded its model (a worker
    dying mid-job); not one of ``old``, the processes there before (an earlier job's
    actor may still be ending)."""
    from cluster.local_ray import descendants

    nodes = [p.pid for p in cluster.nodes]
    deadline = time.monotonic() + 1200
    while run.poll() is None and time.monotonic() < deadline:
        for pid in descendants(nodes) - old:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if title.startswith(b"ray::MapWorker") and b"__init__" not in title:
                os.kill(pid, signal.SIGKILL)
                return pid
        time.sleep(0.2)
    return None


PHOTOS = [((640, 427), "JPEG"), ((300, 240), "PNG"), ((512, 512), "JPEG"), ((1000, 250), "JPEG")]


@pytest.fixture
def photo_project(tmp_path: Path):
    """A third of the sample images (28 px: 207, each folder's every third; all 600
    only made the jobs and the local run longer) and a few photos of 224 px and up (a
    local run embeds those from the scan's thumbnails), and the workers' own copy of
    them (a mount)."""
    from helpers import write_image

    from labeldesk.core.create import create_and_index

    def all_but_every_third(folder: str, names: list[str]) -> set[str]:
        files = sorted(n for n in names if (Path(folder) / n).is_file())
        return set(files) - set(files[::3])

    images = tmp_path / "images"
    shutil.copytree(SAMPLE, images, ignore=all_but_every_third)
    for i, (size, fmt) in enumerate(PHOTOS):
        name = f"photo{i}.{fmt.lower()}"
        write_image(images / "train" / "bag" / name, size=size, seed=60 + i, fmt=fmt)
    mounted = tmp_path / "mnt" / "images"
    shutil.copytree(images, mounted)
    project, _ = create_and_index(tmp_path / "proj", images, workers=1)
    yield project, mounted
    project.close()


# Three jobs and a local run (of 211 images): ~2 min on an idle 2-core machine, 15+ on
# one with a load of 20 (each model actor then takes minutes to start).
@pytest.mark.timeout(2400)
def test_cancelled_job_keeps_batches_a_deleted_image_is_listed_same_vectors_as_local(
    ray_cluster, photo_project, tmp_path
):
    """Workers read a mount of their own (--remote-root as a file:// URI). A cancelled
    job keeps its batches; the next (the CLI, through Ray Client) sends only the rest,
    lists an image deleted since the scan as failed and embeds the others, survives a
    worker killed mid-job and says so;
    the image back, a third run sends it alone. Every vector, photos embedded from
    thumbnails included, matches a local run's."""
    project, mounted = photo_project
    rows = usable_files(project.db)
    contents = sorted({r["hash"]: r["path"] for r in rows}.items())
    gone_hash, gone_path = contents[len(contents) // 2]
    moved = tmp_path / "moved.png"
    shutil.move(mounted / gone_path, moved)
    remote = mounted.as_uri()

    cancel = CancelToken()

    def first_batch_then_cancel(update) -> None:
        if update.message.startswith("embedding on") and update.done > 0:
            cancel.cancel()

    first = embed_on_ray(
        project,
        address=ray_cluster.address,
        remote_root=remote,
        batch_size=32,
        progress=first_batch_then_cancel,
        cancel=cancel,
    )
    kept = current_store(project).count
    assert first.cancelled and 0 < kept < len(contents)

    # From here as a Ray Client (ray://, as to a KubeRay head) when ray[client] is installed.
    address = ray_cluster.client_address or ray_cluster.address
    cli = [
        sys.executable,
        "-m",
        "labeldesk",
        "embed",
        str(project.path),
        "--ray",
        address,
        "--remote-root",
        remote,
        "--batch-size",
        "32",
        "--json",
    ]
    from cluster.local_ray import descendants

    old = descendants([p.pid for p in ray_cluster.nodes])
    with open(tmp_path / "out", "w+") as out, open(tmp_path / "err", "w+") as err:
        run = subprocess.Popen(cli, env=ray_cluster.env, stdout=out, stderr=err, text=True)
        try:
            killed = kill_a_working_actor(ray_cluster, run, old)  # Ray restarts it and its batch
            run.wait(timeout=1200)
        finally:
            run.kill()  # only if it is still running (a timeout): never left behind
    assert killed is not None, "no model actor was seen working"
    assert run.returncode == 0, (tmp_path / "err").read_text()[-3000:]
    report = json.loads((tmp_path / "out").read_text())
    assert report["engine"] == "ray" and report["nodes"] == 2 and report["workers"] == 2
    if address.startswith("ray://"):  # Ray told its server on the head: the cluster is asked
        # (both nodes are 127.0.0.1: the one it ran on is named by the start of its id)
        assert any(
            re.fullmatch(
                r"a Ray worker died during the job \(on [0-9a-f]{8} at 127\.0\.0\.1\): killed, "
                r"out of memory, or crashed; Ray started another and ran the unfinished "
                r"batches again",
                notice,
            )
            for notice in report["notices"]
        ), report["notices"]
    assert [f["path"] for f in report["failed"]] == [gone_path]
    assert "not found" in report["failed"][0]["reason"]
    assert report["embedded"] == len(contents) - kept - 1
    assert current_store(project).rows_for([gone_hash])[0] == -1

    shutil.move(moved, mounted / gone_path)
    last = embed_on_ray(project, address=address, remote_root=remote)
    assert last.embedded == 1 and not last.failed
    cluster_vectors = vectors_by_hash(project)
    assert len(cluster_vectors) == len(contents)

    from labeldesk.core.create import create_and_index
    from labeldesk.ml.embed import embed_project

    local, _ = create_and_index(tmp_path / "local", mounted, workers=1)
    try:
        assert embed_project(local).embedded == len(contents)
        local_vectors = vectors_by_hash(local)
        # the same model identity: the same store folder (key) as the cluster's vectors
        assert current_store(local).folder.name == current_store(project).folder.name
    finally:
        local.close()
    cosine = {h: float(cluster_vectors[h] @ local_vectors[h]) for h in local_vectors}
    photos = [r["hash"] for r in rows if Path(r["path"]).name.startswith("photo")]
    assert len(photos) == len(PHOTOS)
    assert min(cosine[h] for h in photos) >= 0.999  # from the originals: 0.95-0.98
    assert np.mean(list(cosine.values())) >= 0.999 and min(cosine.values()) >= 0.99


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
    monkeypatch.setattr(ray_nodes, "code_version", lambda: "0.0.1+elsewhere")
    with pytest.raises(ClusterMismatch, match=r"0\.0\.1\+elsewhere"):
        embed_on_ray(sample_project, address=ray_cluster.address)
    assert not embeddings_dir(sample_project).exists()
    assert sample_project.db.get_meta("embedding_key") is None
    assert not os.environ.get("RAY_ADDRESS")  # nothing left pointing at the cluster
