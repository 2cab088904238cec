"""The benchmarks' peak memory is the measured command's own (benchmarks/own_peak.py):
a command started straight from a benchmark holding hundreds of MB reported the
benchmark's high-water mark (Linux keeps the memory a process had at exec), so a
``labeldesk --help`` measured from bench_small_asks.py read as big as the benchmark."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_small_asks
from own_peak import run_measured

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"

HELD_MB = 400


def _hold() -> np.ndarray:
    held = np.ones(HELD_MB * 2**20 // 8)  # written: resident in this process
    return held


def test_a_command_started_from_a_big_process_reports_its_own_peak() -> None:
    held = _hold()
    small = run_measured([sys.executable, "-c", "pass"])
    grown = run_measured(
        [sys.executable, "-c", "import numpy as np; a = np.ones(60 * 2**20 // 8); print(a[0])"]
    )
    assert held[-1] == 1.0
    assert small["returncode"] == 0 and small["peak_mb"] < 50
    assert grown["stdout"].strip() == "1.0"
    assert 60 < grown["peak_mb"] < 150  # its own 60 MB counted, not this process's 400
    assert grown["cpu_s"] > 0 and grown["read_mb"] > 0


def test_bench_small_asks_measures_the_command_not_the_benchmark() -> None:
    held = _hold()
    got = bench_small_asks.measured(["--help"], BENCH.parent, 120)
    assert held[-1] == 1.0
    assert "error" not in got
    assert got["peak_mb"] < HELD_MB / 2


def test_a_command_past_its_time_is_stopped_and_said_so() -> None:
    got = run_measured([sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=0.5)
    assert got["timed_out"] and got["returncode"] != 0
    assert got["wall_s"] < 20
    assert bench_small_asks.measured(["--help"], BENCH.parent, 0.01) == {"error": "over 0 s"}
