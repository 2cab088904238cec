"""`labeldesk embed --ray` when the workers read every image to embed as another file
than the one scanned: exit 1, kind ScanNeeded, as a local run (it ended "0 images
embedded", exit 0, or told to point --remote-root elsewhere when the images had only
changed since the scan), saying both possible causes and what to do for each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import write_image

from labeldesk import cli
from labeldesk.core.create import create_and_index
from labeldesk.ml import ray_embed
from labeldesk.ml.ray_changed import all_changed_on_workers
from labeldesk.ml.ray_worker import CHANGED_ON_WORKER


@pytest.fixture
def pngs(tmp_path: Path):
    for i in range(6):
        write_image(tmp_path / "images" / "a" / f"{i}.png", size=(24, 24), seed=40 + i, fmt="PNG")
    project, _ = create_and_index(tmp_path / "proj", tmp_path / "images", workers=1)
    yield project
    project.close()


def edit_all(folder: Path) -> None:
    for i, png in enumerate(sorted((folder / "a").glob("*.png"))):
        write_image(png, size=(24, 24), seed=80 + i, fmt="PNG")


def embed_json(project, address: str, capsys, *more: str) -> tuple[int, dict]:
    code = cli.main(["embed", str(project.path), "--ray", address, "--json", *more])
    return code, json.loads(capsys.readouterr().out)


def scan_needed(code: int, out: dict) -> str:
    assert (code, out["kind"]) == (1, "ScanNeeded"), out
    said = out["error"]
    assert said.startswith("nothing was embedded: the Ray workers read ")
    assert "run `labeldesk scan " in said and "then run `labeldesk embed " in said
    assert "if the workers' copy of the image folder (" in said
    return said


def test_images_changed_here_since_the_scan_say_scan_not_remote_root(ray_cluster, pngs, capsys):
    """The workers read the same folder: the probe's images differ there as here."""
    edit_all(pngs.root)
    said = scan_needed(*embed_json(pngs, ray_cluster.address, capsys))
    assert "the first 3 images to embed" in said and "here they changed since the scan too" in said
    assert "--remote-root" not in said


def test_every_image_read_as_changed_during_the_job_is_not_a_finished_run(
    ray_cluster, pngs, capsys, monkeypatch
):
    """Past the probe (the files changed after it), every image fails on the workers."""
    monkeypatch.setattr(ray_embed, "probe_nodes", lambda *args, **kwargs: [])
    edit_all(pngs.root)
    said = scan_needed(*embed_json(pngs, ray_cluster.address, capsys))
    assert "read all 6 images to embed" in said and "changed since the scan too" in said
    # a failed job says where its time went too, as a finished one does
    assert "; where the time went: " in said and "first batch of " in said


def test_a_stale_copy_on_the_workers_is_named_the_likely_cause(
    ray_cluster, pngs, capsys, monkeypatch, tmp_path
):
    monkeypatch.setattr(ray_embed, "probe_nodes", lambda *args, **kwargs: [])
    copy = tmp_path / "mnt" / "images"
    shutil.copytree(pngs.root, copy)
    edit_all(copy)  # the workers' copy, not the files here
    address = ray_cluster.address
    said = scan_needed(*embed_json(pngs, address, capsys, "--remote-root", str(copy)))
    assert "most likely the workers' copy is out of date" in said and f"({copy})" in said


def test_some_unreadable_images_are_listed_not_an_error(pngs):
    failed = [
        {"path": "a/0.png", "reason": CHANGED_ON_WORKER},
        {"path": "a/1.png", "reason": "OSError: truncated"},
    ]
    assert all_changed_on_workers(pngs, failed, str(pngs.root), "h:1") is None
    assert all_changed_on_workers(pngs, failed[:1], str(pngs.root), "h:1") is not None


def test_the_app_says_it_in_its_menus(pngs):
    """The app shows the message with its menus for the commands (the cluster job's in
    the app: Tools → Compute embeddings), none of the command line's left."""
    from labeldesk.gui.app_words import in_app_words

    failed = [{"path": "a/0.png", "reason": CHANGED_ON_WORKER}]
    said = in_app_words(str(all_changed_on_workers(pngs, failed, str(pngs.root), "h:1")))
    assert "use File → Rescan folder to index them as they are now, then use Tools → " in said
    assert "labeldesk " not in said
