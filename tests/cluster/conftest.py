"""A real local Ray cluster (head + one more node on 127.0.0.1) shared by this folder's
tests, and the bundled sample project made with ``labeldesk new``."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
from pathlib import Path

import pytest

from cluster.local_ray import LOOPBACK_ENV

SAMPLE = Path(__file__).parents[2] / "sample_data" / "fashion"

# Ray reads its authentication settings once, when it is first imported: the token this
# session's cluster will require is set before anything can import Ray, and so is what
# keeps this process's side of the connection on 127.0.0.1 (LOOPBACK_ENV).
os.environ.update(
    RAY_AUTH_MODE="token",
    RAY_AUTH_TOKEN=secrets.token_hex(32),
    RAY_USAGE_STATS_ENABLED="0",
    **LOOPBACK_ENV,
)


# Package scope: stopped once this folder's tests are done. A session fixture kept the
# two idle nodes (18 processes after the tests, ~4.5 CPU-s a minute) running through
# every folder after this one, on CI's 2 cores.
@pytest.fixture(scope="package")
def ray_cluster():
    if importlib.util.find_spec("ray") is None:  # not imported here: see above
        pytest.skip("Ray is not installed (pip install 'labeldesk[cluster]')")
    from cluster.local_ray import start_local_ray

    cluster = start_local_ray(cpus_per_node=1, nodes=2)
    try:
        yield cluster
    finally:
        try:
            import ray

            ray.shutdown()
        finally:
            cluster.stop()


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
