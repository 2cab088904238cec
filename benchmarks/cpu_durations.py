"""A pytest plugin: the CPU seconds of each test (this process plus the child processes it
reaped during the test), beside its wall seconds, and the same per file.

On a machine shared with other work, wall time (``--durations``) measures the scheduler
as much as the tests: on 2 cores at load ~12, tests took 7-9x their CPU time, and a
test whose work runs in a child process (which lowers its own priority) 12x. CPU
seconds stay close to what a quiet CI machine spends, so they rank what to make faster.
A child that is killed rather than reaped is not counted (a timed-out test's child).

    PYTHONPATH=benchmarks QT_QPA_PLATFORM=offscreen python -m pytest -q -p cpu_durations tests/ml
    CPU_DURATIONS_OUT=cpu.json ...   # also every test's figures as JSON
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

TOP = 40
_rows: list[dict[str, Any]] = []


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    wall, (own, children) = time.perf_counter(), _cpu()
    yield
    own_after, children_after = _cpu()
    _rows.append(
        {
            "id": item.nodeid,
            "wall": time.perf_counter() - wall,
            "cpu": own_after - own + children_after - children,
            "children": children_after - children,
        }
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _rows:
        return
    write = terminalreporter.write_line
    terminalreporter.write_sep("=", f"CPU seconds per test (own + reaped children), top {TOP}")
    for row in sorted(_rows, key=lambda r: -r["cpu"])[:TOP]:
        write(
            f"{row['cpu']:7.2f} cpu {row['children']:6.2f} children "
            f"{row['wall']:7.2f} wall  {row['id']}"
        )
    files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for row in _rows:
        totals = files[row["id"].split("::")[0]]
        totals[0] += row["cpu"]
        totals[1] += row["wall"]
        totals[2] += 1
    terminalreporter.write_sep("=", f"CPU seconds per file, top {TOP}")
    for name, (cpu, wall, count) in sorted(files.items(), key=lambda kv: -kv[1][0])[:TOP]:
        write(f"{cpu:7.1f} cpu {wall:7.1f} wall {int(count):4d} tests  {name}")
    cpu_total = sum(r["cpu"] for r in _rows)
    write(f"total: {cpu_total:.1f} CPU s, {sum(r['wall'] for r in _rows):.1f} wall s")
    out = os.environ.get("CPU_DURATIONS_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(_rows, fh)
