"""Connecting to a Ray cluster for :mod:`labeldesk.ml.ray_embed` and
:mod:`labeldesk.ml.ray_graph`, and checking it first.

Everything that can make a cluster job fail for a reason the user must fix is checked
before any vector is written: Ray installed here, the address answering, and answering
as Ray (:mod:`.ray_address`, :mod:`.ray_protocol`: another server on that port is told in
seconds), Ray and Python matching (Ray's own check), LabelDesk with the same vector code
on every node, the images readable on every node (:mod:`.ray_nodes`), and room for at
least one worker. Each failure is one :class:`~.ray_errors.ClusterError` with a message
saying what to do. From the connection on, :class:`~.ray_head.HeadWatch` notices within
seconds a head that went away (:class:`~.ray_errors.ClusterLost`): while the job runs,
and in each call into Ray before it, where Ray alone would wait a minute and then end the
process. The connection itself (``ray.init``) is watched the same way (:func:`connect`),
and each of these waits also ends at the job's Cancel
(:class:`~labeldesk.core.errors.Cancelled`) or at Ctrl+C.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import threading
import types
from typing import Any, NoReturn

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken

from . import ray_loopback
from .ray_address import check_reachable, connected_to, parse_address, same_address
from .ray_auto import local_target
from .ray_errors import ClusterError, ClusterLost, ClusterMismatch, ClusterUnavailable
from .ray_head import CALL_LEAVE_S, CALL_POLL_S, HeadWatch
from .ray_workdir import job_environment, shadowed_message, shadowing_folders

CONNECT_ATTEMPTS = 3  # Ray Client's per-job server can die as it starts (see connect)
log = logging.getLogger(__name__)
# Ray's driver gives its task events (for Ray's dashboard) 5 s to reach the head when it
# disconnects: with the head gone, 5 s of waiting before a lost job can say so.
SHUTDOWN_FLUSH = {"RAY_task_events_shutdown_flush_timeout_ms": "1000"}


def prepare_import(address: str) -> None:
    """Before :func:`import_ray` for a job at ``address``: a one-machine cluster on
    127.0.0.1 needs a setting made before Ray is imported (:mod:`.ray_loopback`); for
    ``auto``, the cluster Ray will find here (:mod:`.ray_auto`)."""
    ray_loopback.prepare(local_target(address))


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


def connect(ray: Any, address: str, cancel: CancelToken | None = None) -> bool:
    """Connect this process to the cluster at ``address``; False if it already was (a
    notebook's own connection is left open afterwards). Already connected elsewhere is
    a :class:`ClusterError`: the job would run there while its report named ``address``;
    so is a connection that puts another LabelDesk first on its workers' module path
    (:func:`~.ray_workdir.shadowing_folders`: a notebook started in a source tree).

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
        shadowing = shadowing_folders(ray)  # (the connection is the user's: left open)
        if shadowing:
            raise ClusterError(shadowed_message(shadowing))
        return False
    check_reachable(address)
    problem = ray_loopback.driver_mismatch(ray, local_target(address))
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
            _own_sigterm_again()
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
    it was (Ray sets one only from the main thread, and logs that it did not). The job
    gets a working directory of its own (:mod:`.ray_workdir`): its workers import each
    node's LabelDesk, not one in the folder this command was run from."""
    given_up = threading.Event()
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            with job_environment(address) as runtime_env:  # (not this folder's LabelDesk)
                ray.init(
                    address=address,
                    runtime_env=runtime_env,
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


def _own_sigterm_again() -> None:
    """Ray's core worker, made by ``ray.init``, puts a crash reporter in front of the
    process's SIGTERM handler: `kill PID` of a command printed Ray's "*** SIGTERM
    received at time=… ***" and its stack lines (twice: stderr and Ray's log format)
    before the command's own "terminated; …" message, and the process then ended with
    SIGABRT (exit 134, not 143). Where a Python handler of this process takes SIGTERM
    (the command line's, which stops the command the way Ctrl+C does), it is put back
    in front; elsewhere (a notebook, the app's job threads) Ray's is left as it is."""
    if threading.current_thread() is not threading.main_thread():
        return  # (only the main thread may set a handler)
    handler = signal.getsignal(signal.SIGTERM)
    if callable(handler):
        signal.signal(signal.SIGTERM, handler)


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
