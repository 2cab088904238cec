"""Commands keep the terminal quiet: no faiss loader INFO lines, no umap warnings, even
where INFO logging is on (the GUI turns it on) and Python shows every warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WITH_INFO_LOGS = (
    "import logging, sys; logging.basicConfig(level=logging.INFO); "
    "from labeldesk.cli import main; sys.exit(main(sys.argv[1:]))"
)
MAP = (
    "import logging, sys; logging.basicConfig(level=logging.INFO); "
    "from labeldesk.core.project import open_project; "
    "from labeldesk.ml.projection import project_2d; "
    "p = open_project(sys.argv[1]); print(len(project_2d(p, 'umap')[0])); p.close()"
)


def run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", code, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done


def foreign_lines(stderr: str) -> list[str]:
    """stderr lines that are not LabelDesk's own log records."""
    return [line for line in stderr.splitlines() if line and not line.startswith("INFO:labeldesk")]


@pytest.mark.parametrize(
    "command",
    [
        ["similar", "{p}", "train/ant/ant3.png"],
        ["duplicates", "{p}"],
        ["issues", "{p}"],
        ["queue", "{p}"],
    ],
)
def test_model_commands_print_nothing_but_their_result(clustered_path, command):
    # (a fresh project each time: no cached graph, so each command loads faiss itself)
    args = [a.format(p=clustered_path) for a in command]
    done = run(WITH_INFO_LOGS, *args)
    assert done.stdout.strip()
    assert foreign_lines(done.stderr) == []
    plain = run("import sys; from labeldesk.cli import main; sys.exit(main(sys.argv[1:]))", *args)
    assert plain.stderr == ""


@pytest.mark.slow
def test_umap_map_prints_no_warning(clustered_path):
    done = run(MAP, clustered_path)
    assert int(done.stdout) > 0
    assert foreign_lines(done.stderr) == []
