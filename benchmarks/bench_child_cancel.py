"""How long Cancel takes to end a background job whose child process is still starting
(:func:`labeldesk.ml.child_jobs.embed_in_child`, as the app's Compute embeddings runs
it): the seconds from the cancel to the call's return, and how the call ended. With
``first`` instead of a delay, no cancel until the job's first progress report: the
seconds the child took to start (imports and opening the project) are that report's.

With ``drift``: the Drift page's check (``labeldesk.ml.drift_job:check_folder`` in a
child, as the app runs it) on a fresh copy of that project, embedded once with the default
model, and a new folder of 20 other images (72 px), cancelled at the check's first report
that it loads the model: the seconds from the cancel to the call's return.

Each run embeds a fresh copy of a small synthetic project (benchmarks/synthetic_project,
40 images of 64 px, built once under WORK). Compare two trees by running this script
with each one's Python, alternated, on the same machine; it prints which labeldesk ran.

    python benchmarks/bench_child_cancel.py WORK [RUNS] [AFTER_S|first|drift]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any


def one_drift_run(work: Path, project: Path, new: Path) -> dict[str, Any]:
    import labeldesk
    from labeldesk.core.errors import Cancelled
    from labeldesk.core.progress import CancelToken, Progress
    from labeldesk.ml.child_jobs import run_in_child

    copy = work / "run-project"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(project, copy)
    token, loading = CancelToken(), threading.Event()
    out: dict[str, Any] = {}

    def seen(update: Progress) -> None:
        if update.message.startswith("loading") and not loading.is_set():
            out["loading_report_s"] = round(time.perf_counter() - start, 2)
            loading.set()

    def call() -> None:
        try:
            run_in_child(
                "labeldesk.ml.drift_job:check_folder", copy, progress=seen, cancel=token,
                folder=str(new),
            )  # fmt: skip
            out["outcome"] = "finished"
        except Cancelled as exc:
            out["outcome"] = f"Cancelled: {exc}"
        except Exception as exc:
            out["outcome"] = f"{type(exc).__name__}: {exc}"

    start = time.perf_counter()
    caller = threading.Thread(target=call)
    caller.start()
    loading.wait(600)
    cancelled_at = time.perf_counter()
    token.cancel()
    caller.join()
    out["cancel_to_return_s"] = round(time.perf_counter() - cancelled_at, 2)
    thumbs = copy / "thumbs"
    out["thumbnails_after"] = sum(1 for _ in thumbs.rglob("*.jpg")) if thumbs.exists() else 0
    out["load"] = os.getloadavg()[0]
    out["labeldesk"] = str(Path(labeldesk.__file__).parent.parent)
    shutil.rmtree(copy, ignore_errors=True)
    return out


def embedded(work: Path, project: Path) -> Path:
    """A copy of ``project`` embedded with the default model (made once under WORK)."""
    from labeldesk.core.project import open_project
    from labeldesk.ml.embed import embed_project

    done = work / "drift-project"
    if not (done / ".embedded").exists():
        shutil.rmtree(done, ignore_errors=True)
        shutil.copytree(project, done)
        with open_project(done) as opened:
            embed_project(opened, device="cpu")
        (done / ".embedded").touch()
    return done


def one_run(work: Path, project: Path, after: str) -> dict[str, Any]:
    import labeldesk
    from labeldesk.core.errors import Cancelled
    from labeldesk.core.progress import CancelToken, Progress
    from labeldesk.ml.child_jobs import embed_in_child

    copy = work / "run-project"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(project, copy)
    token, first = CancelToken(), threading.Event()
    out: dict[str, Any] = {}

    def seen(update: Progress) -> None:
        if not first.is_set():
            out["first_report_s"] = round(time.perf_counter() - start, 2)
            first.set()

    def call() -> None:
        try:
            report = embed_in_child(copy, progress=seen, cancel=token)
            out["outcome"] = f"report cancelled={report.cancelled} embedded={report.embedded}"
        except Cancelled:
            out["outcome"] = "Cancelled"
        except Exception as exc:
            out["outcome"] = f"{type(exc).__name__}: {exc}"

    start = time.perf_counter()
    caller = threading.Thread(target=call)
    caller.start()
    if after == "first":
        first.wait(600)
    else:
        time.sleep(float(after))
    cancelled_at = time.perf_counter()
    token.cancel()
    caller.join()
    out["cancel_to_return_s"] = round(time.perf_counter() - cancelled_at, 2)
    out["load"] = os.getloadavg()[0]
    out["labeldesk"] = str(Path(labeldesk.__file__).parent.parent)
    shutil.rmtree(copy, ignore_errors=True)
    return out


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic_project import make_project

    work = Path(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    after = sys.argv[3] if len(sys.argv) > 3 else "1.0"
    work.mkdir(parents=True, exist_ok=True)
    project, _, _ = make_project(work, 40, 64)
    if after == "drift":
        from synthetic_project import make_images

        new = work / "drift-new"
        make_images(new, 20, 72)
        project = embedded(work, project)
    for _ in range(runs):
        if after == "drift":
            print(json.dumps(one_drift_run(work, project, new)), flush=True)
        else:
            print(json.dumps(one_run(work, project, after)), flush=True)


if __name__ == "__main__":
    main()
