"""The decoding workers of a `labeldesk new` killed outright (SIGKILL) outlive it for a
moment: up to a second, longer on a loaded machine. One still busy with an image when
the next `new` had removed the killed run's staging folder made the folder again to
write its thumbnail in, and that folder (no marker: nothing said LabelDesk made it)
stayed for good (seen once in CI as a `.proj.partial-PID-…` folder after the next run).
A worker whose command has ended now writes nothing more. The race is widened here:
the workers wait before their first thumbnail until the next run is done
(held_writes/sitecustomize.py)."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

from safety.conftest import copy_fashion
from safety.killed_runs import leftovers, run, run_killed_when

pytestmark = [
    pytest.mark.slow,  # real commands in child processes: seconds each
    pytest.mark.skipif(sys.platform != "linux", reason="finds the workers in /proc"),
]

HELD = Path(__file__).with_name("held_writes")


def held(hold: Path) -> list[int]:
    """The processes running with ``LABELDESK_TEST_HOLD_WRITES=hold`` (a zombie, which a
    container's first process may never reap, is not running)."""
    wanted = f"LABELDESK_TEST_HOLD_WRITES={hold}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            running = "\nState:\tZ" not in (entry / "status").read_text()
        except OSError:
            continue
        if wanted in environ and running:
            found.append(int(entry.name))
    return found


def wait_gone(hold: Path, timeout: float = 90) -> list[int]:
    end = time.monotonic() + timeout
    while held(hold) and time.monotonic() < end:
        time.sleep(0.1)
    return held(hold)


def thumbnails(project: Path) -> set[str]:
    return {p.name for p in (project / "thumbs").rglob("*.jpg")}


def test_the_workers_of_a_killed_new_write_nothing_after_the_next_run(tmp_path):
    images = copy_fashion(tmp_path / "images", every=3)  # 200: decoded in worker processes
    run(["new", tmp_path / "reference", "--images", images])
    project, hold = tmp_path / "proj", tmp_path / "hold"
    hold.mkdir()
    new = ["new", project, "--images", images]
    env = {"PYTHONPATH": str(HELD), "LABELDESK_TEST_HOLD_WRITES": str(hold)}
    waiting = lambda: any(hold.glob("waiting-*"))  # noqa: E731
    assert run_killed_when(new, waiting, env=env) == -signal.SIGKILL
    assert held(hold)  # its workers live on, each about to write a thumbnail
    run(new)  # removes the killed run's staging folder
    (hold / "release").touch()
    assert wait_gone(hold) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".proj")] == []
    assert thumbnails(project) == thumbnails(tmp_path / "reference")
    assert leftovers(project) == []
