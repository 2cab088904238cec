"""Commands that only read or write the project's database start without the heavy
libraries: `labeldesk label P PATH LABEL`, `history`, `classes P`, `version P list`, `--help`
loaded numpy and Pillow (opening a project imported the image decoder, and the help
imported the near-duplicate rule and the export formats for their defaults), which cost
each of them about half of its CPU time (benchmarks/bench_cli_startup.py). `stats P` loaded
numpy to look for an unfinished fine-tune's embeddings (the vector store's modules) even
when no fine-tune awaits them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labeldesk.core.create import create_and_index
from labeldesk.core.versions import create_version

HEAVY = ("numpy", "pandas", "torch", "PIL", "faiss", "ray", "PySide6", "scipy", "sklearn", "timm")
REPO = Path(__file__).resolve().parents[2]

# Runs the command as `labeldesk` does, then says (last line of stdout) what was imported.
RUN = (
    "import json, sys\n"
    "from labeldesk.cli import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "except SystemExit as exc:  # --help\n"
    "    code = exc.code\n"
    f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
    "print(json.dumps({'code': code, 'heavy': heavy}))\n"
)


def run_command(*argv: str) -> tuple[str, list[str]]:
    """The command's output and the heavy libraries it imported."""
    env = dict(os.environ, PYTHONPATH=str(REPO))  # (this checkout, as the tests import)
    done = subprocess.run(
        [sys.executable, "-c", RUN, *argv], capture_output=True, text=True, env=env, timeout=120
    )
    *said, last = done.stdout.splitlines()
    result = json.loads(last)
    assert result["code"] == 0, done.stderr
    return "\n".join(said), result["heavy"]


@pytest.fixture
def project_folder(tmp_path: Path, imagefolder) -> Path:
    root, _ = imagefolder
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    create_version(project.db, "v1", "the first")
    project.close()
    return tmp_path / "proj"


def test_label_imports_no_heavy_library(project_folder: Path) -> None:
    said, heavy = run_command("label", str(project_folder), "_unlabeled/u0.png", "cat")
    assert said.startswith("1 label applied (undo with `labeldesk undo ")
    assert heavy == []
    said, heavy = run_command("label", str(project_folder), "_unlabeled/u0.png", "-")
    assert said.startswith("1 label removed (undo with `labeldesk undo ")
    assert heavy == []
    said, heavy = run_command("history", str(project_folder), "_unlabeled/u0.png")
    assert said.count("_unlabeled/u0.png") == 2  # labeled, then unlabeled
    assert heavy == []


def test_classes_imports_no_heavy_library(project_folder: Path) -> None:
    said, heavy = run_command("classes", str(project_folder))
    assert said.splitlines() == ["cat\t8", "dog\t8"]
    assert heavy == []


def test_version_list_imports_no_heavy_library(project_folder: Path) -> None:
    said, heavy = run_command("version", str(project_folder), "list")
    assert "v1" in said and "the first" in said
    assert heavy == []


def test_help_imports_no_heavy_library() -> None:
    said, heavy = run_command("--help")
    assert said.startswith("usage: labeldesk") and "export" in said and "embed" in said
    assert heavy == []


def test_stats_imports_no_heavy_library(project_folder: Path) -> None:
    said, heavy = run_command("stats", str(project_folder))
    assert said.startswith("images 19  labeled 16  unlabeled 3")
    assert heavy == []
    said, heavy = run_command("stats", str(project_folder), "--json")
    stats = json.loads(said)
    assert stats["images"] == 19 and stats["unfinished_embeddings"] is None
    assert heavy == []
