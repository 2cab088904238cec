"""What a person sees when a Ray worker or a node dies mid-job, and where a job's time
went. The cluster is a stand-in (no Ray job), but Ray's own printing function is the
real one, called as Ray's listening thread calls it.

Seen on a real local cluster (`labeldesk embed --ray`, a worker or a node's raylet
killed with SIGKILL mid-job): a worker killed printed three "(raylet) …" paragraphs in
colour on stdout (the job went on: Ray started another worker); a node's raylet killed
printed "(raylet) Raylet is terminated …" with the last 20 lines of its log, twice, and
the command ended with "error: the Ray job failed: The actor 09c8… is unavailable: The
actor is temporarily unavailable: RpcError: RPC error: Socket closed rpc_code: 14. …"."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from cluster.graph_stand_in import graph_stand_in
from cluster.test_ray_model_switch import StandIn, batch
from labeldesk.cli import main
from labeldesk.core.image_rows import usable_files
from labeldesk.ml import ray_results
from labeldesk.ml.ray_notices import NodeLost, Notices, caught, node_death_window, node_lost
from labeldesk.ml.ray_timing import JobTiming
from labeldesk.ml.store import project_vectors

pytest.importorskip("ray")

WORKER_DIED = (
    "A worker died or was killed while executing a task by an unexpected system error. To "
    "troubleshoot the problem, check the logs for the dead worker. Lease ID: 0400 Worker ID: "
    "f4dc Node ID: 1e5d Worker IP address: 10.0.0.2 Worker port: 10016 Worker PID: 13963 "
    "Worker exit type: SYSTEM_ERROR Worker exit detail: Worker unexpectedly exits with a "
    "connection error code 2. End of file."
)
RETRIED = (
    "Task MapWorker(MapBatches(Embedder)).submit failed. There are infinite retries "
    "remaining, so the task will be retried. Error: The actor is temporarily unavailable"
)
RAYLET_ENDED = (
    "Raylet is terminated. Termination is unexpected. Possible reasons include: (1) SIGKILL "
    "by the user or system OOM killer, (2) Invalid memory access from Raylet causing SIGSEGV "
    "or SIGBUS, (3) Other termination signals. Last 20 lines of the Raylet logs:\n"
    + "\n".join(f"    [state-dump] NodeManager.line{i} - 1 total" for i in range(20))
)


def ray_prints(*texts: str) -> None:
    """What Ray's driver does with the cluster's error messages (its listening thread
    looks the function up in its module at each message)."""
    worker = sys.modules["ray._private.worker"]
    for text in texts:
        worker.print_to_stdstream(
            {"lines": [text], "pid": "raylet", "is_err": False}, ignore_prefix=False
        )


class Dying(StandIn):
    """The stand-in cluster, on two nodes; mid-job a worker dies (Ray retries its batch),
    or, with ``node_goes``, the second node goes and the job with it."""

    def __init__(self, monkeypatch, project, node_goes: bool = False) -> None:
        super().__init__(monkeypatch, project, take=99, fail=False)
        import ray._private.worker  # noqa: F401  (Ray's driver, as connected)

        self.node_goes = node_goes
        self.alive = {"n1": "10.0.0.1", "n2": "10.0.0.2"}

    def nodes(self) -> list[dict]:
        return [
            {"NodeID": n, "NodeManagerAddress": self.alive[n], "Alive": True} for n in self.alive
        ]

    def run_job(self, ray, items, spec, root, plan, watch=None, explain=None):
        from ray.exceptions import ActorUnavailableError

        def batches():
            for i in range(0, len(items), 4):
                out = batch(items[i : i + 4])
                out["load_s"] = np.full(len(out["hash"]), 12.5, np.float32)
                yield out
                if i == 0 and self.node_goes:
                    ray_prints(RAYLET_ENDED, RAYLET_ENDED)
                    del self.alive["n2"]
                    raise ActorUnavailableError(
                        "The actor 09c8 is unavailable: The actor is temporarily "
                        "unavailable: RpcError: RPC error: Socket closed rpc_code: 14.",
                        None,
                    )
                if i == 0:
                    ray_prints(WORKER_DIED, RETRIED, RETRIED)

        return ray_results.Outputs(batches(), watch=watch, explain=explain)


def test_a_worker_that_died_is_one_line_of_the_summary(project, monkeypatch, capfd):
    Dying(monkeypatch, project)
    args = ["embed", str(project.path), "--model", "tiny:48", "--ray", "127.0.0.1:6379"]
    assert main(args) == 0
    out, err = capfd.readouterr()
    assert "(raylet)" not in out + err and "Worker ID" not in out + err
    assert (
        "note: a Ray worker died during the job (on 10.0.0.2): killed, out of memory, or "
        "crashed; Ray started another and ran the unfinished batches again"
    ) in out
    assert len(project_vectors(project).paths) == len(usable_files(project.db))


def test_a_node_gone_mid_job_is_named_and_the_batches_before_are_kept(project, monkeypatch, capfd):
    Dying(monkeypatch, project, node_goes=True)
    # as in a terminal: no progress lines (those a log file gets: test_progress_lines.py)
    monkeypatch.setattr("labeldesk.core.progress_bar.stderr_is_terminal", lambda: True)
    args = ["embed", str(project.path), "--model", "tiny:48", "--ray", "127.0.0.1:6379"]
    assert main([*args, "--json"]) == 1
    out, err = capfd.readouterr()
    assert "[state-dump]" not in out + err and "rpc_code" not in out + err
    left = len({r["hash"] for r in usable_files(project.db)}) - 4
    failed = json.loads(out)
    assert failed["kind"] == "NodeLost"
    said, timing = failed["error"].split("; where the time went: ")  # as a finished job
    assert said == (
        "node 10.0.0.2 of the Ray cluster went away during the job (its raylet "
        "ended: killed, out of memory, or crashed; or its machine is down), and the job "
        f"with it; the 4 images embedded before that are kept and {left} are left: run it "
        "again, and it embeds only those"
    )  # (the raylet that ended is not said again as a note)
    assert "until the first batch of " in timing
    assert err.count("\n") == 1  # one line
    assert len(project_vectors(project).paths) == 4


class SlowToTell(Dying):
    """As :class:`Dying` with its node gone, but the cluster still counts that node alive
    for its first ``late`` asks after the failure (Ray's head gives a node up only after
    its health checks: ~15 s)."""

    def __init__(self, monkeypatch, project, late: int = 3) -> None:
        super().__init__(monkeypatch, project, node_goes=True)
        self.late = late

    def nodes(self) -> list[dict]:
        if "n2" in self.alive or self.late <= 0:
            return super().nodes()
        self.late -= 1
        return [
            {"NodeID": n, "NodeManagerAddress": f"10.0.0.{n[1]}", "Alive": True} for n in BEFORE
        ]


def test_the_wait_for_the_cluster_to_name_a_node_is_said_on_the_progress_line(project, monkeypatch):
    """Up to ~18 s with the last batch's line on screen, as if the job were still
    embedding: now a line says what it waits for, and that Cancel stops it."""
    from labeldesk.ml.ray_embed import embed_on_ray

    SlowToTell(monkeypatch, project)
    seen = []
    with pytest.raises(NodeLost, match=r"^node 10\.0\.0\.2 of the Ray cluster went away"):
        embed_on_ray(project, "tiny:48", address="127.0.0.1:6379", progress=seen.append)
    waits = [p.message for p in seen if "went away" in p.message]
    assert waits == [
        "waiting up to 18 s for the cluster to say which node went away… (Cancel or Ctrl+C stops)"
    ]
    assert seen[-1].message == waits[0]  # said last: nothing came after it


def test_the_wait_is_as_long_as_the_clusters_head_says(project, monkeypatch):
    """The nodes' answers to the job's checks say how long the cluster takes to give a
    node up (the head's Ray settings, here 4 s × 6); the wait was this machine's (18 s)."""
    from labeldesk.ml import ray_embed
    from labeldesk.ml.ray_embed import embed_on_ray

    SlowToTell(monkeypatch, project)
    answers = [{"head": False, "node_death_s": 18.0}, {"head": True, "node_death_s": 24.0}]
    monkeypatch.setattr(ray_embed, "probe_nodes", lambda ray, root, sample, watch=None: answers)
    seen = []
    with pytest.raises(NodeLost):
        embed_on_ray(project, "tiny:48", address="127.0.0.1:6379", progress=seen.append)
    waits = [p.message for p in seen if "went away" in p.message]
    assert waits == [
        "waiting up to 24 s for the cluster to say which node went away… (Cancel or Ctrl+C stops)"
    ]


def test_a_node_gone_is_told_by_the_cluster_or_by_its_notice():
    from ray.exceptions import ActorDiedError, RayTaskError

    before = {"n1": "10.0.0.1", "n2": "10.0.0.2"}
    quiet = Notices()
    clock = iter(range(100))
    waited = {"clock": lambda: next(clock), "sleep": lambda s: None}
    lost = node_lost(ActorDiedError(), before, lambda: {"n1": "10.0.0.1"}, quiet, **waited)
    assert isinstance(lost, NodeLost) and str(lost).startswith("node 10.0.0.2 of the Ray")
    # the cluster has not seen it yet, Ray's notice has
    told = Notices()
    told.take(RAYLET_ENDED)
    lost = node_lost(ActorDiedError(), before, lambda: before, told, **waited)
    assert str(lost).startswith("a node of the Ray cluster went away during the job")
    # nothing gone after the wait: not a node's loss (the job's own error is said)
    assert node_lost(ActorDiedError(), before, lambda: before, quiet, **waited) is None
    # a Python error in a worker says its own cause: no wait, no node asked
    asked = []
    task_error = RayTaskError("f", "Traceback…", ValueError("bad"))
    assert node_lost(task_error, before, lambda: asked.append(1) or before, quiet) is None
    assert asked == []


def test_other_notices_are_cut_to_their_first_line_and_others_printed_as_before(capfd):
    with caught() as notices:
        ray_prints("Some new notice of Ray's\n" + "x" * 5000, "Some new notice of Ray's\nsame")
        sys.modules["ray._private.worker"].print_to_stdstream(
            {"lines": ["a worker's own line"], "pid": 1234, "ip": "10.0.0.2", "is_err": False},
            ignore_prefix=True,
        )
    assert notices.lines() == ["Ray: Some new notice of Ray's"]
    assert "a worker's own line" in capfd.readouterr().out
    ray_prints("after the job")  # Ray's own printing is back
    assert "after the job" in capfd.readouterr().out


def test_the_summary_says_where_the_time_went(project, imagefolder, tmp_path, monkeypatch, capsys):
    from labeldesk.core.create import create_and_index

    Dying(monkeypatch, project)
    args = ["embed", str(project.path), "--model", "tiny:48", "--ray", "127.0.0.1:6379"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    n = len({r["hash"] for r in usable_files(project.db)})
    timing = data["timing"]
    assert set(timing) == {
        "connect_s",
        "checks_s",
        "first_batch_s",
        "first_batch_images",
        "worker_start_s",
        "after_first_batch_s",
        "after_first_batch_images",
        "after_first_batch_images_per_s",
    }
    assert timing["first_batch_images"] == 4 and timing["after_first_batch_images"] == n - 4
    assert timing["worker_start_s"] == 12.5  # the worker's own figure, as it sent it
    assert data["notices"] == [
        "a Ray worker died during the job (on 10.0.0.2): killed, out of memory, or crashed; "
        "Ray started another and ran the unfinished batches again"
    ]
    other, _ = create_and_index(tmp_path / "other", imagefolder[0], workers=1)
    try:
        Dying(monkeypatch, other)
        assert main(["embed", str(other.path), "--model", "tiny:48", "--ray", "h:6379"]) == 0
    finally:
        other.close()
    text = capsys.readouterr().out
    assert "where the time went: " in text
    assert (
        "until the first batch of 4 images came back (the workers starting: 12.5 s to start "
        "and load the model on the first), then "
    ) in text
    assert f"img/s for the other {n - 4} images (" in text


def test_job_timing_stages():
    now = [0.0]
    timing = JobTiming(connect_s=1.25, checks_s=3.5, clock=lambda: now[0])
    timing.job_started()
    now[0] = 20.0
    timing.batch(16, 12.0)
    now[0] = 30.0
    timing.batch(16, 11.0)
    now[0] = 36.0
    timing.batch(8)
    assert timing.to_json() == {
        "connect_s": 1.25,
        "checks_s": 3.5,
        "first_batch_s": 20.0,
        "first_batch_images": 16,
        "worker_start_s": 12.0,
        "after_first_batch_s": 16.0,
        "after_first_batch_images": 24,
        "after_first_batch_images_per_s": 1.5,
    }
    assert timing.text() == (
        "where the time went: 1.2 s joining the cluster, 3.5 s checking it and loading the "
        "model here, 20.0 s until the first batch of 16 images came back (the workers "
        "starting: 12.0 s to start and load the model on the first), then 1.5 img/s for "
        "the other 24 images (16.0 s)"
    )
    one = JobTiming(clock=lambda: now[0])
    one.job_started()
    one.batch(5)
    assert one.text().endswith(
        "until the first batch of 5 images came back (the workers starting) (all of them)"
    )


def test_duplicates_ray_says_a_worker_that_died_in_one_line(monkeypatch, capfd):
    """The neighbour search on the cluster: Ray's paragraphs become a note of its report."""
    from types import SimpleNamespace

    import ray._private.worker  # noqa: F401  (Ray's driver, as connected)

    from labeldesk.cli.cluster_text import cluster_line
    from labeldesk.ml import ray_graph

    def run_graph(*args, **kwargs):
        ray_prints(WORKER_DIED, RETRIED)
        return np.zeros((3, 1), np.float32), np.zeros((3, 1), np.int64)

    node = {"NodeID": "1e5d", "NodeManagerAddress": "10.0.0.2", "Alive": True}
    graph_stand_in(monkeypatch, [node], run_graph)
    report = ray_graph.graph_on_ray(SimpleNamespace(), address="h:6379")
    out, err = capfd.readouterr()
    assert "(raylet)" not in out + err
    died = (
        "a Ray worker died during the job (on 10.0.0.2): killed, out of memory, or crashed; "
        "Ray started another and ran the unfinished batches again"
    )
    assert report.to_json()["notices"] == [died]
    assert cluster_line(report).endswith(f"\nnote: {died}")


def test_two_jobs_at_once_both_take_the_notices_and_ray_prints_again_after(capfd):
    """The app can run an embedding and a neighbour search on the cluster together: the
    one that ends first must not leave Ray's printing swapped for good."""
    first_job, second_job = caught(), caught()
    first = first_job.__enter__()
    second = second_job.__enter__()
    ray_prints(WORKER_DIED)
    first_job.__exit__(None, None, None)  # the first to start ends first
    ray_prints(RAYLET_ENDED)
    second_job.__exit__(None, None, None)
    assert len(first.workers_died) == len(second.workers_died) == 1
    assert first.nodes_ended == 0 and second.nodes_ended == 1
    assert capfd.readouterr().out == ""
    ray_prints("after both jobs")
    assert "after both jobs" in capfd.readouterr().out


INFEASIBLE = (
    "Error: No available node types can fulfill resource request {'CPU': 1.0}. Add suitable "
    "node types to this cluster to resolve this issue."
)


@pytest.fixture
def driver_output(monkeypatch):
    """Ray's driver's handler of the workers' output, as ``ray.init`` adds it (bound to
    Ray's printing function), and its autoscaler taken for v1 (asked of the GCS else)."""
    import functools

    import ray._private.worker as worker
    from ray.autoscaler.v2 import utils

    monkeypatch.setattr(utils, "cached_is_autoscaler_v2", False)
    monkeypatch.setattr(worker, "autoscaler_log_fyi_printed", False)
    dispatcher = worker.global_worker_stdstream_dispatcher
    dispatcher.add_handler(
        "ray_print_logs", functools.partial(worker.print_to_stdstream, ignore_prefix=False)
    )
    yield dispatcher
    dispatcher.remove_handler("ray_print_logs")


def ray_logs(dispatcher, pid, *lines: str) -> None:
    """What Ray's driver does with a batch of the cluster's output lines (its log thread)."""
    batch = {"lines": list(lines), "pid": pid, "ip": "10.0.0.1", "is_err": False, "job": ""}
    dispatcher.emit({**batch, "localhost": "10.0.0.2"})


def test_the_autoscalers_events_are_notices_not_printed(driver_output, capfd):
    """Seen: "(autoscaler +12s) Tip: use `ray status` …" and "(autoscaler +12s) Error: No
    available node types can fulfill resource request …" in the middle of the output."""
    v2 = json.dumps({"message": INFEASIBLE.removeprefix("Error: "), "severity": "WARNING"})
    with caught() as notices:
        ray_logs(driver_output, "autoscaler", f":event_summary:{INFEASIBLE}", "monitor.py:1 INFO")
        ray_logs(driver_output, "autoscaler", f":event_summary:{INFEASIBLE}", v2)
        ray_logs(driver_output, "autoscaler", json.dumps({"message": "x", "severity": "DEBUG"}))
        ray_logs(driver_output, 1234, "a worker's line, not the autoscaler's")
    out, err = capfd.readouterr()
    assert "(autoscaler" not in out + err and "No available node types" not in out + err
    assert "a worker's line, not the autoscaler's" in out
    assert notices.lines() == [
        "Ray's autoscaler: No available node types can fulfill resource request {'CPU': 1.0}. "
        "Add suitable node types to this cluster to resolve this issue."
    ]
    ray_logs(driver_output, "autoscaler", f":event_summary:{INFEASIBLE}")  # Ray's own again
    assert "(autoscaler +" in capfd.readouterr().out


class Seen:
    """The cluster's view of its nodes over time: ``gone_at`` s after the failure, the
    second node is no longer alive (Ray's head gives a node up after its health checks
    fail: about 15 s for a raylet killed); each wait moves the clock on."""

    def __init__(self, gone_at: float) -> None:
        self.now, self.gone_at, self.asked = 0.0, gone_at, 0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def alive(self) -> dict[str, str]:
        self.asked += 1
        if self.now >= self.gone_at:
            return {"n1": "10.0.0.1"}
        return {"n1": "10.0.0.1", "n2": "10.0.0.2"}


BEFORE = {"n1": "10.0.0.1", "n2": "10.0.0.2"}


def test_a_node_the_cluster_gives_up_after_its_health_checks_is_named():
    """Before, the cluster was asked for 5 s only: a raylet killed was named by nobody
    ("a node of the Ray cluster went away"), or, without Ray's notice, the command
    ended with "the Ray job failed: The actor 09c8… is unavailable: … rpc_code: 14"."""
    from ray.exceptions import ActorUnavailableError

    told = Notices()
    told.take(RAYLET_ENDED)
    unavailable = ActorUnavailableError("RpcError: RPC error: Socket closed rpc_code: 14", None)
    for error, notices in [(unavailable, Notices()), (unavailable, told)]:
        seen = Seen(gone_at=15.0)
        lost = node_lost(
            error, BEFORE, seen.alive, notices, death_s=18.0, clock=seen.clock, sleep=seen.sleep
        )
        assert isinstance(lost, NodeLost)
        assert str(lost).startswith("node 10.0.0.2 of the Ray cluster went away during the job")
        assert 15.0 <= seen.now < 16.0  # said as soon as the cluster knew


def test_a_node_named_dead_by_the_error_is_named_at_once():
    from ray.core.generated.common_pb2 import ActorDiedErrorContext
    from ray.exceptions import ActorDiedError

    died = ActorDiedError(
        ActorDiedErrorContext(
            class_name="JobRelay",
            actor_id=bytes(16),
            node_ip_address="10.0.0.2",
            error_message="The actor is dead because its node has died. Node Id: 1e5d",
        )
    )
    seen = Seen(gone_at=15.0)
    said: list[str] = []
    lost = node_lost(
        died, BEFORE, seen.alive, Notices(), clock=seen.clock, sleep=seen.sleep, waiting=said.append
    )
    assert str(lost).startswith("node 10.0.0.2 of the Ray cluster went away")
    assert seen.asked == 0 and said == []  # no wait: nothing said of one
    # an actor that died on a node still here (its process killed) is no node's loss
    killed = ActorDiedError(
        ActorDiedErrorContext(
            class_name="JobRelay",
            actor_id=bytes(16),
            node_ip_address="10.0.0.2",
            error_message="The actor is dead because its worker process has died.",
        )
    )
    seen = Seen(gone_at=1e9)
    quiet = {"death_s": 18.0, "clock": seen.clock, "sleep": seen.sleep}
    assert node_lost(killed, BEFORE, seen.alive, Notices(), **quiet) is None
    assert seen.now < 6  # no sign of a node gone: the short wait


def test_a_node_gone_that_the_cluster_never_names_is_said_unnamed_not_guessed():
    from ray.exceptions import ActorUnavailableError

    told = Notices()
    told.take(RAYLET_ENDED)
    seen = Seen(gone_at=1e9)
    error = ActorUnavailableError("RpcError: RPC error: Socket closed rpc_code: 14", None)
    lost = node_lost(
        error, BEFORE, seen.alive, told, death_s=18.0, clock=seen.clock, sleep=seen.sleep
    )
    assert str(lost) == (
        "a node of the Ray cluster went away during the job (its raylet ended: killed, out "
        "of memory, or crashed; or its machine is down), and the job with it; which one, the "
        "cluster had not said after 18 s"
    )
    assert node_death_window() == 18.0  # Ray's defaults: asked every 3 s, given up after 5


AUTOSCALER_FAILURE = (
    "The autoscaler failed with the following error:\nTraceback (most recent call last):\n"
    '  File "monitor.py", line 1, in _run\nValueError: the node provider is out of reach'
)


def test_the_autoscalers_failure_told_as_the_job_joins_is_a_note(project, monkeypatch, capfd):
    """Ray's driver logs the autoscaler's failure (kept on the cluster until it starts
    again) as it joins the cluster: the command printed it whole, traceback and all,
    before its own first line."""
    import logging

    import ray._private.worker  # noqa: F401  (Ray's driver, as connected)

    from labeldesk.ml import ray_embed

    StandIn(monkeypatch, project, take=99, fail=False)

    def joining(ray, address, cancel=None) -> bool:
        logging.getLogger("ray._private.worker").warning(AUTOSCALER_FAILURE)  # as Ray does
        ray_prints(AUTOSCALER_FAILURE)  # and as the autoscaler pushes it when it fails
        return False

    monkeypatch.setattr(ray_embed, "connect", joining)
    args = ["embed", str(project.path), "--model", "tiny:48", "--ray", "127.0.0.1:6379"]
    assert main(args) == 0
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "The autoscaler failed" not in out + err
    said = "note: Ray's autoscaler: it failed on the cluster (ValueError: the node provider is"
    assert out.count(said) == 1, out  # once, however many ways it came


def test_ray_clients_autoscaler_events_are_notices_not_printed(monkeypatch, capfd):
    """Joined through Ray Client (``ray://``), the autoscaler's events come down the
    client's log stream as the text its server printed with Ray's own printer, and were
    printed as they came ("(autoscaler +12s) Error: No available node types …")."""
    import io

    import ray._private.worker as worker
    from ray.autoscaler.v2 import utils
    from ray.util.client.logsclient import LogstreamClient

    monkeypatch.setattr(utils, "cached_is_autoscaler_v2", False)
    monkeypatch.setattr(worker, "autoscaler_log_fyi_printed", False)

    def served(pid: str, *lines: str) -> str:
        """What Ray Client's server sends for a batch of the cluster's output."""
        batch = {"lines": list(lines), "pid": pid, "ip": "10.0.0.1", "is_err": False}
        with io.StringIO() as file:
            worker.print_worker_logs(batch, file)
            return file.getvalue()

    stream = LogstreamClient.__new__(LogstreamClient)  # its printer alone (no channel)
    own = served("12", "a worker's own line")
    with caught(client=True) as notices:
        stream.stdstream(-1, served("autoscaler", f":event_summary:{INFEASIBLE}") + own)
    assert notices.lines() == [
        "Ray's autoscaler: No available node types can fulfill resource request {'CPU': 1.0}. "
        "Add suitable node types to this cluster to resolve this issue."
    ]
    out = capfd.readouterr().out
    assert "a worker's own line" in out and "autoscaler" not in out
    with caught() as notices:  # a job on a head's address: Ray Client's printing untouched
        stream.stdstream(-1, served("autoscaler", f":event_summary:{INFEASIBLE}"))
    assert notices.lines() == [] and "(autoscaler +" in capfd.readouterr().out
    stream.stdstream(-1, served("autoscaler", f":event_summary:{INFEASIBLE}"))  # after
    assert "(autoscaler +" in capfd.readouterr().out


def test_ray_clients_server_records_are_notices_and_errors_still_logged(caplog):
    """Joined through Ray Client, the log records of its server's driver come down the
    log stream and were logged here as they came: the autoscaler's failure as it joined
    (its whole traceback on stderr), and its other warnings and news."""
    import logging

    from ray.util.client.logsclient import LogstreamClient

    failure = (
        "The autoscaler failed with the following error:\nTraceback (most recent call "
        'last):\n  File "monitor.py", line 1, in _run\nValueError: out of reach'
    )
    stream = LogstreamClient.__new__(LogstreamClient)  # its logger alone (no channel)
    caplog.set_level(logging.INFO, logger="ray.util.client.logsclient")  # (Ray Client's)
    with caught(client=True) as notices:
        stream.log(logging.WARNING, failure)
        stream.log(logging.WARNING, "Some warning of the server's\nwith more")
        stream.log(logging.INFO, "Some news of the server's work")
        stream.log(logging.ERROR, "A real error on the server")
    assert notices.lines() == [
        "Ray: Some warning of the server's",
        "Ray's autoscaler: it failed on the cluster (ValueError: out of reach)",
    ]
    assert [r.getMessage() for r in caplog.records] == ["A real error on the server"]
    stream.log(logging.WARNING, "after the job")  # Ray Client's logging is back
    assert caplog.records[-1].getMessage() == "after the job"
