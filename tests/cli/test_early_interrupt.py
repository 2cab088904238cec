"""Ctrl+C or SIGTERM while the command is still loading (Python importing the command
line, before anything is written) printed a KeyboardInterrupt traceback (SIGTERM: the
process died of the signal, saying nothing). Now one line, exit 130 / 143. The loading
is held still by an import hook that blocks on ``labeldesk.cli`` after leaving a
marker file, so the signal always lands there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import labeldesk

REPO = Path(labeldesk.__file__).resolve().parent.parent

HOOK = """
import os, sys, time

class Hold:
    def find_spec(self, name, path=None, target=None):
        if name == "labeldesk.cli":
            open(os.environ["LD_TEST_MARKER"], "w").close()
            for _ in range(6000):  # the test signals the process while it waits here, in
                time.sleep(0.1)  # short sleeps: one signal that lands just before a sleep
                # begins is acted on when that sleep ends (one sleep of 600 s kept it
                # pending for 600 s: the test timed out on a loaded machine)
        return None

sys.meta_path.insert(0, Hold())
"""


def _stopped_while_loading(tmp_path: Path, signum: int, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK)
    marker = tmp_path / "loading"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "hook"), str(REPO)])
    env["LD_TEST_MARKER"] = str(marker)
    command = [sys.executable, "-m", "labeldesk", "stats", str(tmp_path / "p"), *args]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while not marker.exists():  # (waits for the child to reach the hook, however long)
            if child.poll() is not None:
                break
            os.sched_yield()
        child.send_signal(signum)
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    return subprocess.CompletedProcess(command, child.returncode, out.decode(), err.decode())


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_stop_while_loading_says_one_line(
    tmp_path: Path, signum: int, code: int, word: str
) -> None:
    done = _stopped_while_loading(tmp_path, signum)
    assert done.returncode == code
    assert done.stderr == f"error: {word} before it began; nothing was changed\n"
    assert done.stdout == ""
    assert not (tmp_path / "p").exists()


def test_with_json_the_stop_is_a_document(tmp_path: Path) -> None:
    done = _stopped_while_loading(tmp_path, signal.SIGINT, "--json")
    assert done.returncode == 130
    assert json.loads(done.stdout) == {
        "error": "interrupted before it began; nothing was changed",
        "kind": "Interrupted",
    }


def test_the_installed_command_starts_where_python_m_does() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["labeldesk"] == "labeldesk.entry:run"


def test_once_the_command_runs_its_own_handlers_are_back() -> None:
    from labeldesk import entry

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    entry._install()
    entry.settle()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
