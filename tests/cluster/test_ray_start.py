"""`labeldesk embed|duplicates --ray ADDRESS` fail within seconds, with one message naming
the address and what to do, when something other than the Ray server the address names
answers there, or when the head goes away as the job starts (the node probe).

Before, `ray.init` waited for good on a port that accepts and says nothing, and for
minutes on a web server; Ray Client's port given as the head's (or the other way round)
took 30-40 s to fail with "Failed to connect to Ray cluster"; a head killed during the
node probe left the command waiting 60 s, then Ray ended it with a line of its own and
no JSON document."""

from __future__ import annotations

import http.server
import importlib.util
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from labeldesk.ml import ray_address
from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.ray_address import check_reachable
from labeldesk.ml.ray_errors import ClusterUnavailable
from labeldesk.ml.ray_job_input import missing
from labeldesk.ml.store import current_key, embeddings_dir

LIMIT_S = 30  # Ray alone: 60 s and more (see above); these end in under 10 s
KILL_AT = Path(__file__).with_name("kill_head_at.py")


def needs_ray() -> None:
    if importlib.util.find_spec("ray") is None or importlib.util.find_spec("grpc") is None:
        pytest.skip("Ray or grpcio is not installed (pip install 'labeldesk[cluster]')")


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says anything."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for connection in held:
        connection.close()


class Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web_port():
    """A web server (HTTP/1.1), e.g. Ray's dashboard port given by mistake."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_another_server_on_the_port_is_told_apart_from_a_ray_head(
    silent_port, web_port, monkeypatch
):
    needs_ray()
    monkeypatch.setattr(ray_address, "ANSWER_TIMEOUT_S", 1.0)
    for address in (
        f"127.0.0.1:{silent_port}",
        f"ray://127.0.0.1:{silent_port}",
        f"127.0.0.1:{web_port}",
    ):
        with pytest.raises(ClusterUnavailable) as raised:
            check_reachable(address)
        message = str(raised.value)
        assert message.startswith(f"something answers at {address}, but not ")
        assert "check the address" in message
    assert "within 1 s" in str(raised_for(f"127.0.0.1:{silent_port}"))
    assert "HTTP/2" in str(raised_for(f"127.0.0.1:{web_port}"))  # grpc's own words


def raised_for(address: str) -> ClusterUnavailable:
    with pytest.raises(ClusterUnavailable) as raised:
        check_reachable(address)
    return raised.value


def test_ray_clients_port_and_the_heads_port_swapped_are_named(ray_cluster):
    if ray_cluster.client_address is None:
        pytest.skip("no Ray Client server (grpcio is not installed)")
    check_reachable(ray_cluster.address)  # the right ones pass
    check_reachable(ray_cluster.client_address)
    gcs_as_client = raised_for(f"ray://{ray_cluster.address}")
    assert "not Ray Client" in str(gcs_as_client) and "without ray://" in str(gcs_as_client)
    client_as_gcs = raised_for(ray_cluster.client_address.removeprefix("ray://"))
    assert "not a Ray head" in str(client_as_gcs) and "ray://HOST:PORT" in str(client_as_gcs)


def run_cli(args: list[str], env: dict[str, str] | None = None) -> tuple[int, dict, float]:
    """``python -m labeldesk ARGS --json`` in a process of its own (a hang is reported,
    not waited on): (exit code, its JSON document, seconds)."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "labeldesk", *args, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=2 * LIMIT_S,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"still waiting after {exc.timeout:.0f} s: {str(exc.stderr)[-1500:]}")
    return done.returncode, json.loads(done.stdout), time.monotonic() - started


@pytest.fixture
def embedded_project(sample_project):
    """The sample project with vectors (a fake model's) for the near-duplicate search."""
    from ml.fake_embeddings import store_vectors

    rng = np.random.default_rng(0)
    store_vectors(sample_project, list(rng.normal(size=(600, 16))), "7")
    return sample_project


@pytest.mark.slow
def test_embed_against_a_port_that_says_nothing_fails_in_seconds(sample_project, silent_port):
    needs_ray()
    address = f"127.0.0.1:{silent_port}"
    code, out, seconds = run_cli(["embed", str(sample_project.path), "--ray", address])
    assert seconds < LIMIT_S and code == 1 and out["kind"] == "ClusterUnavailable", out
    assert out["error"].startswith(f"something answers at {address}, but not a Ray head")
    assert "the head's GCS port" in out["error"]
    assert not embeddings_dir(sample_project).exists()  # nothing written, no model loaded


@pytest.mark.slow
def test_duplicates_against_a_web_server_fail_in_seconds(embedded_project, web_port):
    needs_ray()
    before = sorted(p.name for p in embeddings_dir(embedded_project).rglob("*"))
    address = f"127.0.0.1:{web_port}"
    code, out, seconds = run_cli(["duplicates", str(embedded_project.path), "--ray", address])
    assert seconds < LIMIT_S and code == 1 and out["kind"] == "ClusterUnavailable", out
    assert f"something answers at {address}, but not a Ray head" in out["error"]
    assert sorted(p.name for p in embeddings_dir(embedded_project).rglob("*")) == before


@pytest.fixture
def throwaway_cluster():
    needs_ray()
    from cluster.local_ray import start_local_ray

    cluster = start_local_ray(cpus_per_node=1, nodes=2)
    try:
        yield cluster
    finally:
        cluster.stop()


def kill_head_at(cluster, message: str, args: list[str], tmp_path: Path) -> tuple[int, dict]:
    """Run ``labeldesk ARGS --ray HEAD --json``, killing the head as the progress first
    shows ``message``; the command must end within LIMIT_S of the kill."""
    mark = tmp_path / "killed"
    cli = [sys.executable, str(KILL_AT), message, str(cluster.nodes[0].pid), str(mark), "--"]
    cli += [*args, "--ray", cluster.address, "--json"]
    with open(tmp_path / "out", "w+") as out, open(tmp_path / "err", "w+") as err:
        run = subprocess.Popen(cli, env=cluster.env, stdout=out, stderr=err, text=True)
        try:
            run.wait(timeout=300)  # the kill comes within ~30 s; the end within LIMIT_S
            ended = time.time()
        finally:
            run.kill()  # only if still running: never left behind
    log = (tmp_path / "err").read_text()[-2000:]
    assert mark.exists(), f"the phase {message!r} never came: {log}"
    waited = ended - float(mark.read_text())
    assert waited < LIMIT_S, f"it ended {waited:.0f} s after the head was killed: {log}"
    return run.returncode, json.loads((tmp_path / "out").read_text())


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_head_killed_during_the_node_probe_stops_embed_with_nothing_written(
    throwaway_cluster, sample_project, tmp_path
):
    todo = len(missing(sample_project, None, EmbedReport("m", "k", "cpu")))
    before = current_key(sample_project)
    args = ["embed", str(sample_project.path), "--workers", "1"]
    code, out = kill_head_at(throwaway_cluster, "checking the cluster's nodes", args, tmp_path)
    assert code == 1 and out["kind"] == "ClusterLost", out
    assert out["error"] == (
        f"the Ray cluster at {throwaway_cluster.address} stopped answering (its head is gone "
        "or out of reach); nothing was written: run it again once the cluster is back"
    )
    assert current_key(sample_project) == before  # the project's embeddings as they were
    assert len(missing(sample_project, None, EmbedReport("m", "k", "cpu"))) == todo
    assert not any(embeddings_dir(sample_project).glob("*/keys.bin"))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_head_killed_during_the_node_probe_stops_duplicates_and_a_rerun_works(
    throwaway_cluster, ray_cluster, embedded_project, tmp_path
):
    args = ["duplicates", str(embedded_project.path)]
    code, out = kill_head_at(throwaway_cluster, "checking the cluster's nodes", args, tmp_path)
    assert code == 1 and out["kind"] == "ClusterLost", out
    assert out["error"].startswith(f"the Ray cluster at {throwaway_cluster.address} stopped")
    assert out["error"].endswith("nothing was written: run it again once the cluster is back")
    assert not any("knn" in p.name for p in embeddings_dir(embedded_project).rglob("*"))
    again = ["duplicates", str(embedded_project.path), "--ray", ray_cluster.address]
    code, out, _ = run_cli(again, env=ray_cluster.env)  # another cluster, as if it were back
    assert code == 0 and out["cluster"]["images"] == 600, out
    assert any("knn" in p.name for p in embeddings_dir(embedded_project).rglob("*"))


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("stage", ["ray.init", "ray.connect"])
def test_a_head_killed_while_this_machine_joins_stops_embed_with_nothing_written(
    throwaway_cluster, sample_project, tmp_path, stage
):
    """ray.init: the head killed as Ray's init starts (its first stage: Ray waited for
    good); ray.connect: as its last stage starts (Ray waited a minute, then ended the
    process with a line of its own, and the process's exit waited for that too)."""
    todo = len(missing(sample_project, None, EmbedReport("m", "k", "cpu")))
    before = current_key(sample_project)
    args = ["embed", str(sample_project.path), "--workers", "1"]
    code, out = kill_head_at(throwaway_cluster, stage, args, tmp_path)
    assert code == 1 and out["kind"] == "ClusterLost", out
    assert out["error"] == (
        f"the Ray cluster at {throwaway_cluster.address} stopped answering (its head is gone "
        "or out of reach); nothing was written: run it again once the cluster is back"
    )
    assert current_key(sample_project) == before
    assert len(missing(sample_project, None, EmbedReport("m", "k", "cpu"))) == todo
    assert not any(embeddings_dir(sample_project).glob("*/keys.bin"))
