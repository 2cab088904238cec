"""Scripts and notebooks that use LabelDesk's API now get what the ``labeldesk`` command
sets (tests/cli/test_openmp_wait.py): ``import labeldesk`` sets OMP_WAIT_POLICY=PASSIVE,
so that faiss', PyTorch's and scikit-learn's idle OpenMP threads sleep instead of
spinning on a core the work needs; before, only the command did, and API users were told
to set it themselves. A runtime reads the variable once, as it loads, so it is set only
while none is loaded (and a user's own setting is kept): each case in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import labeldesk

REPO = Path(labeldesk.__file__).resolve().parent.parent
SAY = "import os, labeldesk; print(os.environ.get('OMP_WAIT_POLICY', '(unset)'))"


def _policy_after(first: str, policy: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}  # (conftest's)
    if policy is not None:
        env["OMP_WAIT_POLICY"] = policy
    env["PYTHONPATH"] = str(REPO)
    code = f"{first}\n{SAY}"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_labeldesk_has_idle_openmp_threads_sleep() -> None:
    assert _policy_after("") == "PASSIVE"


def test_numpy_and_pandas_first_load_no_openmp_runtime() -> None:
    assert _policy_after("import numpy, pandas") == "PASSIVE"


@pytest.mark.parametrize("policy", ["ACTIVE", "passive", ""])
def test_a_users_own_wait_policy_is_kept(policy: str) -> None:
    assert _policy_after("", policy) == policy


def test_after_scikit_learn_loaded_its_runtime_nothing_is_set() -> None:
    """Set now it would change only the child processes, not this one's threads."""
    assert _policy_after("import sklearn") == "(unset)"


def test_a_runtime_loaded_by_other_means_is_seen_in_the_process_map() -> None:
    """No module LabelDesk knows of loaded it: /proc/self/maps tells."""
    if not os.path.exists("/proc/self/maps"):
        pytest.skip("no /proc here")
    site = Path(sysconfig.get_paths()["purelib"])
    found = sorted(site.glob("*/libgomp*.so*"))
    if not found:
        pytest.skip("no libgomp among the installed packages")
    assert _policy_after(f"import ctypes; ctypes.CDLL({str(found[0])!r})") == "(unset)"
