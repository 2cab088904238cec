"""A command's writes killed in the middle (SIGKILL at its Nth SQL statement that matches
a pattern) and run again, as the tests of label, class and import writes drive it: what
an uninterrupted run leaves first, then each kill on a copy of the project."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

from safety.killed_runs import count_calls, run_here, run_killed

WRITES = r"^\s*(INSERT|UPDATE|DELETE|REPLACE)"
COMMIT = r"^\s*COMMIT"

Args = Callable[[Path], list]  # the command's words, given the project it runs on
Read = Callable[[Path], object]  # what a test compares of a project


def reference_run(project: Path, args: Args, tmp_path: Path, read: Read):
    """``(before, expected, writes)``: ``read`` of the project, and of a copy the command
    ran on whole, and how many SQL writes (WRITES) that run made."""
    before = read(project)
    reference = tmp_path / "reference"
    shutil.copytree(project, reference)
    writes = count_calls(args(reference), tmp_path, sql=WRITES)["sql"]
    return before, read(reference), writes


def killed_then_run_again(
    project: Path,
    args: Args,
    tmp_path: Path,
    read: Read,
    kills: Sequence[tuple[str, int]],
    before: object,
    expected: object,
) -> None:
    """For each ``(pattern, nth)`` in ``kills``, on a fresh copy of the project: the
    command killed before its ``nth`` SQL statement matching ``pattern`` leaves ``read``
    as ``before`` (nothing of it applied), and the next run leaves it ``expected``."""
    for n, (pattern, nth) in enumerate(kills):
        killed = tmp_path / f"killed-{n}"
        shutil.copytree(project, killed)
        assert run_killed(args(killed), "sql", nth, sql=pattern) == -signal.SIGKILL
        assert read(killed) == before, (pattern, nth)  # nothing of it applied
        run_here(args(killed))
        assert read(killed) == expected, (pattern, nth)
