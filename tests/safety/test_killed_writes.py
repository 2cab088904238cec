"""Commands that change labels, statuses, classes or versions, killed outright (SIGKILL)
before their commit or in the middle of their writes: all or nothing (never half an
import), the database passes SQLite's integrity check, and the next run of the same
command leaves what an uninterrupted run leaves."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

import labeldesk
from safety.killed_runs import count_calls, run_here, run_killed

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow

WRITES = r"^\s*(INSERT|UPDATE|DELETE|REPLACE)"
COMMIT = r"^\s*COMMIT"


def state(project: Path) -> tuple:
    with labeldesk.open_project(project) as opened:
        ok = opened.db.conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert ok == "ok"
        frame = opened.images().sort_values("path")
        rows = frame[["path", "label", "split", "status"]].astype(str).values.tolist()
        history = run_here(["history", project, "-n", "0"])
        versions = run_here(["version", project, "list"])
        return rows, opened.classes(), len(history), [v["name"] for v in versions]


def commands(tmp_path: Path, images: Path) -> dict[str, list]:
    files = sorted(p.relative_to(images).as_posix() for p in images.rglob("*.png"))
    labels = tmp_path / "labels.csv"
    rows = (f"{f},{'bag' if i % 3 else 'coat'}\n" for i, f in enumerate(files[::2]))
    labels.write_text("path,label\n" + "".join(rows))
    return {
        "import": ["import", labels],
        "label": ["label", "--csv", labels],
        "review": ["review", "exclude", files[0]],
        "classes": ["classes", "--merge", "shirt", "t-shirt_top"],
        "version": ["version", "create", "v1"],
        "undo": ["undo", "--include-imports"],
    }


@pytest.mark.parametrize("name", ["import", "label", "review", "classes", "version", "undo"])
def test_a_killed_write_is_all_or_nothing_and_the_next_run_completes_it(small, tmp_path, name):
    project, images, _ = small
    command = commands(tmp_path, images)[name]
    args = lambda at: [command[0], at, *command[1:]]  # noqa: E731
    before = state(project)
    reference = tmp_path / "reference"
    shutil.copytree(project, reference)
    writes = count_calls(args(reference), tmp_path, sql=WRITES)["sql"]
    expected = state(reference)
    assert expected != before

    for n, (pattern, nth) in enumerate([(COMMIT, 1), (WRITES, 1), (WRITES, writes // 2 + 1)]):
        killed = tmp_path / f"killed-{n}"
        shutil.copytree(project, killed)
        assert run_killed(args(killed), "sql", nth, sql=pattern) == -signal.SIGKILL
        assert state(killed) == before, (pattern, nth)  # nothing of it applied
        run_here(args(killed))
        assert state(killed) == expected, (pattern, nth)
