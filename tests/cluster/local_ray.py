"""A real local Ray cluster for the tests: a head and a second node on 127.0.0.1.

Each node is a ``ray start --block`` process in a session (process group) of its own,
with Ray's files in a fresh temporary folder, so stopping it touches only what it
started: the group gets SIGKILL, and any process still naming the folder (a worker that
left the group) is killed by its id. ``ray stop`` is not used: it kills
every Ray process of the user on the machine, other people's clusters included. A
watchdog process (``watchdog.py``), started before the first node, does the same if the
test process dies first (SIGTERM, a crash), also while the cluster is still starting.

Every server of the cluster listens on 127.0.0.1 only (:data:`LOOPBACK_ENV`, and
``loopback_node.py`` for the second node); token authentication (a random token known
to this process only) keeps other users of this machine from using it while it runs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
# Ray's workers take ports 10002-19999 by default: the head's port stays below them.
PORT_RANGE = range(6400, 9900)
START_TIMEOUT_S = 90.0
# Ray's servers (GCS, raylets, workers, this process's driver) bind 127.0.0.1 only when
# a node's address is exactly 127.0.0.1; Ray replaces that address by the machine's
# network address unless this is 0 (its one-machine mode). The nodes and every process
# that connects to them (set before Ray is imported: Ray reads it once) need it.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def free_port(taken: Iterable[int] = ()) -> int:
    """A port in PORT_RANGE that nothing listens on now (random start: parallel runs),
    not one of ``taken`` (chosen already but not bound yet: the head's own port, which
    a second pick once returned for Ray Client, and `ray start` refused the pair)."""
    first = secrets.randbelow(len(PORT_RANGE))
    for i in range(len(PORT_RANGE)):
        port = PORT_RANGE[(first + i) % len(PORT_RANGE)]
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the Ray head")


@dataclass
class LocalRay:
    """A running local cluster: ``address`` for ``ray.init``; :meth:`stop` ends it."""

    temp_dir: Path
    port: int
    env: dict[str, str]
    nodes: list[subprocess.Popen] = field(default_factory=list)

    client_port: int | None = None  # Ray Client's port on the head (when grpcio is here)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def client_address(self) -> str | None:
        return None if self.client_port is None else f"ray://{HOST}:{self.client_port}"

    watchdog: subprocess.Popen | None = None

    def stop(self) -> None:
        below = descendants([p.pid for p in self.nodes])  # before they are orphaned
        # Killed at once: `ray start --block` given SIGTERM was still running 30 s later
        # (a wait of 3 s for it here was 3 s lost at every stop).
        kill_cluster_processes([p.pid for p in self.nodes], str(self.temp_dir), below)
        for proc in self.nodes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        shutil.rmtree(self.temp_dir, ignore_errors=True)
        if self.watchdog is not None:  # stopped here: the watchdog has nothing to do
            with contextlib.suppress(OSError, ValueError):  # (ValueError: told already)
                self.watchdog.communicate(b"done\n", timeout=5)

    def started(self, node: subprocess.Popen) -> None:
        """A node started: kept, and told to the watchdog (its process group)."""
        self.nodes.append(node)
        self.tell_watchdog(f"node {node.pid}")

    def tell_watchdog(self, line: str) -> None:
        if self.watchdog is not None and self.watchdog.stdin is not None:
            self.watchdog.stdin.write(f"{line}\n".encode())
            self.watchdog.stdin.flush()


def kill_cluster_processes(groups: list[int], temp_dir: str, known: Iterable[int] = ()) -> None:
    """SIGKILL the nodes' processes: their descendants (Ray's workers start sessions of
    their own and rename themselves ``ray::...``), their process groups, and any process
    still naming ``temp_dir`` with its group (a node's ``ray start`` names it: its agents,
    renamed ``ray::…``, are in its group)."""
    naming = processes_naming(temp_dir)
    groups = list({*groups, *(_group_of(pid) for pid in naming)} - {os.getpgrp(), 0})
    # Known ids are checked again: one freed since then may be someone else's now.
    doomed = descendants(groups) | {pid for pid in known if _is_ray(pid)}
    for group in groups:
        _signal_group(group, signal.SIGKILL)
    for pid in doomed | set(processes_naming(temp_dir)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def kill_node(node: int) -> None:
    """SIGKILL the node whose ``ray start`` process is ``node`` and everything below it
    (its GCS, raylet, workers): the node's machine gone. Other nodes stay."""
    doomed = descendants([node]) | {node}
    _signal_group(node, signal.SIGKILL)
    for pid in doomed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _is_ray(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return cmdline.startswith(b"ray::") or b"/ray/" in cmdline


def descendants(pids: list[int]) -> set[int]:
    """Every process below ``pids`` (children, their children...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = list(pids)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _group_of(pid: int) -> int:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return 0


def _signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)  # a node runs in a session of its own: group id = its pid


def processes_naming(text: str) -> list[int]:
    """Ids of this user's processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if entry.stat().st_uid != os.getuid():
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if text.encode() in cmdline:
            found.append(int(entry.name))
    return found


def ray_env() -> dict[str, str]:
    """The environment for the nodes: this process's, with token authentication on (the
    caller sets RAY_AUTH_TOKEN before Ray is first imported: Ray reads it once)."""
    env = dict(os.environ)
    env.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    env.update(RAY_AUTH_MODE="token", RAY_USAGE_STATS_ENABLED="0", **LOOPBACK_ENV)
    return env


def keep_sigterm_deadly() -> None:
    """Ray's ``ray.init`` on the main thread (a test joining the cluster as a notebook
    does) sets a SIGTERM handler that raises SystemExit, for good: pytest then reports
    SIGTERM as the running test's failure and goes on with the others, the cluster up.
    In this process Ray leaves SIGTERM as it is: it ends pytest, and the watchdog stops
    the cluster."""
    import ray._private.utils as ray_utils

    ray_utils.set_sigterm_handler = lambda handler: None  # (looked up at each ray.init)


def start_local_ray(
    cpus_per_node: int = 1,
    nodes: int = 2,
    object_store_mb: int = 120,
    node_env: dict[str, str] | None = None,
) -> LocalRay:
    """Start a head and ``nodes - 1`` more nodes on 127.0.0.1; wait until all are up
    (each with an object store of ``object_store_mb``, and ``node_env`` in the nodes'
    environment, not in ``env``: Ray settings of the cluster's own)."""
    keep_sigterm_deadly()
    ray_bin = str(Path(sys.executable).parent / "ray")
    temp_dir = Path(tempfile.mkdtemp(prefix="ldray", dir="/tmp"))  # short: socket paths
    cluster = LocalRay(temp_dir, free_port(), ray_env())
    common = [
        "--block",
        "--node-ip-address",
        HOST,
        "--num-cpus",
        str(cpus_per_node),
        "--num-gpus",
        "0",
        "--object-store-memory",
        str(object_store_mb * 1024 * 1024),
        "--disable-usage-stats",
    ]
    head = [ray_bin, "start", "--head", "--port", str(cluster.port), "--include-dashboard"]
    head += ["false", "--temp-dir", str(temp_dir), *common]
    if importlib.util.find_spec("grpc") is not None:  # ray[client]: a Ray Client server too
        cluster.client_port = free_port(taken={cluster.port})
        head += ["--ray-client-server-port", str(cluster.client_port)]
    # `ray start --address` with the node kept on 127.0.0.1 (Ray's CLI would refuse it)
    worker = [sys.executable, str(Path(__file__).with_name("loopback_node.py"))]
    worker += ["start", "--address", cluster.address, *common]
    # Started before the first node: pytest killed while the cluster starts (its slowest
    # part, a minute on a loaded machine) leaves nothing running either.
    watchdog = [sys.executable, str(Path(__file__).with_name("watchdog.py")), str(os.getpid())]
    cluster.watchdog = subprocess.Popen(watchdog, stdin=subprocess.PIPE, start_new_session=True)
    try:
        cluster.tell_watchdog(f"dir {temp_dir}")
        env = {**cluster.env, **(node_env or {})}
        cluster.started(_spawn(head, env, temp_dir / _log_name(0)))
        _wait_for_nodes(cluster, 1)
        for i in range(1, nodes):
            cluster.started(_spawn(worker, env, temp_dir / _log_name(i)))
        _wait_for_nodes(cluster, nodes)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


# What `ray start` prints once its node is registered with the cluster (Ray's Node waits
# for the GCS to list it before that), also for a node joining a head.
STARTED = "Ray runtime started."


def _wait_for_nodes(cluster: LocalRay, count: int) -> None:
    """Until the first ``count`` nodes have said they started (each its line in its log;
    a file read, not a ``ray status`` process that imports Ray every second), or a node
    process has exited."""
    logs = [cluster.temp_dir / _log_name(i) for i in range(count)]
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for proc in cluster.nodes:
            if proc.poll() is not None:
                text = "\n".join(p.read_text()[-2000:] for p in cluster.temp_dir.glob("*.log"))
                raise RuntimeError(f"a Ray node exited ({proc.returncode}):\n{text}")
        if all(STARTED in log.read_text(errors="replace") for log in logs):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the local Ray cluster did not reach {count} nodes")


def _log_name(node: int) -> str:
    return "head.log" if node == 0 else f"node{node}.log"
