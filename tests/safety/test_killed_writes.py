"""Commands that change labels, statuses, classes or versions, killed outright (SIGKILL)
before their commit or in the middle of their writes: all or nothing (never half an
import), the database passes SQLite's integrity check, and the next run of the same
command leaves what an uninterrupted run leaves."""

from __future__ import annotations

from pathlib import Path

import pytest

import labeldesk
from safety.killed_runs import run_here
from safety.killed_sql import COMMIT, WRITES, killed_then_run_again, reference_run

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow


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
    before, expected, writes = reference_run(project, args, tmp_path, state)
    assert expected != before

    kills = [(COMMIT, 1), (WRITES, 1), (WRITES, writes // 2 + 1)]
    killed_then_run_again(project, args, tmp_path, state, kills, before, expected)
