"""What a Ray job says of processes the cluster lost, from Ray's own texts as a local
two-node cluster gave them on the development machine (Ray 2.60):

- a job's relay killed by Ray's memory monitor (the machine's memory taken by other
  programs) ended the command with "the Ray job failed: Refer to the documentation on
  how to address the out of memory issue: …", the last line of Ray's page-long error;
- one node's raylet killed (kill -9) mid-job gave "note: 2 nodes of the Ray cluster
  stopped during the job" (its two agents each send Ray's notice) and a second note with
  the head's own text on the same node ("note: Ray: The node with node id: … has been
  marked dead because the detector has missed too many heartbeat…")."""

from __future__ import annotations

import pytest

from labeldesk.core.progress import CancelToken
from labeldesk.ml.ray_errors import ClusterError, summary
from labeldesk.ml.ray_notices import Notices
from labeldesk.ml.ray_results import Outputs

NODE = "07d6c913b8a3a3e84e521934f1dd3b085fa98fcb80107c06b36cf4a4"
# ActorDiedError's text (abridged where Ray lists object-store figures and processes)
OOM = f"""The actor died unexpectedly before finishing this task.
\tclass_name: JobRelay
\tactor_id: 474495578f758dbb2a70e54701000000
\tpid: 667
\tip: 127.0.0.1
1 worker(s) were killed due to the node running low on memory. Memory on the node (IP: \
127.0.0.1, ID: {NODE}) was 22.48GB used / 23.54GB limit (0.954906)
OOM kill reason: Memory usage 24219803648B exceeded threshold of 24012374016B (95.0% of \
25276182528B limit)
Object store memory usage: [- objects spillable: 0
- bytes spillable: 0
(global lru) bytes evicted: 0]
Ray killed 1 worker(s) based on the killing policy
Considered workers: [
Selected to kill: (Task: job ID=01000000, lease ID=000000001f8e, task name=JobRelay.__init__, \
required resources={{}}, pid=667, actual memory used=0.05GB, worker ID=71d80497d564)
]
Total non-selected idle workers: 0
To see more information about memory usage on this node, use `ray logs raylet.out -ip 127.0.0.1`
Top 10 memory users: PID\tMEM(GB)\tCOMMAND
21246\t5.05\tpython bench.py
Refer to the documentation on how to address the out of memory issue: \
https://docs.ray.io/en/latest/ray-observability/user-guides/debug-apps/debug-memory.html. \
Consider provisioning more memory on this node or reducing task parallelism by requesting \
more CPUs per task."""


class ActorDiedError(Exception):
    """Stands for Ray's error of that name (this folder's tests do not import Ray)."""


def failing_batches():
    raise ActorDiedError(OOM)
    yield {}  # (a generator: the error comes as the first batch is asked for)


def test_a_process_killed_by_rays_memory_monitor_is_said_with_its_node_and_the_fix():
    outputs = Outputs(failing_batches())
    try:
        with pytest.raises(ClusterError) as failed:
            outputs.next(CancelToken())
    finally:
        outputs.close()
    said = str(failed.value)
    assert said.startswith(
        "the Ray job failed: Ray's memory monitor killed JobRelay because node 127.0.0.1 "
        "was low on memory (22.48GB of 23.54GB in use): it kills workers when a node's "
        "memory use passes 95%. "
    )
    assert "RAY_memory_usage_threshold" in said
    assert "Refer to the documentation" not in said


def test_processes_of_other_jobs_killed_with_it_are_named_too():
    """Ray's list as the tests' cluster gave it: another job's task and the relay's call
    (only the first was named, as if it were this job's)."""
    two = OOM.replace("1 worker(s) were killed", "2 worker(s) were killed").replace(
        "Selected to kill: (Task:",
        "Selected to kill: (Task: job ID=02000000, task name=hold, pid=9), (Task:",
    )

    assert summary(ActorDiedError(two)).startswith(
        "Ray's memory monitor killed 2 processes (hold, JobRelay) because node 127.0.0.1"
    )


RAYLET_LOG = (
    "[2026-12-07 06:58:20,112 I {pid} {pid}] (raylet) node_manager.cc:812: "
    "Sending Python GC request to 2 local workers\n"
)
RAYLET_NOTICE = (
    "Raylet is terminated. Termination is unexpected. Possible reasons include: (1) SIGKILL "
    "by the user or system OOM killer, (2) Invalid memory access from Raylet causing SIGSEGV "
    "or SIGBUS, (3) Other termination signals. Last 20 lines of the Raylet logs:\n    "
)
MARKED_DEAD = (
    "The node with node id: {node} and address: 127.0.0.1 and node name: 127.0.0.1 has been "
    "marked dead because the detector has missed too many heartbeats from it. This can "
    "happen when a \t(1) raylet crashes unexpectedly (OOM, etc.) \n\t(2) raylet has lagging "
    "heartbeats due to slow network or busy workload."
)


def test_one_node_gone_is_one_node_in_one_note():
    notices = Notices()
    notices.take(RAYLET_NOTICE + RAYLET_LOG.format(pid=31965))  # the dashboard agent's
    notices.take(RAYLET_NOTICE + RAYLET_LOG.format(pid=31965) * 2)  # the runtime env agent's
    notices.take(MARKED_DEAD.format(node=NODE))
    assert notices.lines() == [
        "a node of the Ray cluster stopped during the job (its raylet ended: killed, out of "
        "memory, or crashed)"
    ]


def test_two_nodes_gone_are_two():
    notices = Notices()
    for pid in (31965, 40112):
        notices.take(RAYLET_NOTICE + RAYLET_LOG.format(pid=pid))
        notices.take(RAYLET_NOTICE + RAYLET_LOG.format(pid=pid))
    notices.take(MARKED_DEAD.format(node=NODE))
    assert notices.lines()[0].startswith("2 nodes of the Ray cluster stopped during the job")
    marked = Notices()
    marked.take(MARKED_DEAD.format(node=NODE))
    marked.take(MARKED_DEAD.format(node="88c89469" + NODE[8:]))
    assert marked.lines()[0].startswith("2 nodes of the Ray cluster stopped")
