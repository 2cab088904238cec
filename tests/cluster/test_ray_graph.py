"""The near-duplicate pass's kNN graph on a real local Ray cluster (two nodes on 127.0.0.1):
the same graph and groups as the local pass, a killed worker retried or the job failing
without a cache file, and clear errors before anything runs."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml import neighbors, ray_graph
from labeldesk.ml.backbones import ModelIdentity
from labeldesk.ml.duplicates import find_duplicates
from labeldesk.ml.ray_errors import ClusterError, ClusterMismatch, ClusterUnavailable
from labeldesk.ml.search import IndexConfig, graph_from
from labeldesk.ml.store import embeddings_dir, forget_shared_vectors, project_vectors
from labeldesk.ml.store_index import ProjectIndex, store_index
from labeldesk.ml.vectors import VectorStore

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).parents[2] / "sample_data" / "fashion"
SIDE = 16  # the pixel "embedding": 16 x 16 gray thumbnails, 256 numbers


@pytest.fixture(scope="module")
def copies_template(tmp_path_factory) -> Path:
    """The sample images plus near copies of a few (re-encoded, brightened) placed in
    other splits, made with `labeldesk new`, its embeddings the thumbnails' pixels: made
    once for this module (a scan of 608 images and their thumbnails), closed, and copied
    for each test (the images, read only, stay where they are)."""
    from labeldesk.cli import main
    from labeldesk.core.project import open_project

    tmp_path = tmp_path_factory.mktemp("copies")
    images = tmp_path / "images"
    shutil.copytree(SAMPLE, images)
    originals = sorted((images / "train").rglob("*.png"))[::60][:8]
    for i, original in enumerate(originals):
        target = images / "test" / original.parent.name / f"copy{i}.jpg"
        with Image.open(original) as img:
            copy = ImageEnhance.Brightness(img.convert("RGB")).enhance(1.0 + 0.03 * (i % 3))
            copy.save(target, "JPEG", quality=92)
    path = tmp_path / "copies"
    assert main(["new", str(path), "--images", str(images), "--json"]) == 0
    project = open_project(path)
    try:
        frame = project.images()
        vectors = np.stack([_pixels(project.thumbnail(p)) for p in frame.path])
        identity = ModelIdentity("pixels", "thumbnails", "p" * 64)
        store = VectorStore.for_identity(embeddings_dir(project), identity, SIDE * SIDE)
        with VectorStore.writer(store.folder, SIDE * SIDE) as writer:
            writer.append(list(frame.hash), vectors)
        (store.folder / "spec.json").write_text('{"spec": "pixels"}')
        project.db.set_meta("embedding_key", identity.key)
    finally:
        project.close()
    return path


@pytest.fixture
def copies_project(copies_template: Path, tmp_path: Path):
    """A copy of the module's project (its database, thumbnails and embeddings), open."""
    from labeldesk.core.project import open_project

    path = tmp_path / "copies"
    shutil.copytree(copies_template, path)
    project = open_project(path)
    yield project
    project.close()
    forget_shared_vectors()


def _pixels(thumbnail: Path) -> np.ndarray:
    with Image.open(thumbnail) as img:
        x = np.asarray(img.convert("L").resize((SIDE, SIDE)), dtype=np.float32).ravel()
    x -= x.mean()
    return x / max(float(np.linalg.norm(x)), 1e-6)


def graph_files(project) -> list[Path]:
    folder = embeddings_dir(project) / project_vectors(project).key
    return sorted(p for p in folder.iterdir() if "knn" in p.name)


def worker_pids(cluster) -> list[int]:
    """The processes of GraphWorker actors (starting, idle or answering a block)."""
    from cluster.local_ray import descendants

    found = []
    for pid in descendants([p.pid for p in cluster.nodes]):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if title.startswith(b"ray::GraphWorker"):
            found.append((pid, title))
    return found


def kill_when(
    cluster, wanted: bytes, stop: threading.Event, killed: list, old: frozenset[int] = frozenset()
) -> None:
    """SIGKILL the first GraphWorker whose process title starts with ``wanted``, not one
    of ``old`` (an earlier job's, maybe still ending)."""
    while not stop.is_set():
        for pid, title in worker_pids(cluster):
            if title.startswith(wanted) and pid not in old:
                os.kill(pid, signal.SIGKILL)
                killed.append(title)
                return
        time.sleep(0.02)


@pytest.mark.timeout(900)
def test_cluster_graph_and_groups_equal_the_local_pass(ray_cluster, copies_project, capsys):
    """Through the CLI (`duplicates --ray`) the graph lands in the local pass's cache file
    and the groups are the local groups; computed here again, the graph is the same."""
    from labeldesk.cli import main

    project = copies_project
    assert graph_files(project) == []
    args = ["duplicates", str(project.path), "--ray", ray_cluster.address, "--json"]
    assert main(args) == 0
    cluster_out = json.loads(capsys.readouterr().out)
    assert cluster_out["cluster"]["mode"] == "exact" and cluster_out["cluster"]["nodes"] == 2
    [cache] = graph_files(project)
    with np.load(cache) as f:
        cluster_sims, cluster_rows = f["sims"], f["rows"]
    cache.unlink()
    local = neighbors.neighbor_graph(project)  # computed here, written to the same name
    assert graph_files(project) == [cache]
    # The same float32 dot products, summed in another order (faiss takes its BLAS path
    # or its SIMD loop by batch size, and CPUs differ): equal to a few float32 ulps.
    assert_same_graph(cluster_rows, cluster_sims, local.rows, local.sims)
    local_groups = [g.to_json() for g in find_duplicates(project)]
    near = [g for g in local_groups if g["kind"] == "near"]
    assert len(near) >= 4 and all(g["leak"] for g in near)  # planted copies, found
    assert cluster_out["groups"] == local_groups

    # Blocks smaller than a batch, split over both workers, as a Ray Client (ray://, as to
    # a KubeRay head) when ray[client] is installed: still the same graph.
    cache.unlink()
    address = ray_cluster.client_address or ray_cluster.address
    report = ray_graph.graph_on_ray(project, address=address, block_rows=50)
    assert report.blocks == -(-report.images // 50) and report.workers == 2
    with np.load(cache) as f:
        assert_same_graph(f["rows"], f["sims"], local.rows, local.sims)
    again = ray_graph.graph_on_ray(project, address=ray_cluster.address)
    assert again.mode == "cached"  # nothing to compute: the cluster is not even asked


def assert_same_graph(rows: np.ndarray, sims: np.ndarray, want_rows, want_sims) -> None:
    """The same neighbours at the same similarities. Blocks of another size sum the dot
    products in another order (a float32 ulp or two), so neighbours whose similarities tie
    to that precision may come in either order: each run of tied neighbours is compared as
    a set; the last run of a row is left out (a neighbour tied with the first one past the
    list may stand in its place)."""
    np.testing.assert_allclose(sims, want_sims, atol=1e-5)
    differs = np.flatnonzero((rows != want_rows).any(axis=1))
    for i in differs:
        ties = np.concatenate([[0], np.flatnonzero(np.diff(want_sims[i]) < -1e-5) + 1])
        for start, end in itertools.pairwise(ties):  # the last run left out
            assert set(rows[i, start:end]) == set(want_rows[i, start:end]), (i, start)
    assert len(differs) <= max(1, len(rows) // 100)  # a tie now and then, not a new graph


def synthetic_store(folder: Path, n: int, dim: int, seed: int = 0) -> VectorStore:
    """A vector store of ``n`` clustered unit vectors (with a few exact copies)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 50, dim)).astype(np.float32)
    x = centres[rng.integers(0, len(centres), n)] + 0.7 * rng.normal(size=(n, dim))
    x[-20:] = x[:20]
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    hashes = [f"{i:032x}" for i in range(n)]
    (folder / "identity.json").parent.mkdir(parents=True, exist_ok=True)
    (folder / "identity.json").write_text(json.dumps({"dim": dim}))
    with VectorStore.writer(folder, dim) as writer:
        writer.append(hashes, x.astype(np.float16))
    return VectorStore(folder, dim)


@pytest.mark.timeout(1200)
def test_compressed_index_shared_or_shipped_same_graph_and_a_killed_worker_is_retried(
    ray_cluster, tmp_path
):
    """With a compressed index (the local pass's above the exact size) the workers search
    the store's saved index: read from the store's folder (both nodes see this machine's
    disk) or shipped. Either way the graph is the local one, also when a worker is killed
    while answering a block (Ray restarts it and runs its blocks again)."""
    import ray

    from labeldesk.ml.ray_cluster import connect

    # 10,000 vectors with the compressed index asked for (exact_max=0; by size it takes
    # more than 20,000): 3 blocks of the workers' batch size. 30,000 trained the index on
    # 16,608 rows here and made the workers' blocks 3x as many, for the same checks.
    n, dim, k = 10_000, 256, neighbors.GRAPH_K
    store = synthetic_store(tmp_path / "store", n, dim)
    index = store_index(store, IndexConfig.choose(store.count, exact_max=0))
    assert not index.config.exact and (store.folder / "ivf-index.faiss").exists()
    # project rows: the store's rows shuffled, one row missing (an image removed)
    store_rows = np.random.default_rng(1).permutation(n)[: n - 1]
    vectors = store.gather(store_rows)
    local_sims, local_rows = graph_from(ProjectIndex(index, store_rows), vectors, k)

    connect(ray, ray_cluster.address)
    try:
        for share in (True, False):
            job = ray_graph.store_job(ray, index, store, store_rows, k, share=share)
            assert job.source.kind == ("shared" if share else "shipped")
            report = ray_graph.ClusterGraphReport(ray_cluster.address)
            stop, killed = threading.Event(), []
            killer = threading.Thread(
                target=kill_when, args=(ray_cluster, b"ray::GraphWorker.block", stop, killed)
            )
            if share:  # once is enough: a restarted worker reads the index again
                killer.start()
            try:
                sims, rows = ray_graph.run_graph(ray, job, len(store_rows), report)
            finally:
                stop.set()
                if share:
                    killer.join()
            assert bool(killed) == share, "no worker was seen answering a block"
            assert report.blocks >= 2 and report.workers == 2
            np.testing.assert_array_equal(rows, local_rows)
            np.testing.assert_array_equal(sims, local_sims)
    finally:
        ray.shutdown()


@pytest.mark.timeout(600)
def test_a_worker_killed_past_its_restarts_fails_without_a_cache(
    ray_cluster, copies_project, monkeypatch
):
    monkeypatch.setattr(ray_graph, "RESTARTS", 0)
    stop, killed = threading.Event(), []
    old = frozenset(pid for pid, _ in worker_pids(ray_cluster))
    killer = threading.Thread(
        target=kill_when, args=(ray_cluster, b"ray::GraphWorker", stop, killed, old)
    )
    killer.start()
    try:
        with pytest.raises(ClusterError, match="nothing was written"):
            ray_graph.graph_on_ray(
                copies_project, address=ray_cluster.address, workers=1, block_rows=8
            )
    finally:
        stop.set()
        killer.join()
    assert killed
    folder = embeddings_dir(copies_project) / project_vectors(copies_project).key
    assert not [p for p in folder.iterdir() if "knn" in p.name or p.name.startswith(".tmp")]


def test_cancelled_job_writes_no_cache(ray_cluster, copies_project):
    token = CancelToken()

    def progress(update) -> None:
        if update.message.startswith(ray_graph.MESSAGE) and update.done > 0:
            token.cancel()  # after the first block arrived

    with pytest.raises(Cancelled):
        ray_graph.graph_on_ray(
            copies_project,
            address=ray_cluster.address,
            block_rows=16,
            progress=progress,
            cancel=token,
        )
    assert graph_files(copies_project) == []


def test_other_labeldesk_on_the_nodes_is_refused(ray_cluster, copies_project, monkeypatch):
    monkeypatch.setattr(ray_graph, "graph_code_version", lambda: "0.0.1+elsewhere")
    with pytest.raises(ClusterMismatch, match=r"this machine 0\.0\.1\+elsewhere"):
        ray_graph.graph_on_ray(copies_project, address=ray_cluster.address)
    assert graph_files(copies_project) == []


def test_unreachable_address_is_a_clear_error(copies_project, capsys):
    from labeldesk.cli import main

    free = "127.0.0.1:9"  # discard: nothing listens there
    with pytest.raises(ClusterUnavailable, match=r"no Ray cluster answers at 127\.0\.0\.1:9"):
        ray_graph.graph_on_ray(copies_project, address=free)
    assert main(["duplicates", str(copies_project.path), "--ray", free]) != 0
    assert "no Ray cluster answers" in capsys.readouterr().err
    assert graph_files(copies_project) == []
