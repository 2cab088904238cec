"""The checks made before a cluster job, without a cluster: which images the nodes are
probed with, that the files they read are the scanned ones, and which cluster this
process is connected to."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.ml import ray_nodes
from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.ray_cluster import connect
from labeldesk.ml.ray_errors import ClusterError, ImageMissingOnWorker, ImagesDifferOnWorker
from labeldesk.ml.ray_job_input import PROBE_SAMPLE, missing, probe_sample
from labeldesk.ml.ray_nodes import probe_nodes


@pytest.fixture
def pngs(tmp_path: Path):
    for i in range(8):
        write_image(tmp_path / "images" / "a" / f"{i}.png", size=(24, 24), seed=40 + i, fmt="PNG")
    project, _ = create_and_index(tmp_path / "proj", tmp_path / "images", workers=1)
    yield project
    project.close()


def todo(project):
    return missing(project, None, EmbedReport("m", "k", "cpu"))


def test_the_probe_skips_images_deleted_or_edited_here_since_the_scan(pngs):
    rows = todo(pngs)  # the job's order
    pngs.image_path(rows[0]["path"]).unlink()  # deleted since the scan
    write_image(pngs.image_path(rows[1]["path"]), size=(24, 24), seed=99, fmt="PNG")  # edited
    sample = probe_sample(pngs, rows)
    assert sample == [(r["hash"], r["path"]) for r in rows[2 : 2 + PROBE_SAMPLE]]


def test_the_probe_skips_an_image_rewritten_here_with_its_size_and_time_kept(pngs):
    """As `cp --preserve=timestamps` of a picture of the same size leaves it: only the
    change time tells (the workers would find other bytes, and blame their root)."""
    rows = todo(pngs)
    path = pngs.image_path(rows[0]["path"])
    before = os.stat(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # other bytes, the same size
    time.sleep(0.05)  # change times tick coarsely: the write lands on a later one
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    sample = probe_sample(pngs, rows)
    assert sample == [(r["hash"], r["path"]) for r in rows[1 : 1 + PROBE_SAMPLE]]


def on_this_machine(monkeypatch):
    """probe_nodes' remote calls run here, as one node would run them."""

    def here(ray, function, *args, watch=None):
        return [({"NodeManagerAddress": "10.0.0.2"}, function(*args))]

    monkeypatch.setattr(ray_nodes, "on_every_node", here)


def test_a_root_with_the_same_names_but_other_files_fails_before_the_job(
    pngs, tmp_path, monkeypatch
):
    on_this_machine(monkeypatch)
    sample = probe_sample(pngs, todo(pngs))
    assert probe_nodes(None, str(pngs.root), sample)[0]["missing"] == []
    other = tmp_path / "other"  # e.g. an older or re-encoded copy on the workers
    shutil.copytree(pngs.root, other)
    for i, png in enumerate(sorted((other / "a").glob("*.png"))):
        write_image(png, size=(24, 24), seed=70 + i, fmt="PNG")
    with pytest.raises(ImagesDifferOnWorker, match=r"other content.*--remote-root"):
        probe_nodes(None, str(other), sample)
    with pytest.raises(ImageMissingOnWorker, match="--remote-root"):
        probe_nodes(None, str(tmp_path / "empty"), sample)


def test_one_file_differing_on_the_workers_does_not_stop_the_job(pngs, tmp_path, monkeypatch):
    """A copy with one file edited is the right root: that image is listed as changed
    during the job, the rest are embedded."""
    on_this_machine(monkeypatch)
    sample = probe_sample(pngs, todo(pngs))
    other = tmp_path / "other"
    shutil.copytree(pngs.root, other)
    write_image(other / sample[0][1], size=(24, 24), seed=98, fmt="PNG")
    assert probe_nodes(None, str(other), sample)[0]["hashes"][sample[1][1]] == sample[1][0]


class ConnectedRay:
    """What ray reports in a process already connected to the cluster at ``gcs``."""

    def __init__(self, gcs: str):
        self.gcs = gcs
        self.inits: list[str] = []

    def is_initialized(self) -> bool:
        return True

    def get_runtime_context(self):
        return SimpleNamespace(gcs_address=self.gcs)

    def init(self, address, **kwargs):
        self.inits.append(address)


def test_already_connected_elsewhere_is_refused_not_run_there():
    ray = ConnectedRay("127.0.0.1:6400")
    with pytest.raises(ClusterError, match=r"already connected to .*127\.0\.0\.1:6400.*7000"):
        connect(ray, "127.0.0.1:7000")
    with pytest.raises(ClusterError, match="already connected"):
        connect(ray, "ray://127.0.0.1:6400")  # a Ray Client port is another server
    assert connect(ray, "127.0.0.1:6400") is False  # the same cluster: used, left open
    assert connect(ray, "localhost:6400") is False
    assert connect(ray, "auto") is False
    assert ray.inits == []


@pytest.mark.parametrize(
    "root", ["s3://bucket/my photos", "file:///mnt/a\tb", 'gs://b/"x"', "s3://b/a|b"]
)
def test_a_uri_remote_root_a_uri_cannot_hold_is_refused_with_the_way_to_write_it(pngs, root):
    """Refused before the model loads or a node is asked (they said 'the cluster's nodes
    did not answer: ArrowInvalid …')."""
    from labeldesk.ml.ray_embed import embed_on_ray

    with pytest.raises(ClusterError, match="percent-encode"):
        embed_on_ray(pngs, address="127.0.0.1:1", remote_root=root)


@pytest.mark.parametrize("root", ["relative/path", "photos", "./mnt/photos", "~/photos"])
def test_a_relative_remote_root_is_refused_before_the_job(pngs, root, monkeypatch, capsys):
    """Each worker resolved it against its own working folder and the job failed late
    (after the model loaded) with 'not found'; now refused first, saying what it must be."""
    from labeldesk.cli import main
    from labeldesk.ml import ray_embed

    def never(*_args):
        raise AssertionError("the model loaded or the cluster was asked")

    monkeypatch.setattr(ray_embed, "load_backbone", never)
    monkeypatch.setattr(ray_embed, "check_reachable", never)
    with pytest.raises(ClusterError, match=r"relative path.*absolute path.*URI"):
        ray_embed.embed_on_ray(pngs, address="127.0.0.1:1", remote_root=root)
    args = ["embed", str(pngs.path), "--ray", "127.0.0.1:1", "--remote-root", root]
    assert main([*args, "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ClusterError" and "s3://" in error["error"]


def test_a_mount_point_with_a_space_or_an_encoded_uri_is_taken():
    from labeldesk.ml.ray_job_input import check_remote_root

    check_remote_root("/mnt/my photos")  # a path, not a URI: spaces are fine
    check_remote_root("s3://bucket/my%20photos")
    check_remote_root(None)
    check_remote_root("C:\\photos")  # Windows workers
    check_remote_root("\\\\server\\share\\photos")


def test_a_failed_job_says_rays_cause_and_leaves_what_was_kept_to_the_job():
    """What the job kept is said by the job, which knows (test_ray_failed_kept.py): the
    batches' reader said "the batches that came back before are kept" even when none
    had."""
    import numpy as np

    from labeldesk.core.progress import CancelToken
    from labeldesk.ml.ray_results import Outputs

    def batches():
        yield {"n": np.array([1])}
        raise RuntimeError("Client is shutting down.")

    outputs = Outputs(batches())
    try:
        assert outputs.next(CancelToken()) is not None
        with pytest.raises(ClusterError, match="Client is shutting down") as failed:
            outputs.next(CancelToken())
    finally:
        outputs.close()
    assert str(failed.value) == "the Ray job failed: Client is shutting down."


def test_an_empty_image_folder_is_refused_before_the_cluster_is_asked(
    pngs, tmp_path, monkeypatch, capsys
):
    """A drive not mounted leaves its mount point, an empty folder: a local `embed`
    stops there with an error, `embed --ray` went on to the cluster (its workers read
    the images at the same path). Now refused before Ray starts or the model loads, as
    the local run words it; with --remote-root the workers read elsewhere: no check."""
    from labeldesk.cli import main
    from labeldesk.core.errors import ImageRootError
    from labeldesk.ml import ray_embed

    def never(*_args):
        raise AssertionError("the model loaded or the cluster was asked")

    monkeypatch.setattr(ray_embed, "load_backbone", never)
    monkeypatch.setattr(ray_embed, "check_reachable", never)
    root = pngs.root
    root.rename(tmp_path / "on-the-drive")
    root.mkdir()  # the mount point, the drive not mounted on it
    with pytest.raises(ImageRootError, match=rf"image folder {root} is empty .*not mounted"):
        ray_embed.embed_on_ray(pngs, address="127.0.0.1:1")
    assert main(["embed", str(pngs.path), "--ray", "127.0.0.1:1", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ImageRootError" and "--remote-root" in error["error"]
    with pytest.raises(AssertionError, match="cluster was asked"):  # the workers' own root
        ray_embed.embed_on_ray(pngs, address="127.0.0.1:1", remote_root="/mnt/photos")


def test_an_empty_image_folder_here_is_not_taken_for_files_deleted_since_the_scan(pngs):
    """A whole batch missing on a worker stops the job unless its files are gone here
    too (deleted since the scan); an empty folder here (a drive not mounted on this
    machine, the workers reading --remote-root) says nothing about deletions, as a
    folder not here at all does not."""
    from labeldesk.ml.ray_results import gone_here

    rel = todo(pngs)[0]["path"]
    pngs.image_path(rel).unlink()
    assert gone_here(pngs)(rel)  # deleted since the scan, the folder still holding others
    shutil.rmtree(pngs.root)
    assert not gone_here(pngs)(rel)  # not here at all
    pngs.root.mkdir()
    assert not gone_here(pngs)(rel)  # there, but empty: the mount point


def test_an_image_folder_gone_mid_job_is_not_taken_for_files_deleted_since_the_scan(pngs):
    """The folder was here as the job started and went away during it (a drive
    unmounted, the folder moved): whole batches missing then stop the job. Before, the
    folder's state was read once, at the start: every file was taken for deleted, the
    run ended "successfully" with hundreds of images listed as unreadable (exit 0)."""
    from labeldesk.ml.ray_results import gone_here

    rel = todo(pngs)[0]["path"]
    gone = gone_here(pngs)  # made as the job starts, the folder here
    moved = pngs.root.with_name("moved")
    pngs.root.rename(moved)
    assert not gone(rel)  # not here at all now
    pngs.root.mkdir()
    assert not gone(rel)  # an empty mount point now
    pngs.root.rmdir()
    moved.rename(pngs.root)
    pngs.image_path(rel).unlink()
    assert gone(rel)  # back, without this file: deleted since the scan
