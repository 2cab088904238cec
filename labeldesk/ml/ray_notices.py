"""Ray's own notices during a job, said in one line each, and a job that failed because
one of the cluster's nodes went away, said so.

Ray's driver prints what the cluster reports (a worker that died, a node's raylet that
ended) from a thread of its own, straight to stdout: a worker killed mid-job printed three
"(raylet) …" paragraphs in colour (the job went on: Ray started another worker and ran
its batch again), and a node whose raylet was killed printed "Raylet is terminated" with
the last 20 lines of that raylet's log, twice, before the command ended with "the Ray job
failed: The actor 09c8… is unavailable: … RpcError: RPC error: Socket closed rpc_code:
14 …". Ray's autoscaler's events come another way, with the workers' output, and were
printed as they came ("(autoscaler +1m2s) Tip: use `ray status` …", "(autoscaler +1m2s)
Error: No available node types can fulfill resource request …"). :func:`caught` takes
these notices while a job runs (Ray's printing function, and the driver's handler of the
workers' output, are swapped for ones that keep them, and put back after), and
:class:`Notices` says each in one line; :func:`node_lost` tells a job that failed because
a node went away, naming it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from labeldesk.core.errors import Cancelled

from .ray_errors import ClusterError, ClusterLost
from .ray_node_names import name_of, node_names
from .ray_worker import health_check_window

WORKER_DIED = "A worker died or was killed"
RAYLET_ENDED = "Raylet is terminated"
# The head's notice of a node it gave up on (its raylet gone): the same loss as the
# raylet's notice, which came twice (its node's two agents each send one), and had been
# counted as two nodes, with this one as a note of its own ("note: Ray: The node with
# node id: … has been marked dead because the detector has missed too many heartbeat…")
RAYLET_PID = re.compile(r"\[[\d-]+ [\d:,]+ [DIWEF] (\d+) \d+\] \(raylet\)")
NODE_MARKED_DEAD = re.compile(r"The node with node id: ([0-9a-f]+).{0,300}? has been marked dead")
RETRIED = "retries remaining"  # "Task … failed. There are infinite retries remaining, …"
WORKER_IP = re.compile(r"Worker IP address: (\S+)")
WORKER_ID = re.compile(r"Worker ID: ([0-9a-f]+)")
WORKER_NODE = re.compile(r"Node ID: ([0-9a-f]+)")
NOTICE_CHARS = 200  # the most of another notice said (Ray's can hold a whole log)
# Errors of Ray's that mean an actor or a node went away (a Python error in a worker
# is a RayTaskError, and says its own cause)
LOST_KINDS = {
    "ActorDiedError",
    "ActorUnavailableError",
    "RayActorError",
    "NodeDiedError",
    "ObjectLostError",
    "OwnerDiedError",
    "WorkerCrashedError",
}
NODE_GRACE_S = 5.0  # how long a failed job waits for the cluster to see a node gone
NODE_DEATH_S = 18.0  # as long, with a sign that one went (the cluster's own: death_window)
# Ray's error saying an actor's node died ("The actor is dead because its node has
# died"), and the node's address it gives ("ip: 10.0.0.2", "Worker IP address: …")
NODE_DIED = re.compile(r"\bnode (has )?died\b|\bnode .{0,40}\bis dead\b", re.IGNORECASE)
ERROR_IP = re.compile(r"(?:\bip: |IP address: )(\S+)")
NODE_POLL_S = 0.25
LONG_ID = 16  # a node id looked for in an error's text: Ray's have 56 hex digits
# the progress line while the cluster is asked which node went away
NODE_WAIT = (
    "waiting up to {seconds:.0f} s for the cluster to say which node went away… "
    "(Cancel or Ctrl+C stops)"
)
WORKER_DIED_TEXT = "killed, out of memory, or crashed"
LOG_HANDLER = "ray_print_logs"  # the name ray.init gives the driver's printer of output
EVENT_SUMMARY = ":event_summary:"  # an autoscaler (v1) event in its log line
AUTOSCALER_TIP = "Tip: use `ray status`"  # Ray's hint before the first event: not news
QUIET_LEVELS = {"TRACE", "DEBUG"}  # autoscaler (v2) events Ray leaves out too
# The autoscaler's failure, with its traceback: pushed to the drivers when it happens,
# and logged by every driver that joins the cluster afterwards (until the autoscaler
# starts again), where it went to stderr whole
AUTOSCALER_FAILED = "The autoscaler failed"
DRIVER_LOGGER = "ray._private.worker"
log = logging.getLogger(__name__)


class NodeLost(ClusterError):
    """One of the cluster's nodes went away mid-job and took the job with it (its head
    still answers: that is :class:`~.ray_errors.ClusterLost`)."""


@dataclass
class Notices:
    """What the cluster reported during a job, kept rather than printed."""

    # the workers' (IP address, node id or ""): named as :mod:`.ray_node_names` says
    workers_died: list[tuple[str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # node id -> name (node_names)
    nodes_ended: int = 0  # raylets that ended
    # the raylets' process ids (else the notices' texts): a node's agents each send one
    raylet_notices: set[str] = field(default_factory=set)
    nodes_dead: set[str] = field(default_factory=set)  # node ids the head gave up on
    worker_ids: set[str] = field(default_factory=set)  # of the workers died, where known
    other: list[str] = field(default_factory=list)  # any other notice's first line
    autoscaler: list[str] = field(default_factory=list)  # the autoscaler's events

    def take(self, text: str) -> None:
        """Keep one of Ray's notices (a paragraph, maybe with a log after it)."""
        if text.startswith(AUTOSCALER_FAILED):
            self.take_autoscaler(failure_line(text))
        elif WORKER_DIED in text:
            found, named = WORKER_IP.search(text), WORKER_ID.search(text)
            node = WORKER_NODE.search(text)
            if named is None or named.group(1) not in self.worker_ids:
                self.workers_died.append(
                    (found.group(1) if found else "", node.group(1) if node else "")
                )
            if named is not None:
                self.worker_ids.add(named.group(1))
        elif RAYLET_ENDED in text:
            pid = RAYLET_PID.search(text)  # its log's lines name its process
            self.raylet_notices.add(pid.group(1) if pid else text.strip())
            self._count_nodes(len(self.raylet_notices))
        elif (dead := NODE_MARKED_DEAD.search(text)) is not None:
            self.nodes_dead.add(dead.group(1))
            self._count_nodes(len(self.nodes_dead))
        elif RETRIED in text:
            return  # Ray runs the batch again: part of the worker's death said above
        else:
            first = text.strip().splitlines()[0] if text.strip() else ""
            if first:
                cut = first if len(first) <= NOTICE_CHARS else first[: NOTICE_CHARS - 1] + "…"
                self.other.append(cut)

    def _count_nodes(self, told: int) -> None:
        """The nodes ended: as many as the most that one kind of notice tells of (a
        raylet's notice and the head's both come for one node)."""
        self.nodes_ended = max(self.nodes_ended, told)

    def take_dead_workers(self, found: list[tuple[str, ...]]) -> None:
        """Keep the workers the cluster says died (worker id, IP address, and its node's
        id where said), as Ray's notice of each would be (one already told by its notice
        is not counted twice)."""
        for worker_id, address, *node in found:
            if worker_id not in self.worker_ids:
                self.worker_ids.add(worker_id)
                self.workers_died.append((address, node[0] if node else ""))

    def take_nodes_gone(self, addresses: list[str]) -> None:
        """Keep the nodes the cluster no longer lists, as Ray's notices of raylets that
        ended would be (as many as those notices, at least)."""
        self.nodes_ended = max(self.nodes_ended, len(addresses))

    def take_autoscaler(self, text: str) -> None:
        """Keep one of the autoscaler's events (its hint on ``ray status`` left out)."""
        text = text.strip()
        if text and not text.startswith(AUTOSCALER_TIP):
            first = text.splitlines()[0].removeprefix("Error: ").removeprefix("Warning: ")
            cut = first if len(first) <= NOTICE_CHARS else first[: NOTICE_CHARS - 1] + "…"
            self.autoscaler.append(cut)

    def lines(self, *, nodes: bool = True) -> list[str]:
        """One line for each kind of notice, for the job's summary (``nodes`` False:
        not the raylets that ended, which a :class:`NodeLost` error says already)."""
        lines = []
        if self.workers_died:
            where = sorted({name_of(ip, node, self.names) for ip, node in self.workers_died if ip})
            on = f" (on {', '.join(where)})" if where else ""
            n = len(self.workers_died)
            lines.append(
                f"{'a Ray worker' if n == 1 else f'{n} Ray workers'} died during the job{on}: "
                f"{WORKER_DIED_TEXT}; Ray started {'another' if n == 1 else 'others'} and "
                "ran the unfinished batches again"
            )
        if self.nodes_ended and nodes:
            n = self.nodes_ended
            lines.append(
                f"{'a node' if n == 1 else f'{n} nodes'} of the Ray cluster stopped during the "
                f"job (its raylet ended: {WORKER_DIED_TEXT})"
            )
        lines += [f"Ray: {text}" for text in dict.fromkeys(self.other)]
        lines += [f"Ray's autoscaler: {text}" for text in dict.fromkeys(self.autoscaler)]
        return lines


def failure_line(text: str) -> str:
    """The autoscaler's failure in one line: the error its traceback ends with."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return f"it failed on the cluster ({lines[-1] if len(lines) > 1 else 'no cause given'})"


class _AutoscalerFailure(logging.Filter):
    """Ray's driver logs the autoscaler's failure as it joins the cluster: kept as the
    jobs' notice, not logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)  # (Ray logs the text itself, with no arguments)
        if not text.startswith(AUTOSCALER_FAILED):
            return True
        for taker in tuple(_ACTIVE):
            taker.take_autoscaler(failure_line(text))
        return False


_FAILURE_FILTER = _AutoscalerFailure()


def autoscaler_events(lines: list[str]) -> list[str]:
    """The events in the autoscaler's log lines as the driver gets them: v1's after its
    marker, v2's as JSON (its message), as Ray would print them; other lines none."""
    events = []
    for line in lines:
        line = str(line)
        if EVENT_SUMMARY in line:
            events.append(line.split(EVENT_SUMMARY, 1)[1])
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        quiet = isinstance(event, dict) and str(event.get("severity", "")).upper() in QUIET_LEVELS
        if isinstance(event, dict) and event.get("message") and not quiet:
            events.append(str(event["message"]))
    return events


_ACTIVE: list[Notices] = []  # the jobs now taking the notices (the app runs several)
_LOCK = threading.Lock()
_ORIGINAL: list[Any] = []  # Ray's printing function, while it is swapped
_UNDO: list[Callable[[], None]] = []  # puts the driver's output handler back


def _takers() -> list[Notices]:
    with _LOCK:
        return list(_ACTIVE)


@contextlib.contextmanager
def caught(client: bool = False) -> Iterator[Notices]:
    """While the block runs, the cluster's notices that Ray's driver would print (a
    worker or a raylet gone, the autoscaler's events and failure) are kept in the :class:`Notices`
    yielded (each job running then gets them); Ray's other output is printed as before,
    and Ray's own printing is back once no job takes them. Left as it is when this Ray
    prints them otherwise (then they are printed, as before). ``client``: the job joins
    through Ray Client (``ray://``), whose server sends the autoscaler's events as
    printed text down its log stream: they are taken from there too."""
    notices = Notices()
    module: Any = sys.modules.get("ray._private.worker")
    if module is None or getattr(module, "print_to_stdstream", None) is None:
        yield notices
        return
    with _LOCK:
        if not _ACTIVE:
            original = module.print_to_stdstream
            _ORIGINAL[:] = [original]

            def keep(data: dict[str, Any], *args: Any, **kwargs: Any) -> None:
                if isinstance(data, dict) and data.get("pid") == "raylet":
                    takers = _takers()
                    for text in data.get("lines") or []:
                        for taker in takers:
                            taker.take(str(text))
                    return
                original(data, *args, **kwargs)

            module.print_to_stdstream = keep  # looked up by Ray's listening thread
            logging.getLogger(DRIVER_LOGGER).addFilter(_FAILURE_FILTER)
            _UNDO[:] = [
                _divert_autoscaler(module),
                _divert_client_logs(client),
                lambda: logging.getLogger(DRIVER_LOGGER).removeFilter(_FAILURE_FILTER),
            ]
        _ACTIVE.append(notices)
    try:
        yield notices
    finally:
        with _LOCK:
            _ACTIVE[:] = [n for n in _ACTIVE if n is not notices]  # (equal is not it)
            if not _ACTIVE and _ORIGINAL:
                module.print_to_stdstream = _ORIGINAL.pop()
                for undo in _UNDO:
                    undo()
                _UNDO.clear()


# a line of the autoscaler's as Ray prints it ("(autoscaler +1m2s) Error: …"), in colour
CLIENT_EVENT = re.compile(r"^\(autoscaler \+[^)]*\) (.*)$")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _divert_client_logs(client: bool) -> Callable[[], None]:
    """Ray Client's printer of the log stream (its server prints the cluster's output,
    then sends the text) wrapped: the autoscaler's events go to the jobs taking notices,
    the rest is printed as before; and its logger of the server's own log records
    (:func:`_server_record`). Returns what puts both back (nothing to do for a job not
    joined through Ray Client, or a Ray without Ray Client)."""
    if not client:
        return lambda: None
    try:
        from ray.util.client.logsclient import LogstreamClient
    except ImportError:
        return lambda: None
    printer: Any = LogstreamClient  # (Any: its method is swapped, as Ray's function is)
    original = printer.__dict__.get("stdstream")
    original_log = printer.__dict__.get("log")
    if original is None or original_log is None:
        return lambda: None

    def stdstream(self: Any, level: int, msg: str) -> None:
        kept = []
        for line in str(msg).splitlines(keepends=True):
            found = CLIENT_EVENT.match(COLOUR.sub("", line).rstrip("\n"))
            if found is None:
                kept.append(line)
                continue
            for taker in tuple(_ACTIVE):
                taker.take_autoscaler(found.group(1))
        if kept:
            original(self, level, "".join(kept))

    def log(self: Any, level: int, msg: str) -> None:
        if _server_record(level, str(msg)):
            original_log(self, level, msg)

    printer.stdstream = stdstream  # looked up by its log thread at each record
    printer.log = log

    def undo() -> None:
        printer.stdstream = original
        printer.log = original_log

    return undo


def _server_record(level: int, text: str) -> bool:
    """One of the log records Ray Client's server sends (its driver's, at INFO and up
    whatever this process asked for), taken: whether to log it here as Ray would.
    Its notices of the cluster go to the jobs taking notices: the autoscaler's failure,
    which it logs as it joins the cluster (Ray printed its whole traceback on stderr),
    and any other warning (its first line). Below warnings, Ray's own news of its work,
    nothing (LabelDesk asks Ray for warnings and up); errors are logged as before."""
    if level >= logging.ERROR:
        return True
    if level >= logging.WARNING:
        for taker in tuple(_ACTIVE):
            if text.startswith(AUTOSCALER_FAILED):
                taker.take_autoscaler(failure_line(text))
            else:
                taker.take(text)
    return False


def _divert_autoscaler(module: Any) -> Callable[[], None]:
    """The driver's handler of the workers' output (which ray.init bound to Ray's
    printing function, so swapping that does not reach it) wrapped: the autoscaler's
    events go to the jobs taking notices, the rest is printed as before. Returns what
    puts the handler back (nothing to do where this Ray has no such handler)."""
    dispatcher: Any = getattr(module, "global_worker_stdstream_dispatcher", None)
    if not isinstance(getattr(dispatcher, "handlers", None), list):
        return lambda: None
    lock = getattr(dispatcher, "_lock", None) or contextlib.nullcontext()
    wrapped: dict[int, Any] = {}

    def diverting(handler: Callable[[Any], None]) -> Callable[[Any], None]:
        def handle(data: Any) -> None:
            if isinstance(data, dict) and data.get("pid") == "autoscaler":
                events = autoscaler_events(data.get("lines") or [])
                # not under _LOCK: Ray holds its dispatcher's lock here, and caught() takes
                # that one under _LOCK (a copy of the list is taken whole all the same)
                for taker in tuple(_ACTIVE):
                    for text in events:
                        taker.take_autoscaler(text)
                return
            handler(data)

        wrapped[id(handle)] = handler
        return handle

    with lock:  # (Ray's own, which it holds while it hands a batch of output round)
        dispatcher.handlers = [
            (name, diverting(handler) if name == LOG_HANDLER else handler)
            for name, handler in dispatcher.handlers
        ]

    def undo() -> None:
        with lock:
            dispatcher.handlers = [
                (name, wrapped.get(id(handler), handler)) for name, handler in dispatcher.handlers
            ]

    return undo


@contextlib.contextmanager
def noted(notices: Notices, timing: Any = None) -> Iterator[None]:
    """A job's block whose failure (not Cancel) gets :func:`failure_notes`."""
    try:
        yield
    except Cancelled:
        raise
    except Exception as exc:
        failure_notes(exc, notices, timing)
        raise


def failure_notes(exc: BaseException, notices: Notices, timing: Any = None) -> None:
    """A job that failed: what the cluster reported meanwhile ("note: …") and, once it
    was sent to the workers, where its time went (``timing``, a
    :class:`~.ray_timing.JobTiming`), as notes on the error, after what it kept: the
    command line's error and the app's message end with them, as a finished job's
    summary does (they were said only of jobs that finished)."""
    for line in notices.lines(nodes=not isinstance(exc, NodeLost)):
        exc.add_note(f"note: {line}")
    if timing is not None and timing.started:
        exc.add_note(timing.text())


def alive_nodes(ray: Any) -> dict[str, str]:
    """The cluster's live nodes: node id -> address."""
    return {
        str(n["NodeID"]): str(n.get("NodeManagerAddress") or "?")
        for n in ray.nodes()
        if n.get("Alive")
    }


def node_death_window() -> float:
    """How long the cluster may take to see a node gone, by this machine's Ray settings
    (:func:`~.ray_worker.health_check_window`; Ray's defaults where it has none): used
    when the cluster's own (:func:`~.ray_nodes.death_window`) is not known. The 5 s
    waited before was shorter, and a node gone was often left unnamed."""
    window = health_check_window()
    return NODE_DEATH_S if window is None else window


def node_lost(
    error: BaseException,
    before: dict[str, str],
    now: Callable[[], dict[str, str]],
    notices: Notices,
    *,
    grace_s: float = NODE_GRACE_S,
    death_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    waiting: Callable[[str], None] = lambda text: None,
) -> NodeLost | None:
    """The job failed with ``error``: when that says an actor or node went away, and a
    node alive at the start (``before``) is gone by ``now()``, a :class:`NodeLost` that
    names it. The cluster is asked for up to ``grace_s``, or, once there is a sign that
    a node went away (Ray's notice of a raylet that ended, the error saying a node died
    or an actor unavailable), for up to ``death_s`` (the cluster's own time to tell, as
    its head node's Ray settings say: :func:`~.ray_nodes.death_window`; None: this
    machine's, :func:`node_death_window`). A node the error itself names as died is
    named at once. A node gone that the cluster has not named by then is said so,
    unnamed; no sign of a node gone, None (the job's own error is said). ``waiting``
    gets a line for the progress display once, as the wait begins (up to ~18 s, said
    by nothing before)."""
    kinds = {k.__name__ for k in type(error).__mro__}
    if not kinds & LOST_KINDS:
        return None
    text = str(error)
    said_died = bool(NODE_DIED.search(text)) or "NodeDiedError" in kinds
    names = node_names(before)
    named = _named_in(text, before, names) if said_died else []
    if named:
        return _node_lost(named)
    window = node_death_window() if death_s is None else death_s
    began = clock()
    told: list[float] = []  # the wait, once said
    while True:
        try:
            alive = now()
        except Exception:  # the cluster cannot tell now: the notices may
            alive = before
        gone = sorted({names[node] for node in before if node not in alive})
        signs = said_died or notices.nodes_ended or "ActorUnavailableError" in kinds
        limit = window if signs else grace_s
        if gone or clock() - began >= limit:
            break
        if not told:
            told.append(limit)
            waiting(NODE_WAIT.format(seconds=limit))
        sleep(NODE_POLL_S)
    if gone:
        return _node_lost(gone)
    if said_died or notices.nodes_ended:
        return NodeLost(
            f"a node of the Ray cluster went away during the job (its raylet ended: "
            f"{WORKER_DIED_TEXT}; or its machine is down), and the job with it; which one, "
            f"the cluster had not said after {clock() - began:.0f} s"
        )
    return None


def _named_in(text: str, before: dict[str, str], names: dict[str, str]) -> list[str]:
    """The nodes of ``before`` that Ray's error names as died: by its id where the error
    gives it, else by an address that no other node has (on one machine every node has
    the same: the cluster is asked then)."""
    by_id = sorted(names[node] for node in before if len(node) >= LONG_ID and node in text)
    if by_id:
        return by_id
    addresses = set(ERROR_IP.findall(text))
    return sorted(name for name in names.values() if name in addresses)


def _node_lost(addresses: list[str]) -> NodeLost:
    which = f"node {addresses[0]}" if len(addresses) == 1 else f"nodes {', '.join(addresses)}"
    return NodeLost(
        f"{which} of the Ray cluster went away during the job (its raylet ended: "
        f"{WORKER_DIED_TEXT}; or its machine is down), and the job with it"
    )


def nodes_gone(before: dict[str, str], alive: Callable[[], dict[str, str]]) -> list[str]:
    """The addresses of the nodes alive at the job's start (``before``: node id ->
    address) that the cluster no longer lists alive; none when it cannot tell."""
    try:
        now = alive()
    except Exception:
        log.debug("the cluster did not list its nodes", exc_info=True)
        return []
    return sorted(address for node, address in before.items() if node not in now)


@contextlib.contextmanager
def losses_told(
    notices: Notices | None,
    deaths: Callable[[], list[tuple[str, ...]]],
    before: dict[str, str],
    alive: Callable[[], dict[str, str]],
) -> Iterator[None]:
    """A job joined through Ray Client (``notices`` None: joined to the cluster, where
    Ray's own notices come): once it is over, finished or failed (not at a Cancel, a
    Ctrl+C or the head gone: nothing more is asked then), the workers that died
    (``deaths``: :func:`.ray_deaths.dead_workers`, asked on the cluster) and the nodes gone since
    its start (``before``, against ``alive()``) are kept in ``notices``, as Ray's
    notices of them would be. A cluster that cannot say (an error asking) adds nothing:
    the job's own result, or its own error, stands."""
    try:
        yield
    except (Cancelled, ClusterLost):
        raise
    except Exception:
        if notices is not None:
            _take(notices, deaths, before, alive)
        raise
    if notices is not None:
        _take(notices, deaths, before, alive)


def _take(
    notices: Notices,
    deaths: Callable[[], list[tuple[str, ...]]],
    before: dict[str, str],
    alive: Callable[[], dict[str, str]],
) -> None:
    try:
        found = deaths()
    except Exception:  # the cluster gone at the job's end: the job's own outcome stands
        log.debug("the cluster did not say which workers died", exc_info=True)
        found = []
    notices.take_dead_workers(found)
    notices.take_nodes_gone(nodes_gone(before, alive))
