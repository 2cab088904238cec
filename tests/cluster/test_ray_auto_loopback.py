"""`--ray auto` on the README's one-machine cluster (127.0.0.1 only), from a shell
without RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER: Ray found the head's address, replaced
127.0.0.1 by this machine's network address, and waited there for good, printing
"Failed to connect to GCS at address 192.0.2.2:6390" every few seconds (a named
127.0.0.1:PORT worked). The address `auto` will reach is now found before Ray is
imported (labeldesk.ml.ray_auto) and the process kept on 127.0.0.1 for it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from labeldesk.ml import ray_auto
from labeldesk.ml.ray_errors import SeveralClusters
from labeldesk.ml.ray_loopback import ONE_MACHINE

REPO = Path(__file__).parents[2]
JOIN = """
from labeldesk.ml.ray_cluster import connect, import_ray, prepare_import
prepare_import("auto")
ray = import_ray()
connect(ray, "auto")
print(ray.get_runtime_context().gcs_address, flush=True)
ray.shutdown()
"""


def fake_raylet(proc: Path, pid: int, gcs: str) -> None:
    (proc / str(pid)).mkdir(parents=True)
    args = ["/venv/lib/ray/core/src/ray/raylet/raylet", "--node_ip_address=127.0.0.1"]
    args.append(f"--gcs-address={gcs}")
    (proc / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in args) + b"\0")


def test_auto_is_found_as_ray_finds_it(tmp_path, monkeypatch):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "self").mkdir()  # not a process id: skipped
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path / "tmp"))
    assert ray_auto.ray_temp_dir() == tmp_path / "tmp" / "ray"
    assert ray_auto.auto_address(proc) is None  # no cluster here
    fake_raylet(proc, 100, "127.0.0.1:6390")
    assert ray_auto.auto_address(proc) == "127.0.0.1:6390"  # the one raylet running here
    (tmp_path / "tmp" / "ray").mkdir(parents=True)
    (tmp_path / "tmp" / "ray" / "ray_current_cluster").write_text("127.0.0.1:7000\n")
    assert ray_auto.auto_address(proc) == "127.0.0.1:6390"  # a file a gone cluster left
    (proc / "101").mkdir()  # no command line to read (gone meanwhile): skipped
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")
    assert ray_auto.auto_address(proc) == "10.0.0.5:6379"  # the user's own choice first
    monkeypatch.delenv("RAY_ADDRESS")
    (proc / "100" / "cmdline").write_bytes(b"/bin/bash\0")  # the cluster stopped
    assert ray_auto.auto_address(proc) == "127.0.0.1:7000"  # none here: the last `ray start`'s
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")
    assert ray_auto.local_target("auto") == ("10.0.0.5", 6379)
    monkeypatch.setenv("RAY_ADDRESS", "ray://10.0.0.5:10001")
    assert ray_auto.auto_address(proc) is None  # a Ray Client: nothing to join here
    assert ray_auto.local_target("ray://h:10001") is None
    assert ray_auto.local_target("127.0.0.1:6390") == ("127.0.0.1", 6390)


def test_auto_refuses_to_choose_among_several_clusters_here(tmp_path, monkeypatch):
    """Two clusters running here: `auto` joined the one the last `ray start` recorded
    (whoever ran it), or, with no record, whichever Ray listed first. Now it names them
    and asks for one; RAY_ADDRESS, or an address given, still chooses."""
    proc = tmp_path / "proc"
    fake_raylet(proc, 100, "127.0.0.1:6390")
    fake_raylet(proc, 101, "127.0.0.1:7000")
    fake_raylet(proc, 102, "127.0.0.1:6390")  # the same cluster's second node
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path / "tmp"))
    with pytest.raises(SeveralClusters) as caught:
        ray_auto.auto_address(proc)
    assert str(caught.value) == (
        "auto found 2 Ray clusters running on this machine (127.0.0.1:6390, 127.0.0.1:7000) "
        "and cannot tell which one you mean: give the address of the one to use instead of "
        "auto (for example 127.0.0.1:6390), or set RAY_ADDRESS"
    )
    (tmp_path / "tmp" / "ray").mkdir(parents=True)
    (tmp_path / "tmp" / "ray" / "ray_current_cluster").write_text("127.0.0.1:7000\n")
    recorded = r"mean; the last `ray start` here recorded 127.0.0.1:7000: give"
    with pytest.raises(SeveralClusters, match=recorded):
        ray_auto.auto_address(proc)
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:7000")
    assert ray_auto.auto_address(proc) == "127.0.0.1:7000"


def test_embed_ray_auto_among_several_clusters_says_so_and_writes_nothing(
    sample_project, monkeypatch, capsys
):
    from labeldesk.cli import main

    running = {"127.0.0.1:6391", "127.0.0.1:6392"}
    monkeypatch.setattr(ray_auto, "raylet_gcs_addresses", lambda proc=None: set(running))
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    before = sorted(p.name for p in sample_project.path.rglob("*"))
    args = ["embed", str(sample_project.path), "--ray", "auto", "--json"]
    assert main(args) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "SeveralClusters"
    assert "(127.0.0.1:6391, 127.0.0.1:6392)" in data["error"]
    assert "give the address of the one to use instead of auto" in data["error"]
    assert sorted(p.name for p in sample_project.path.rglob("*")) == before


def test_auto_joins_a_loopback_cluster_from_a_shell_without_the_setting(ray_cluster, tmp_path):
    others = ray_auto.raylet_gcs_addresses() - {ray_cluster.address}
    if others:  # (another person's, or another test run's): auto refuses to choose, above
        pytest.skip(f"other Ray clusters run on this machine: {sorted(others)}")
    # where `ray start` (without --temp-dir) records the cluster it started
    (tmp_path / "ray").mkdir()
    (tmp_path / "ray" / "ray_current_cluster").write_text(ray_cluster.address)
    env = {k: v for k, v in os.environ.items() if k not in (ONE_MACHINE, "RAY_ADDRESS")}
    env.update(RAY_TMPDIR=str(tmp_path), PYTHONPATH=str(REPO))
    child = subprocess.Popen(
        [sys.executable, "-c", JOIN],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = child.communicate(timeout=120)  # before: no end (Ray dialled another address)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        pytest.fail(f"`auto` did not join the cluster: {err[-2000:]}")
    assert child.returncode == 0, err[-2000:]
    assert out.strip() == ray_cluster.address
