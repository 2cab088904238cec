"""`labeldesk embed --ray` run from inside another LabelDesk checkout (a folder holding a
``labeldesk/`` package) on a real local two-node cluster: the workers import the nodes'
own LabelDesk, as the command does. Ray puts the driver's current folder first on its
workers' module path, and the nodes ran that checkout: the job stopped with "node …
runs LabelDesk 0.x+…, this machine 0.x+…" (the version check)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import labeldesk

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).parents[2] / "sample_data" / "fashion"


def small_project(tmp_path: Path, per_class: int = 2) -> tuple[Path, int]:
    """A project of the first ``per_class`` images of each folder of the sample."""
    from labeldesk.core.create import create_and_index

    images = tmp_path / "images"
    for folder in sorted(p for p in SAMPLE.glob("*/*") if p.is_dir()):
        into = images / folder.relative_to(SAMPLE)
        into.mkdir(parents=True)
        for image in sorted(folder.iterdir())[:per_class]:
            shutil.copy2(image, into / image.name)
    project, _ = create_and_index(tmp_path / "project", images, workers=1)
    project.close()
    return tmp_path / "project", sum(1 for p in images.rglob("*") if p.is_file())


def another_checkout(tmp_path: Path) -> Path:
    """A source tree whose LabelDesk makes vectors with other code than this one."""
    checkout = tmp_path / "checkout"
    shutil.copytree(
        Path(labeldesk.__file__).parent,
        checkout / "labeldesk",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    with open(checkout / "labeldesk" / "ml" / "preprocess.py", "a") as code:
        code.write("\n# edited in this checkout\n")
    return checkout


# (its commands may take minutes on a busy machine: the suite's 300 s is too short)
@pytest.mark.timeout(900)
def test_the_workers_import_the_nodes_labeldesk_not_the_current_folders(ray_cluster, tmp_path):
    project, count = small_project(tmp_path)
    checkout = another_checkout(tmp_path)
    command = Path(sys.executable).parent / "labeldesk"  # (not `python -m`: the driver's too)
    (tmp_path / "tmp").mkdir()
    done = subprocess.run(
        [str(command), "embed", str(project), "--ray", ray_cluster.address, "--json"],
        cwd=checkout,
        env={**ray_cluster.env, "TMPDIR": str(tmp_path / "tmp")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["engine"] == "ray" and report["embedded"] == count
    assert not list((tmp_path / "tmp").glob("labeldesk-ray-job-*"))  # its empty folder: removed


NOTEBOOK = """
import json, sys
import ray

from labeldesk.core.project import open_project
from labeldesk.ml.ray_embed import embed_on_ray

ray.init(address=sys.argv[1])  # the notebook's own connection, made in the checkout
project = open_project(sys.argv[2])
try:
    said = {"embedded": embed_on_ray(project, address=sys.argv[1]).embedded}
except Exception as exc:
    said = {"error": f"{type(exc).__name__}: {exc}"}
said["connected"] = ray.is_initialized()  # not LabelDesk's to end
print(json.dumps(said))
"""


# (its commands may take minutes on a busy machine: the suite's 300 s is too short)
@pytest.mark.timeout(900)
def test_a_connection_made_in_another_checkout_is_said_and_left_open(ray_cluster, tmp_path):
    """A notebook started in a LabelDesk source tree joined the cluster itself
    (``ray.init``): Ray put that folder first on the workers' path and LabelDesk, which
    did not make the connection, ran the job there: the workers imported the tree's
    code (stopped by the version check: "node … runs LabelDesk …", or not, where it
    reads the same). The job is refused before it starts, naming the folder; the
    notebook's connection stays open."""
    project, _ = small_project(tmp_path, per_class=1)
    checkout = another_checkout(tmp_path)
    script = tmp_path / "notebook" / "cells.py"  # (its folder: LabelDesk's own import)
    script.parent.mkdir()
    script.write_text(NOTEBOOK)
    done = subprocess.run(
        [sys.executable, str(script), ray_cluster.address, str(project)],
        cwd=checkout,
        env={**ray_cluster.env, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["connected"] is True
    assert said.get("error", "").startswith("ClusterError: "), said
    assert f"from {checkout}, which holds another LabelDesk" in said["error"]
    assert "nothing was run" in said["error"]
