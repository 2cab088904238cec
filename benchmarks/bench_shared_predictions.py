"""What a label change costs when the labeling queue and the browser's scores both ask
for the new predictions, and how long Esc on the queue takes to end its job.

On an N-image synthetic project (scale_project.py's tiny PNGs and clustered vectors:
10 classes, train/val, 5 % unlabeled, so the cleaning round runs; no thumbnails, so no
pixel view), each repetition changes one label and then, as the app does after a label
change:

- ``both``: the queue's refresh (``refresh_queue_items``, on a thread of this process, as
  the review page's job) and the browser's scores (``insights_if_embedded`` in a child
  process, as the app's InsightsFeed) start together; it prints the wall seconds until
  both have their result and the CPU seconds of this process and its children (the
  child's imports included, the same in both codes).
- ``cancel``: the queue's refresh alone, cancelled (Esc) at its third probe fit; it prints
  the seconds from the cancel to the job function's end (``ended_s``) and to the end of
  all the work it started (``stopped_s``: the shared computation's thread, if any, has
  stopped), and the CPU seconds of the whole.

``--before DIR`` measures the code in DIR too (e.g. ``git worktree add /tmp/base main``),
alternating with this checkout in one run, each repetition in its own process:

    python benchmarks/bench_shared_predictions.py --n 4000 --reps 3 --before /tmp/base
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def build(data: Path, n: int) -> Path:
    """The project (made once under ``data``), its kNN graph and first predictions cached."""
    from scale_project import index_fast, make_images, write_vectors

    images, project = data / f"images-{n}", data / f"project-{n}"
    make_images(images, n)
    if not (project / ".ready").exists():
        index_fast(project, images)
        write_vectors(project, n)
        from labeldesk.core.project import open_project
        from labeldesk.ml.neighbors import neighbor_graph
        from labeldesk.ml.predictions import project_predictions

        with open_project(project) as proj:
            neighbor_graph(proj)
            project_predictions(proj)
        (project / ".ready").touch()
    return project


def change_a_label(proj, rep: int) -> None:
    """A label change never made before: a new event, so new predictions to compute (the
    image's label moves to the next class, whatever it is now: runs repeat offsets)."""
    rows = proj.db.query(
        "SELECT path, label FROM images WHERE path LIKE 'train/class%' AND label IS NOT NULL "
        "ORDER BY path LIMIT 1 OFFSET ?",
        (rep,),
    )
    path, label = rows[0][0], rows[0][1]
    rows = proj.db.query("SELECT DISTINCT label FROM images WHERE label IS NOT NULL")
    names = sorted(row[0] for row in rows)
    proj.set_label(path, names[(names.index(label) + 1) % len(names)])


def measure_both(proj) -> dict[str, float]:
    from labeldesk.browse.review_lists import refresh_queue_items
    from labeldesk.ml.child_jobs import run_in_child

    errors: list[BaseException] = []

    def queue() -> None:
        try:
            refresh_queue_items(proj)
        except BaseException as exc:  # (raised below, on this thread)
            errors.append(exc)

    def browser() -> None:
        try:
            run_in_child("labeldesk.ml.insights:insights_if_embedded", proj.path)
        except BaseException as exc:  # (raised below, on this thread)
            errors.append(exc)

    cpu, wall = cpu_s(), time.monotonic()
    threads = [threading.Thread(target=queue), threading.Thread(target=browser)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return {"wall_s": time.monotonic() - wall, "cpu_s": cpu_s() - cpu}


def measure_cancel(proj) -> dict[str, float]:
    from labeldesk.browse.review_lists import refresh_queue_items
    from labeldesk.core.errors import Cancelled
    from labeldesk.core.progress import CancelToken
    from labeldesk.ml import probe

    token, third = CancelToken(), threading.Event()
    real, fits = probe._fit, []

    def fit(*args, **kwargs):
        fits.append(1)
        if len(fits) == 3:
            third.set()
        return real(*args, **kwargs)

    probe._fit = fit
    outcome: list[str] = []

    def queue() -> None:
        try:
            refresh_queue_items(proj, cancel=token)
            outcome.append("finished")
        except Cancelled:
            outcome.append("cancelled")

    cpu = cpu_s()
    thread = threading.Thread(target=queue)
    thread.start()
    while not third.wait(0.1):
        if not thread.is_alive():
            raise SystemExit("the predictions were cached: no label changed")
    at = time.monotonic()
    token.cancel()
    thread.join()
    ended = time.monotonic() - at
    while any(t.name.startswith("single-flight-") for t in threading.enumerate()):
        time.sleep(0.01)
    stopped = time.monotonic() - at
    probe._fit = real
    return {
        "ended_s": ended,
        "stopped_s": stopped,
        "cpu_s": cpu_s() - cpu,
        "fits_after": len(fits) - 3,
        "cancelled": float(outcome == ["cancelled"]),
    }


def measure(project: Path, rep: int, label: str) -> dict[str, object]:
    from labeldesk.core.project import open_project

    with open_project(project) as proj:
        change_a_label(proj, 2 * rep)
        both = measure_both(proj)
        change_a_label(proj, 2 * rep + 1)
        cancel = measure_cancel(proj)
    return {"code": label, "both": both, "cancel": cancel}


def run_one(code: Path, project: Path, rep: int, label: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    args = [sys.executable, __file__, "--one", str(project), "--rep", str(rep), "--label", label]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout of the code before")
    parser.add_argument("--data", type=Path, default=Path("/tmp/labeldesk-shared-preds"))
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rep", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--label", default="after", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        import labeldesk

        print(f"code: {labeldesk.__file__}", file=sys.stderr)
        print(json.dumps(measure(args.one, args.rep, args.label)))
        return
    project = build(args.data, args.n)
    codes = [("after", HERE.parent)]
    if args.before is not None:
        codes.insert(0, ("before", args.before.resolve()))
    results: dict[str, list[dict]] = {label: [] for label, _ in codes}
    for rep in range(args.reps):
        for i, (label, code) in enumerate(codes):
            result = run_one(code, project, rep * len(codes) + i, label)
            results[label].append(result)
            print(json.dumps(result), file=sys.stderr)
    print(f"{args.n:,} images, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, rows in results.items():

        def med(part: str, key: str, rows: list[dict] = rows) -> str:
            values = [r[part][key] for r in rows]
            return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

        print(
            f"{label:>6}: queue + browser after a label change: wall {med('both', 'wall_s')} s, "
            f"CPU {med('both', 'cpu_s')} s | Esc on the queue: job ended "
            f"{med('cancel', 'ended_s')} s after, work stopped {med('cancel', 'stopped_s')} s "
            f"after, CPU {med('cancel', 'cpu_s')} s, fits after {med('cancel', 'fits_after')}"
        )


if __name__ == "__main__":
    main()
