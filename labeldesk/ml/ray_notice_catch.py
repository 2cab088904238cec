"""Ray's notices taken while a job runs (:func:`caught`): Ray's printing function, the
driver's handler of the workers' output, its logger and Ray Client's log stream are
swapped for ones that keep them in a :class:`~.ray_notice_lines.Notices`, and put back
after (:mod:`.ray_notices` tells why)."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from .ray_notice_lines import AUTOSCALER_FAILED, Notices, failure_line

LOG_HANDLER = "ray_print_logs"  # the name ray.init gives the driver's printer of output
EVENT_SUMMARY = ":event_summary:"  # an autoscaler (v1) event in its log line
QUIET_LEVELS = {"TRACE", "DEBUG"}  # autoscaler (v2) events Ray leaves out too
DRIVER_LOGGER = "ray._private.worker"


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
