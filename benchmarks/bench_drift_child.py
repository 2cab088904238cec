"""The app's drift check in a job thread of its process against in a child process
(:func:`labeldesk.ml.child_jobs.run_in_child`, as the Drift page runs it): the longest
gap of a thread that wakes every 10 ms in the app's process while the check runs (what
its window would wait), and the report of each, which must be the same.

PROJECT: ``scale_project.build(DATA, [30000], largest=30000)``; FOLDER:
``gui_stall_pages.py PROJECT FOLDER 1000``. The first run makes the drift predictions;
run the modes alternated on a busy machine, the gaps include waiting for a core.

    python benchmarks/bench_drift_child.py PROJECT FOLDER thread child thread child
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any


def measure(project_path: Path, folder: str, mode: str) -> dict[str, Any]:
    from labeldesk.core.project import open_project
    from labeldesk.ml.child_jobs import run_in_child
    from labeldesk.ml.drift_job import check_folder

    gaps: list[float] = []
    done = threading.Event()

    def watch() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    out: dict[str, Any] = {}
    with open_project(project_path) as project:

        def job() -> None:
            if mode == "child":
                target = "labeldesk.ml.drift_job:check_folder"
                out["r"] = run_in_child(target, project.path, folder=folder)
            else:
                out["r"] = check_folder(project, folder=folder)

        watcher = threading.Thread(target=watch)
        watcher.start()
        start = time.perf_counter()
        worker = threading.Thread(target=job)
        worker.start()
        worker.join()
        wall = time.perf_counter() - start
        done.set()
        watcher.join()
    report = out["r"][0]
    gaps.sort(reverse=True)
    return {
        "mode": mode,
        "wall_s": round(wall, 1),
        "longest_gap_s": round(gaps[0], 3),
        "next_gaps_s": [round(g, 3) for g in gaps[1:4]],
        "verdict": report.verdict,
        "p": [report.p_value, report.mmd_p_value, report.residual_p_value],
        "output_p": None if report.outputs is None else report.outputs.p_value,
        "load": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    project, folder, *modes = sys.argv[1:]
    for mode in modes or ["thread", "child"]:
        print(json.dumps(measure(Path(project), folder, mode)), flush=True)


if __name__ == "__main__":  # (a spawned child imports this module again)
    main()
