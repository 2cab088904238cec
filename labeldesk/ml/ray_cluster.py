"""Connecting to a Ray cluster for :mod:`labeldesk.ml.ray_embed`, and checking it first.

Everything that can make a cluster job fail for a reason the user must fix is checked
before any vector is written: Ray installed here, the address answering, and answering
as Ray (:mod:`.ray_protocol`: another server on that port is told in seconds), Ray and
Python matching (Ray's own check), LabelDesk with the same vector code on every node,
the images readable on every node, and room for at least one worker. Each failure is
one :class:`ClusterError` with a message saying what to do. From the connection on,
:class:`HeadWatch` notices within seconds a head that went away (:class:`ClusterLost`):
while the job runs, and in each call into Ray before it (:meth:`HeadWatch.call`), where
Ray alone would wait a minute and then end the process. The connection itself
(``ray.init``) is watched the same way (:func:`connect`), and each of these waits also
ends at the job's Cancel (:class:`~labeldesk.core.errors.Cancelled`) or at Ctrl+C.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import socket
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from labeldesk.core.display import counted
from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken

from . import ray_loopback, ray_protocol
from .ray_worker import code_version, probe_node

T = TypeVar("T")
CONNECT_TIMEOUT_S = 5.0
ANSWER_TIMEOUT_S = 5.0  # for Ray's answer once connected (a head answers in milliseconds)
CONNECT_ATTEMPTS = 3  # Ray Client's per-job server can die as it starts (see connect)
log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 180.0  # a node may first have to start a worker process and import
# During a job the head is asked every HEAD_CHECK_S whether it still answers; silent for
# HEAD_LOST_S, the job stops (Ray itself waits 60 s, then ends this process unexplained).
HEAD_CHECK_S = 1.0
HEAD_LOST_S = 3.0
CALL_POLL_S = 0.1  # how often a watched call looks at the head while it waits
CALL_LEAVE_S = 1.0  # a call given up on is given this long to leave Ray (a bounded one does)
# Told when Cancel or Ctrl+C stops a job before it has written anything.
STOPPED_STARTING = "stopped while the job was starting on the Ray cluster; nothing was written"
# Ray's driver gives its task events (for Ray's dashboard) 5 s to reach the head when it
# disconnects: with the head gone, 5 s of waiting before a lost job can say so.
SHUTDOWN_FLUSH = {"RAY_task_events_shutdown_flush_timeout_ms": "1000"}


class ClusterError(LabelDeskError):
    """A Ray cluster cannot run this job (nothing was written for it)."""


class ClusterUnavailable(ClusterError):
    """Nothing answers at the address, or Ray is not installed here."""


class ClusterLost(ClusterUnavailable):
    """The cluster stopped answering during a job: its head's process or machine is gone
    (the job's message says what was kept)."""


class ClusterMismatch(ClusterError):
    """The cluster runs another version of Ray, Python, LabelDesk or the model."""


class ImageMissingOnWorker(ClusterError):
    """An image cannot be found where a worker reads it (shared path or --remote-root)."""


class ImagesDifferOnWorker(ClusterError):
    """Where a worker reads the images, files of the same names hold other content."""


@dataclass(frozen=True)
class ClusterShape:
    """What the connected cluster offers: nodes alive, CPUs, GPUs."""

    nodes: int
    cpus: float
    gpus: float


def prepare_import(address: str) -> None:
    """Before :func:`import_ray` for a job at ``address``: a one-machine cluster on
    127.0.0.1 needs a setting made before Ray is imported (:mod:`.ray_loopback`)."""
    ray_loopback.prepare(_gcs_target(address))


def import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ClusterUnavailable(
            f"running on a Ray cluster needs Ray Data here ({exc}): "
            "pip install 'labeldesk[cluster]'"
        ) from exc
    return ray


def parse_address(address: str) -> tuple[str, int] | None:
    """(host, port) of a Ray address; None for ``auto`` (Ray finds the local cluster)."""
    if address == "auto":
        return None
    host, _, port = address.strip().removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterUnavailable(
            f"{address!r} is not a Ray address: use HOST:PORT (the head's GCS port, "
            "6379 by default), ray://HOST:PORT (Ray Client, 10001 by default) or auto"
        )
    return host, int(port)


def _gcs_target(address: str) -> tuple[str, int] | None:
    """The head's GCS that this process joins as a node (not for a Ray Client)."""
    return None if address.startswith("ray://") else parse_address(address)


def check_reachable(address: str) -> None:
    """Fail in seconds (not after Ray's minute of retries, or never) when nothing listens
    there, or something that is not the Ray server the address names (another service
    on that port, Ray Client's port without ``ray://`` or the head's with it)."""
    target = parse_address(address)
    if target is None:
        return
    _dial(address, target)
    client = address.startswith("ray://")
    problem = ray_protocol.not_ray(target, client=client, timeout=ANSWER_TIMEOUT_S)
    if problem is None:
        return
    _dial(address, target)  # refused now: the head went away, not another server
    if client:
        named, port = "Ray Client", "Ray Client's port (ray://HOST:10001 by default)"
    else:
        named = "a Ray head"
        port = "the head's GCS port (HOST:6379 unless `ray start --head --port` named another)"
    raise ClusterUnavailable(
        f"something answers at {address}, but not {named} ({problem}); check the address: "
        f"it must be {port}"
    )


def _dial(address: str, target: tuple[str, int]) -> None:
    try:
        with socket.create_connection(target, timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise ClusterUnavailable(
            f"no Ray cluster answers at {address} ({exc}); start one with "
            "`ray start --head` or check the address and the firewall"
        ) from exc


def _answers(target: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(target, timeout=HEAD_CHECK_S):
            return True
    except OSError:
        return False


class HeadWatch:
    """Notices within seconds that the cluster's head stopped answering mid-job.

    When the head's process or machine goes away, Ray's calls in this process wait for
    it to come back, and after a minute Ray ends the process with a line of its own.
    A job calls :meth:`check` while it waits for results: the head's port (the GCS, or
    Ray Client's server for ``ray://``) is dialled at most every HEAD_CHECK_S, and once
    nothing has answered there for HEAD_LOST_S it raises :class:`ClusterLost`. Then
    :attr:`lost` is set: nothing more should be asked of the cluster (Ray Client would
    wait out its 30 s grace period on each call), only ``ray.shutdown()``. With a
    ``cancel`` token, :meth:`check` (so each watched call) raises
    :class:`~labeldesk.core.errors.Cancelled` once it is set.
    """

    def __init__(
        self,
        address: str,
        target: tuple[str, int] | None,
        *,
        answers: Callable[[tuple[str, int]], bool] = _answers,
        clock: Callable[[], float] = time.monotonic,
        cancel: CancelToken | None = None,
    ):
        self.address = address
        self.target = target  # None: nothing known to dial (then never lost)
        self.cancel = cancel
        self.lost = False
        self._answers = answers
        self._clock = clock
        self._next = 0.0
        self._silent_since: float | None = None

    @classmethod
    def of(cls, ray: Any, address: str, cancel: CancelToken | None = None) -> HeadWatch:
        """The watch for the cluster this process just connected to at ``address``
        (``auto``: the GCS it found)."""
        target = parse_address(address)
        if target is None:
            found = [a for a in connected_to(ray) if not a.startswith("ray://")]
            with contextlib.suppress(ClusterUnavailable):
                target = parse_address(found[0]) if found else None
        return cls(address, target, cancel=cancel)

    @property
    def head(self) -> str:
        """The head as reached: the address as asked, ``auto`` as the GCS it found."""
        if self.address != "auto" or self.target is None:
            return self.address
        return f"{self.target[0]}:{self.target[1]}"

    def check(self) -> None:
        """Raise :class:`ClusterLost` once the head has been silent for HEAD_LOST_S, or
        :class:`~labeldesk.core.errors.Cancelled` once the job is cancelled."""
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()
        if self.lost:
            raise self.error()
        if self.target is None:
            return
        now = self._clock()
        if now < self._next:
            return
        self._next = now + HEAD_CHECK_S
        if self._answers(self.target):
            self._silent_since = None
            return
        if self._silent_since is None:
            self._silent_since = now
        if now - self._silent_since >= HEAD_LOST_S:
            self.lost = True
            raise self.error()

    def gone(self) -> bool:
        """Whether the head does not answer now (a job's call failed: is that why?)."""
        if self.target is not None and not self.lost and not self._answers(self.target):
            self.lost = True
        return self.lost

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, a call into Ray before the job's results flow (the
        cluster's nodes, a probe, starting actors), given up with :class:`ClusterLost`
        once the head has been silent for HEAD_LOST_S: with the head gone, such a call
        waits for it (Ray's own calls: a minute, then Ray ends the process). The call
        runs on a thread of its own; one given up on is left to Ray, and a bounded one
        (a wait with a timeout) is given CALL_LEAVE_S to return first. A call that
        fails while the head does not answer is :class:`ClusterLost` too. The job's
        Cancel and Ctrl+C end the wait the same way."""
        if self.target is None and self.cancel is None:  # nothing to watch
            return fn(*args, **kwargs)
        self.check()
        outcome: list[tuple[bool, Any]] = []

        def run() -> None:
            try:
                outcome.append((True, fn(*args, **kwargs)))
            except BaseException as exc:
                outcome.append((False, exc))

        thread = threading.Thread(target=run, name="ray-call", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(CALL_POLL_S)
                if thread.is_alive():
                    self.check()
        except BaseException:  # ClusterLost, Cancelled, Ctrl+C
            thread.join(CALL_LEAVE_S)
            raise
        ok, value = outcome[0]
        if ok:
            return value
        if not isinstance(value, LabelDeskError) and isinstance(value, Exception) and self.gone():
            raise self.error() from value
        raise value

    def error(self) -> ClusterLost:
        host, port = self.target or ("?", 0)
        where = "" if self.address.endswith(f"{host}:{port}") else f" ({host}:{port})"
        return ClusterLost(
            f"the Ray cluster at {self.address}{where} stopped answering (its head is gone "
            "or out of reach)"
        )


def connect(ray: Any, address: str, cancel: CancelToken | None = None) -> bool:
    """Connect this process to the cluster at ``address``; False if it already was (a
    notebook's own connection is left open afterwards). Already connected elsewhere is
    a :class:`ClusterError`: the job would run there while its report named ``address``.

    ``ray.init`` is watched (:func:`_watched_init`): a head that stops answering while
    it runs is :class:`ClusterLost` within seconds, and ``cancel`` (or Ctrl+C) ends the
    wait at once."""
    if ray.is_initialized():
        current = connected_to(ray)
        if address != "auto" and not any(same_address(address, c) for c in current):
            raise ClusterError(
                f"this process is already connected to the Ray cluster at "
                f"{' / '.join(current) or 'another address'}, not {address}: ask for that "
                "address, or disconnect first (ray.shutdown())"
            )
        return False
    check_reachable(address)
    problem = ray_loopback.driver_mismatch(ray, _gcs_target(address))
    if problem is not None:
        raise ClusterUnavailable(problem)
    if left_to_ray():
        raise ClusterUnavailable(
            "an earlier connection to a Ray cluster, given up on, is still in Ray's hands "
            "(Ray gives it up to a minute): try again shortly"
        )
    for name, value in SHUTDOWN_FLUSH.items():  # read by ray.init (unless set already)
        os.environ.setdefault(name, value)
    watch = HeadWatch(address, parse_address(address), cancel=cancel)
    for attempt in range(CONNECT_ATTEMPTS):
        try:
            _watched_init(ray, address, watch)
            break
        except (ClusterLost, Cancelled):
            raise
        except Exception as exc:
            _forget_connection(ray)  # a half-made connection fails every later ray.init
            if attempt + 1 < CONNECT_ATTEMPTS and _server_start_race(exc):
                log.info("Ray Client's server for this job died starting; trying again")
                continue
            _raise_connect_error(address, exc)
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)  # its INFO lines, on stderr
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # progress goes through LabelDesk's callback
    context.enable_operator_progress_bars = False
    return True


_LEFT_TO_RAY: list[threading.Thread] = []  # ray.init calls given up on, still running


def left_to_ray() -> bool:
    """Whether a ``ray.init`` given up on is still running (in Ray's hands): the
    process should then leave without the interpreter's teardown (``cli.leave``)."""
    return any(t.is_alive() for t in _LEFT_TO_RAY)


_SIGTERM_NOTICE = "SIGTERM handler is not set"


def _watched_init(ray: Any, address: str, watch: HeadWatch) -> None:
    """``ray.init`` on a thread of its own, while this one watches the head's port and
    the cancel token (:meth:`HeadWatch.check`) and takes Ctrl+C: with the head gone,
    Ray's init waits for it (for good in its first stage, a minute in its last, which
    then ends the process). Given up on, the call is left to Ray: given CALL_LEAVE_S to
    end (a live head's does: then it is disconnected here), else it disconnects itself
    if it ever connects, and Ray's own ``ray.shutdown`` at exit is taken off meanwhile:
    it would wait for that call (Ray's lock), keeping the process a minute after its
    message. ``ray.init`` off the main thread leaves the process's SIGTERM handler as
    it was (Ray sets one only from the main thread, and logs that it did not)."""
    given_up = threading.Event()
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            ray.init(
                address=address,
                logging_level=logging.WARNING,
                log_to_driver=False,
                configure_logging=False,
            )
        except BaseException as exc:
            outcome.append(exc)
            return
        outcome.append(None)
        if given_up.is_set():  # connected after all, for nobody
            _forget_connection(ray)

    _quiet_sigterm_notice()
    thread = threading.Thread(target=run, name="ray-init", daemon=True)
    try:
        thread.start()
        while thread.is_alive():
            thread.join(CALL_POLL_S)
            if thread.is_alive():
                watch.check()
    except BaseException:  # ClusterLost, Cancelled, Ctrl+C (even as the thread starts)
        given_up.set()
        if thread.ident is not None:
            thread.join(CALL_LEAVE_S)
        if thread.is_alive():
            _leave_to_ray(ray, thread)
        elif outcome == [None]:
            _forget_connection(ray)
        raise
    if outcome[0] is not None:
        raise outcome[0]


def _leave_to_ray(ray: Any, thread: threading.Thread) -> None:
    """A ``ray.init`` still running, given up on: Ray's shutdown at the process's exit
    is taken off until it ends (then put back), so that the exit does not wait for it."""
    log.info("Ray's connection was given up on; it is left to end in Ray's own time")
    _LEFT_TO_RAY.append(thread)
    real = isinstance(ray, types.ModuleType)  # not a stand-in (tests)
    if real:
        atexit.unregister(ray.shutdown)

    def put_back() -> None:
        thread.join()
        _LEFT_TO_RAY.remove(thread)
        if real and not _LEFT_TO_RAY:
            atexit.register(ray.shutdown, _exiting_interpreter=True)

    threading.Thread(target=put_back, name="ray-init-left", daemon=True).start()


class _NoSigtermNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_SIGTERM_NOTICE)


def _quiet_sigterm_notice() -> None:
    """Ray logs a warning when ``ray.init`` runs off the main thread: it sets no SIGTERM
    handler then, which is what a command wants (its own handler stops it the way
    Ctrl+C does, rather than Ray's ``sys.exit``)."""
    logger = logging.getLogger("ray._private.worker")
    if not any(isinstance(f, _NoSigtermNotice) for f in logger.filters):
        logger.addFilter(_NoSigtermNotice())


def connected_to(ray: Any) -> list[str]:
    """The addresses this process's Ray connection answers to: the cluster's GCS
    (``HOST:PORT``) and, for a Ray Client, the ``ray://`` address it dialled."""
    found = []
    with contextlib.suppress(Exception):
        found.append(str(ray.get_runtime_context().gcs_address))
    with contextlib.suppress(Exception):
        context = ray.util.client.ray.get_context()
        if context.is_connected():
            found.append(f"ray://{context.client_worker._conn_str}")
    return found


def same_address(asked: str, current: str) -> bool:
    """Do two Ray addresses name the same server (same kind, port and host, the host
    compared by what it resolves to: ``localhost`` is ``127.0.0.1``)?"""
    if asked.startswith("ray://") != current.startswith("ray://"):
        return False
    a, b = parse_address(asked), parse_address(current)
    if a is None or b is None or a[1] != b[1]:
        return False
    return a[0] == b[0] or bool(_resolved(a[0]) & _resolved(b[0]))


def _resolved(host: str) -> set[str]:
    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError:
        return set()


def _server_start_race(exc: Exception) -> bool:
    """Ray Client's proxy starts a server per job, which sometimes dies as it starts (a
    gRPC race in the fork, ray-project/ray#63202): the next attempt gets a new one."""
    return isinstance(exc, ConnectionAbortedError) and "Initialization failure" in str(exc)


def _forget_connection(ray: Any) -> None:
    with contextlib.suppress(Exception):  # nothing was connected
        ray.shutdown()


def _raise_connect_error(address: str, exc: Exception) -> NoReturn:
    text = f"{type(exc).__name__}: {exc}"
    if "version" in text.lower() and "mismatch" in text.lower():
        raise ClusterMismatch(
            f"the cluster at {address} runs another Ray or Python version: {exc}"
        ) from exc
    raise ClusterUnavailable(f"cannot connect to the Ray cluster at {address}: {text}") from exc


def cluster_shape(ray: Any) -> ClusterShape:
    alive = [n for n in ray.nodes() if n.get("Alive")]
    resources = ray.cluster_resources()
    return ClusterShape(len(alive), resources.get("CPU", 0.0), resources.get("GPU", 0.0))


def on_every_node(
    ray: Any, function: Callable[..., dict[str, Any]], *args: Any, watch: HeadWatch | None = None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``function(*args)`` run once on every live node: (node, its result) pairs. A node
    without LabelDesk or not answering is a :class:`ClusterError`; a head that goes away
    meanwhile, :class:`ClusterLost` within seconds (``watch``)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    watch = watch or HeadWatch("", None)
    remote = ray.remote(function)

    def start() -> tuple[list[dict[str, Any]], list[Any]]:
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        return nodes, [
            remote.options(
                num_cpus=0,
                max_retries=1,
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False),
            ).remote(*args)
            for n in nodes
        ]

    nodes, refs = watch.call(start)
    try:
        results = _results(ray, refs, watch)
    except (ClusterLost, Cancelled):
        raise
    except Exception as exc:
        if _without_labeldesk(exc):
            raise ClusterMismatch(_not_installed(ray, nodes, refs, watch)) from exc
        raise ClusterUnavailable(f"the cluster's nodes did not answer: {summary(exc)}") from exc
    return list(zip(nodes, results, strict=True))


def _without_labeldesk(exc: BaseException) -> bool:
    return "labeldesk" in str(exc) and "No module named" in str(exc)


def _not_installed(ray: Any, nodes: list[dict[str, Any]], refs: list[Any], watch: HeadWatch) -> str:
    """Which nodes lack LabelDesk (each has answered: asking again is quick), and how to
    install it there."""
    lacking = []
    for node, ref in zip(nodes, refs, strict=True):
        try:
            watch.call(ray.get, ref, timeout=CALL_LEAVE_S)
        except (ClusterLost, Cancelled):
            raise
        except Exception as exc:
            if _without_labeldesk(exc):
                lacking.append(str(node.get("NodeManagerAddress", "?")))
    where = f"node {lacking[0]}" if len(lacking) == 1 else f"nodes {', '.join(lacking)}"
    return (
        f"LabelDesk is not installed on {where if lacking else 'some nodes'} "
        f"({len(lacking) or 'some'} of the cluster's {counted(len(nodes), 'node')}): install "
        f"the same version there: pip install 'labeldesk[cluster]=={code_version().split('+')[0]}'"
    )


def _results(ray: Any, refs: list[Any], watch: HeadWatch) -> list[dict[str, Any]]:
    """``ray.get(refs, timeout=PROBE_TIMEOUT_S)``, asked in slices of CALL_LEAVE_S so
    that the head is watched while the nodes answer."""
    deadline = time.monotonic() + PROBE_TIMEOUT_S
    while True:
        left = deadline - time.monotonic()
        try:
            return watch.call(ray.get, refs, timeout=max(0.0, min(CALL_LEAVE_S, left)))
        except TimeoutError:  # Ray's GetTimeoutError (Ray Client's too)
            if left <= CALL_LEAVE_S:
                raise


def probe_nodes(
    ray: Any, root: str, sample: list[tuple[str, str]], watch: HeadWatch | None = None
) -> list[dict[str, Any]]:
    """Run :func:`probe_node` on every live node for the ``sample`` (content hash, path)
    pairs; raise the first problem found."""
    answers = on_every_node(ray, probe_node, root, [rel for _, rel in sample], watch=watch)
    ours = code_version()
    for node, found in answers:
        where = f"node {found['host']} ({node.get('NodeManagerAddress', '?')})"
        if found["labeldesk"] != ours:
            raise ClusterMismatch(
                f"{where} runs LabelDesk {found['labeldesk']}, this machine {ours}: their "
                "vectors would not mix; install the same version on both"
            )
        if found["missing"]:
            raise ImageMissingOnWorker(
                f"{where} cannot read the images: {found['missing'][0]} not found; point "
                "--remote-root at where the workers see the image folder"
            )
        if sample and not any(found["hashes"].get(rel) == digest for digest, rel in sample):
            raise ImagesDifferOnWorker(
                f"{where} reads other files than the ones scanned here under "
                f"{found['where']} ({sample[0][1]} and {len(sample) - 1} more have other "
                "content): point --remote-root at a copy of the project's image folder"
            )
    return [found for _, found in answers]


def summary(exc: BaseException) -> str:
    """The last line of a Ray error that names the cause (Ray wraps remote tracebacks)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line.split(":", 1)[0] or "Exception" in line.split(":", 1)[0]:
            return line
    return lines[-1] if lines else type(exc).__name__
