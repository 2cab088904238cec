"""The fine-tune's Ctrl+C tests, which send the test process real SIGINTs, run in a
pytest process of their own (see :mod:`signal_child`); their failures show here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .signal_child import ENV, MODULES


# the child runs 14 fine-tune tests: a few minutes on 2 quiet cores, near 10 under load
@pytest.mark.timeout(960)
def test_the_real_signal_tests_pass_in_a_process_of_their_own():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *MODULES],
        cwd=root,
        env={**os.environ, ENV: "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, report
    assert " passed" in result.stdout and "skipped" not in result.stdout, report
