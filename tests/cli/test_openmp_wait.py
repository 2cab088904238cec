"""OpenMP's idle threads (faiss's, PyTorch's, scikit-learn's) spun on a core the work
needed: on 2 busy cores faiss built a 50,000-vector search index in 17-56 s (25-36 s of
CPU) where sleeping threads take 15-27 s (18-23 s). The command now sets
OMP_WAIT_POLICY=PASSIVE before anything loads an OpenMP runtime, unless the user set it.
An import hook records the variable as the command line (and everything heavy after
it) starts loading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import labeldesk

REPO = Path(labeldesk.__file__).resolve().parent.parent

HOOK = """
import os, sys

class Record:
    def find_spec(self, name, path=None, target=None):
        if name == "labeldesk.cli":
            with open(os.environ["LD_TEST_SEEN"], "w") as f:
                f.write(os.environ.get("OMP_WAIT_POLICY", "(unset)"))
        return None

sys.meta_path.insert(0, Record())
"""


def _seen_as_the_command_loads(tmp_path: Path, policy: str | None) -> str:
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK)
    seen = tmp_path / "seen"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}  # (conftest's)
    if policy is not None:
        env["OMP_WAIT_POLICY"] = policy
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "hook"), str(REPO)])
    env["LD_TEST_SEEN"] = str(seen)
    command = [sys.executable, "-m", "labeldesk", "stats", str(tmp_path / "no-project")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "no-project" in done.stderr  # (not a project: an error)
    return seen.read_text()


def test_the_command_has_idle_openmp_threads_sleep(tmp_path: Path) -> None:
    assert _seen_as_the_command_loads(tmp_path, None) == "PASSIVE"


@pytest.mark.parametrize("policy", ["ACTIVE", "passive"])
def test_a_users_own_wait_policy_is_kept(tmp_path: Path, policy: str) -> None:
    assert _seen_as_the_command_loads(tmp_path, policy) == policy
