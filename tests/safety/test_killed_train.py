"""`labeldesk train --mode head` killed outright at each step: the next run trains and
records its model, the app's commands read the project, and no run folder that no
version uses is left under `models/` for good."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

import labeldesk
from labeldesk.ml.models import RUN_MARKER, list_versions
from safety.killed_runs import TINY, age, leftovers, run_here, run_killed, tree
from safety.killed_sql import COMMIT

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow

TRAIN = ["--mode", "head", "--epochs", "3"]


@pytest.fixture
def embedded(small):
    project, images, before = small
    run_here(["embed", project, "--model", TINY, "--runtime", "torch"], tiny=True)
    return project, images, before


def unused_folders(project: Path) -> list[str]:
    """Folders under models/ that no recorded version uses."""
    with labeldesk.open_project(project) as opened:
        versions = list_versions(opened)
    used = {Path(v.checkpoint).parts[1] for v in versions if v.checkpoint}
    return sorted(f.name for f in (project / "models").iterdir() if f.name not in used)


def versions(project: Path) -> int:
    with labeldesk.open_project(project) as opened:
        return len(list_versions(opened))


def test_a_run_killed_at_each_step_leaves_only_recorded_models(embedded):
    project, images, images_before = embedded
    # its sidecar's rename (the weights are in place), its row, its marker's removal
    kills = [("os.replace", 2, None), ("sql", 2, COMMIT), ("os.unlink", 4, None)]
    for call, nth, sql in kills:
        had = versions(project)
        assert run_killed(["train", project, *TRAIN], call, nth, tiny=True, sql=sql) == -9
        recorded = versions(project) - had  # killed after its row: a whole model
        run_here(["train", project, *TRAIN], tiny=True)
        assert versions(project) == had + recorded + 1, (call, nth)
        assert unused_folders(project) == [] and leftovers(project) == [], (call, nth)
    assert len(run_here(["models", project], tiny=True)) == versions(project)
    assert len(run_here(["predict", project], tiny=True)) == 60
    assert tree(images) == images_before


def test_a_run_killed_while_it_removes_a_killed_runs_folder_leaves_nothing_for_good(embedded):
    """The next run removes a killed run's folder (marked, no version). Killed during
    that delete just after the marker went (it went first or anywhere), it left a folder
    of weights no version uses and nothing marks: kept for good."""
    project, images, images_before = embedded
    killed = run_killed(["train", project, *TRAIN], "os.replace", 2, tiny=True)
    assert killed == -signal.SIGKILL and len(unused_folders(project)) == 1
    marker = {"name": RUN_MARKER, "after": True}
    assert run_killed(["train", project, *TRAIN], "os.unlink", 1, tiny=True, **marker) == -9
    age(project / "models")
    run_here(["train", project, *TRAIN], tiny=True)
    assert unused_folders(project) == [] and leftovers(project) == []
    assert versions(project) == 1
    assert tree(images) == images_before
