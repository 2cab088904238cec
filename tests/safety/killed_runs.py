"""Run a real ``labeldesk`` command in a child process and kill it outright (SIGKILL) at a
chosen point, then look at what it left: the data-safety rule "a killed process loses
nothing, and LabelDesk deletes only what it created", checked from the outside.

A kill point is deterministic: the child wraps a file-system call (``os.replace``,
``os.unlink``, ``os.fsync``, LabelDesk's ``exchange.swap``, ...) and kills itself just
before (or after) its Nth call, or before its Nth SQL statement matching a pattern
(``COMMIT``) (:func:`run_killed`); or the parent kills it when a file appears
(:func:`run_killed_when`). Ctrl+C is pressed the
same way: the child sends itself SIGINT before chosen calls (:func:`run_interrupted`).
:func:`count_calls` runs the command once whole and says how many such calls it makes, so
a test can try each.
The child runs ``labeldesk.cli.main`` as ``python -m labeldesk`` does; with
``tiny=True`` it also registers the test backbone (tests/ml/tiny_backbone.py) as
``tiny-test`` so ``embed --model tiny-test`` takes milliseconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import labeldesk

REPO = Path(labeldesk.__file__).resolve().parents[1]
TESTS = REPO / "tests"
TINY = "tiny-test"
# Calls a kill point can sit before: the moments a file or folder changes for good.
HOOKED = (
    "os.replace",
    "os.rename",
    "os.unlink",
    "os.remove",
    "os.rmdir",
    "os.fsync",
    "shutil.rmtree",
    "labeldesk.core.exchange.swap",  # two folders' names swapped at once (renameat2)
)

CHILD = r"""
import fnmatch, json, os, shutil, signal, sys
config = json.loads(sys.argv[1])
counts = {}

def hook(module, name):
    real = getattr(module, name)
    key = f"{module.__name__}.{name}"
    def wrapper(*args, **kwargs):
        kill = config.get("kill") or {}
        named = kill.get("name")
        paths = [a for a in args if isinstance(a, (str, bytes, os.PathLike))]
        if named and not paths and args and isinstance(args[0], int):  # os.fsync(fd)
            try:
                paths = [os.readlink(f"/proc/self/fd/{args[0]}")]
            except OSError:
                pass
        names = [os.path.basename(os.fsdecode(a)) for a in paths]
        for point in config.get("interrupts") or ():  # Ctrl+C (SIGINT), not a kill
            if point["call"] == key and any(fnmatch.fnmatchcase(n, point["name"]) for n in names):
                point["seen"] = point.get("seen", 0) + 1
                if point["seen"] == point["nth"]:
                    os.kill(os.getpid(), point.get("signal") or signal.SIGINT)
        if named and not any(fnmatch.fnmatchcase(n, named) for n in names):
            return real(*args, **kwargs)  # counted: only calls on files of that name
        counts[key] = counts.get(key, 0) + 1
        here = kill.get("call") == key and counts[key] == kill["nth"]
        if here and not kill.get("after"):
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args, **kwargs)
        if here:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(module, name, wrapper)

import importlib
for spec in config["hooked"]:
    module, name = spec.rsplit(".", 1)
    hook({"os": os, "shutil": shutil}.get(module) or importlib.import_module(module), name)

sql = config.get("sql")
if sql:  # count (and kill at) SQL statements matching a pattern, on every connection
    import re, sqlite3
    pattern, connect = re.compile(sql, re.I), sqlite3.connect
    def traced(statement):
        if pattern.search(statement):
            counts["sql"] = counts.get("sql", 0) + 1
            kill = config.get("kill")
            if kill and kill["call"] == "sql" and counts["sql"] == kill["nth"]:
                os.kill(os.getpid(), signal.SIGKILL)
    def connect_traced(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(traced)
        return conn
    sqlite3.connect = connect_traced

for target, value in (config.get("patch") or {}).items():  # "module.NAME": value
    import importlib
    module, attr = target.rsplit(".", 1)
    setattr(importlib.import_module(module), attr, value)

if config.get("tiny"):
    sys.path.insert(0, config["tests"])
    from labeldesk.ml.backbones import BACKBONES
    from ml.tiny_backbone import tiny_backbone
    BACKBONES.register("tiny-test")(tiny_backbone)

from labeldesk.cli import main
try:
    code = main(sys.argv[2:])
finally:
    if config.get("counts"):
        with open(config["counts"], "w") as f:
            json.dump(counts, f)
sys.exit(code)
"""


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    extra = dict(extra or {})
    first = [extra.pop("PYTHONPATH")] if "PYTHONPATH" in extra else []
    env["PYTHONPATH"] = os.pathsep.join([*first, str(REPO), env.get("PYTHONPATH", "")])
    env.update(extra)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def _argv(args: Sequence[str], config: dict) -> list[str]:
    config = {"hooked": HOOKED, "tests": str(TESTS), **config}
    return [sys.executable, "-c", CHILD, json.dumps(config), *map(str, args)]


def run(args: Sequence[str], *, tiny: bool = False, timeout: float = 120) -> dict | list:
    """Run ``labeldesk ARGS --json`` whole; fail with its stderr unless it exits 0."""
    done = subprocess.run(
        _argv([*args, "--json"], {"tiny": tiny}),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=timeout,
    )
    assert done.returncode == 0, f"labeldesk {' '.join(map(str, args))}: {done.stderr[-3000:]}"
    return json.loads(done.stdout)


def count_calls(
    args: Sequence[str],
    tmp: Path,
    *,
    tiny: bool = False,
    sql: str | None = None,
    patch: dict[str, object] | None = None,
) -> dict[str, int]:
    """How many times a whole run of ``labeldesk ARGS`` calls each hooked function (and,
    under ``sql``, runs an SQL statement matching that pattern); ``patch`` as for
    :func:`run_killed`."""
    counts = tmp / f"counts-{time.monotonic_ns()}.json"
    config = {"tiny": tiny, "counts": str(counts), "sql": sql, "patch": patch}
    done = subprocess.run(
        _argv([*args, "--json"], config),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(counts.read_text())


def run_here(args: Sequence[str], *, tiny: bool = False) -> dict | list:
    """:func:`run` in this process: ``labeldesk ARGS --json`` as :func:`labeldesk.cli.main`
    runs it, without a new interpreter importing torch, scipy and pandas again. For the
    runs a test only looks at (the one before a kill, the one after it); the run that is
    killed needs a process of its own. ``tiny``: the test backbone as ``tiny-test``."""
    from labeldesk.cli import main
    from labeldesk.ml.backbones import BACKBONES

    if tiny and TINY not in BACKBONES:
        from ml.tiny_backbone import tiny_backbone

        BACKBONES.register(TINY)(tiny_backbone)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*map(str, args), "--json"])
    assert code == 0, f"labeldesk {' '.join(map(str, args))}: {err.getvalue()[-3000:]}"
    return json.loads(out.getvalue())


def run_killed(
    args: Sequence[str],
    call: str,
    nth: int,
    *,
    tiny: bool = False,
    sql: str | None = None,
    name: str | None = None,
    after: bool = False,
    patch: dict[str, object] | None = None,
    timeout: float = 120,
) -> int:
    """Run ``labeldesk ARGS`` and kill it (SIGKILL) just before its ``nth`` call of
    ``call`` (``"sql"``: its nth SQL statement matching the pattern ``sql``); ``name``:
    count only calls on a file of that name, or matching it as a glob (``"*.onnx"``;
    either name an ``os.replace`` is given: a temporary's name ends with its target's;
    an ``os.fsync`` is named by the file its descriptor has open, on Linux);
    ``after``: kill just after the call; ``patch``: ``{"module.NAME": value}`` set in
    the child before the command runs (``labeldesk.ml.runtime.CPU_RUNTIME``).
    Returns the exit status (-9 when the kill point was reached)."""
    kill = {"call": call, "nth": nth, "name": name, "after": after}
    config = {"tiny": tiny, "kill": kill, "sql": sql, "patch": patch}
    done = subprocess.run(
        _argv([*args, "--json"], config),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=timeout,
    )
    return done.returncode


def run_interrupted(
    args: Sequence[str],
    points: Sequence[tuple[str, int, str]],
    *,
    send: int = signal.SIGINT,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``labeldesk ARGS --json`` and press Ctrl+C (send it SIGINT; ``send``: that
    signal, SIGTERM as ``kill`` sends it) just before each of ``points``: ``(call, nth,
    name)``, its ``nth`` call of ``call`` on a file of that name (a glob, as
    :func:`run_killed` takes it); the run, its output and exit status."""
    interrupts = [{"call": c, "nth": n, "name": name, "signal": int(send)} for c, n, name in points]
    return subprocess.run(
        _argv([*args, "--json"], {"interrupts": interrupts}),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=timeout,
    )


def run_killed_when(
    args: Sequence[str],
    ready: Callable[[], bool],
    *,
    tiny: bool = False,
    send: int = signal.SIGKILL,
    then_kill: dict | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> int:
    """Run ``labeldesk ARGS`` and send it ``send`` (SIGKILL: kill it) as soon as
    ``ready()`` is true (polled every millisecond or so); ``then_kill``: a kill point
    as :func:`run_killed` takes it (``call``, ``nth``, ``name``, ``after``), for the
    clean-up a SIGTERM starts; ``env``: variables to set in the child (``PYTHONPATH``:
    a folder put first on it). Returns the exit status (-9 when it was killed)."""
    child = subprocess.Popen(
        _argv([*args, "--json"], {"tiny": tiny, "kill": then_kill}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(env),
    )
    deadline = time.monotonic() + timeout
    try:
        while child.poll() is None and time.monotonic() < deadline:
            try:
                hit = ready()
            except OSError:  # a folder it looks at went away while it looked
                hit = False
            if hit:
                child.send_signal(send)
                break
            time.sleep(0.001)
        return child.wait(timeout=timeout)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def tree(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (hidden ones too): a file's SHA-256, ``dir`` for a
    folder, ``link:TARGET`` for a symbolic link. Compare two to see what changed."""
    found: dict[str, str] = {}
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(parent, name)
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = f"link:{os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


# Names of things a run writes for a moment and renames or deletes when it ends.
TEMPORARY = re.compile(
    r"(\.partial-\d+|\.old-\d+|\.tmp(-|$)|\.labeldesk-staging$|\.labeldesk-copy-|\.labeldesk-run$)"
)


def leftovers(folder: Path) -> list[str]:
    """Entries under ``folder`` named like a run's temporary files (see TEMPORARY)."""
    return sorted(rel for rel in tree(folder) if TEMPORARY.search(rel.rsplit("/", 1)[-1]))


def age(folder: Path, seconds: float = 3600) -> None:
    """Make every entry under ``folder`` look ``seconds`` older (temporaries are swept
    only once they are a little old: a minute for a thumbnail)."""
    then = time.time() - seconds
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.utime(Path(parent, name), (then, then), follow_symlinks=False)
