"""A real local Ray cluster (head + one more node on 127.0.0.1) shared by this folder's
tests, and the bundled sample project made with ``labeldesk new``."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parents[2] / "sample_data" / "fashion"


@pytest.fixture(scope="session")
def ray_cluster():
    pytest.importorskip("ray.data")
    from cluster.local_ray import start_local_ray

    cluster = start_local_ray(cpus_per_node=1, nodes=2)
    saved = {k: os.environ.get(k) for k in cluster.env}
    os.environ.update(cluster.env)  # the token: this process is the cluster's driver
    try:
        yield cluster
    finally:
        try:
            import ray

            ray.shutdown()
        finally:
            cluster.stop()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def sample_project(tmp_path: Path, capsys):
    """The sample project, created through the CLI like a user would."""
    from labeldesk.cli import main
    from labeldesk.core.project import open_project

    path = tmp_path / "fashion"
    assert main(["new", str(path), "--images", str(SAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 600
    project = open_project(path)
    yield project
    project.close()


@pytest.fixture
def mounted_copy(tmp_path: Path) -> Path:
    """The images as a worker would see them on a mount of its own."""
    target = tmp_path / "mnt" / "fashion"
    shutil.copytree(SAMPLE, target)
    return target
