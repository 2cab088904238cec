"""The `labeldesk` command's exit: with a ``ray.init`` given up on still in Ray's hands,
it leaves at once, skipping the interpreter's teardown, in which Ray's threads could
crash the process (exit -11 after it had said "nothing was written"); else with the
teardown but without its last garbage collections (but for the app)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from labeldesk import cli
from labeldesk.ml import ray_cluster


def test_with_a_ray_init_left_to_ray_the_process_leaves_at_once(monkeypatch):
    left: list[int] = []
    monkeypatch.setattr(ray_cluster, "left_to_ray", lambda: True)
    monkeypatch.setattr(cli.os, "_exit", left.append)
    with pytest.raises(SystemExit):  # (the stand-in for os._exit returns)
        cli.leave(1)
    assert left == [1]


def test_otherwise_it_exits_as_usual(monkeypatch):
    monkeypatch.setattr(cli.os, "_exit", lambda code: pytest.fail("left without teardown"))
    with pytest.raises(SystemExit) as ended:
        cli.leave(3)
    assert ended.value.code == 3


AT_EXIT = """
import atexit, os, sys
{loaded}
from labeldesk.cli import leave

class Cycle:
    def __init__(self):
        self.me = self
    def __del__(self):
        os.write(1, b"collected at exit\\n")

kept = Cycle()  # garbage only once the interpreter's teardown clears this module
atexit.register(lambda: os.write(1, b"atexit ran\\n"))
with open(sys.argv[1], "w") as written:  # (closed as a command closes what it writes)
    written.write("all of it\\n")
print("the command's last line")  # (buffered: the exit must still write it)
print("its last note", file=sys.stderr)
leave(3)
"""


def ended(tmp_path, loaded: str = "") -> subprocess.CompletedProcess[str]:
    """A command's end (``loaded``: what it imported) in a process of its own."""
    code = AT_EXIT.format(loaded=loaded)
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out.txt")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert "the command's last line" in done.stdout and "atexit ran" in done.stdout
    assert done.stderr.strip().endswith("its last note")
    assert (tmp_path / "out.txt").read_text() == "all of it\n"
    return done


@pytest.mark.parametrize(
    "loaded",
    [
        "import ray  # (a command that ran on a Ray cluster)",
        "import torch  # (a command that loaded the model here)",
    ],
)
def test_a_command_ends_without_the_last_garbage_scans(tmp_path, loaded):
    """A command that ran on a Ray cluster lingered after its last line: the teardown's
    garbage collections over Ray, Ray Data and the model's runtime went on 5.7-7.1 s
    after a finished job's summary, and 5-48 s after the error of a job Ray's memory
    monitor had killed (`python benchmarks/bench_ray_exit.py` prints the first); one
    that loaded the model here (`labeldesk embed`, `train`, `issues`…) 3.6-4.6 s
    (`python benchmarks/bench_embed_exit.py`). Those scans are skipped now for such a
    command: an object that only they would collect is not, and the rest of the exit
    (atexit handlers, the output flushed, a file written, the exit code) is as before."""
    pytest.importorskip(loaded.split()[1])
    assert "collected at exit" not in ended(tmp_path, loaded).stdout


def test_a_command_that_loaded_no_large_library_keeps_the_teardown(tmp_path):
    """`label`, `import`, `export`, `stats`…: the scans cost them little, and an object
    only a collection would close (a file left open in a cycle) is still closed."""
    done = ended(tmp_path, "import labeldesk.ml.ray_cluster, labeldesk.ml.runtime")
    assert "collected at exit" in done.stdout


def test_the_app_keeps_the_interpreters_teardown(tmp_path):
    """`labeldesk gui` (Qt loaded): Qt objects that only a garbage collection frees are
    left to the teardown as before."""
    pytest.importorskip("PySide6")
    done = ended(tmp_path, "import PySide6.QtCore  # (the desktop app)")
    assert "collected at exit" in done.stdout


def test_a_real_command_ends_with_its_whole_output_and_exit_code(tmp_path, imagefolder):
    """`labeldesk new` then `stats --json` through the entry point, each its own process:
    the document whole on stdout, exit 0; an error's line and exit 1."""
    root, _ = imagefolder
    command = [sys.executable, "-m", "labeldesk"]
    project = str(tmp_path / "p")
    made = subprocess.run(
        [*command, "new", project, "--images", str(root), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    stats = subprocess.run(
        [*command, "stats", project, "--json"], capture_output=True, text=True, timeout=120
    )
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["images"] == json.loads(made.stdout)["images"] > 0
    missing = subprocess.run(
        [*command, "stats", str(tmp_path / "none")], capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == 1 and missing.stderr.startswith("error: ")
