"""How long `labeldesk embed --ray` takes to stop when asked to (or when the head dies)
while the job starts, before its first batch.

Each case runs the embedding of the bundled sample project (600 images) in a process of
its own against a real local head on 127.0.0.1 (tests/cluster/local_ray.py: a fresh
temporary folder, stopped by its own ids, never `ray stop`), and measures the seconds
from the event to the end of that process's call:

  cancel-init    the app's Cancel (the job's cancel token) 0.2 s into `ray.init`
  cancel-nodes   the app's Cancel 0.2 s into the check of the cluster's nodes
  sigint-init    Ctrl+C (SIGINT) 0.2 s into `ray.init`, through the command line
  sigint-nodes   Ctrl+C 0.2 s into the check of the cluster's nodes
  kill-init      the head SIGKILLed as `ray.init` starts (after the address was checked)
  kill-connect   the head SIGKILLed as `ray.init`'s last stage starts (this process
                 registering with the cluster: Ray's `ray._private.worker.connect`)

On one machine both phases take about a second; on a real cluster joining it (a far
network) and the node check (each node starting a worker process that imports
LabelDesk) take longer: --slow S (default 10) makes `ray.init`, and the first wait for
the node check's answers, S seconds longer, as such a cluster would.

The last line of each case says how it ended (the error's kind and message, or the
report) and whether the project's embeddings folder holds anything.

    python benchmarks/bench_ray_startup.py [--cases cancel-init,kill-init] [--limit 120]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "fashion"
sys.path.insert(0, str(ROOT / "tests"))
CASES = ("cancel-init", "cancel-nodes", "sigint-init", "sigint-nodes", "kill-init", "kill-connect")
DELAY_S = 0.2


def _at_call(ray, name: str, action, slow: float) -> None:
    """Run ``action`` as Ray's ``name`` is first called, then wait ``slow`` seconds, then
    Ray's own call."""
    original = getattr(ray, name)
    first = [True]

    def call(*args, **kwargs):
        if first[0]:
            first[0] = False
            action()
            time.sleep(slow)
        return original(*args, **kwargs)

    setattr(ray, name, call)


def child(case: str, address: str, project_path: str, head: int, mark: str, slow: float) -> None:
    """One case, in this process: prints a JSON line with how it ended."""
    import ray

    from labeldesk.core.progress import CancelToken, Progress
    from labeldesk.core.project import open_project
    from labeldesk.ml.ray_embed import embed_on_ray

    cancel = CancelToken()

    def stamp() -> None:
        Path(mark).write_text(str(time.monotonic()))

    def later(fn) -> None:
        def run() -> None:
            time.sleep(DELAY_S)
            stamp()
            fn()

        threading.Thread(target=run, daemon=True).start()

    what, where = case.split("-")
    call = {"init": "init", "nodes": "get", "connect": "connect"}[where]  # get: node check
    if what == "cancel":
        _at_call(ray, call, lambda: later(cancel.cancel), slow)
    elif what == "sigint":
        _at_call(ray, call, lambda: later(lambda: os.kill(os.getpid(), signal.SIGINT)), slow)
    else:
        import ray._private.worker as worker
        from cluster.local_ray import kill_node

        module = worker if call == "connect" else ray
        _at_call(module, call, lambda: (kill_node(head), stamp()), 0.0)

    def progress(update: Progress) -> None:
        if what != "sigint" and Path(mark).exists():
            print(f"  after the event: {update.message}", file=sys.stderr)

    if what == "sigint":  # the command line, as a user runs it
        from labeldesk.cli import main

        code = main(["embed", project_path, "--ray", address, "--json"])
        ended = time.monotonic()
        print(json.dumps({"ended": ended, "outcome": f"exit code {code}"}), file=sys.stderr)
        return
    with open_project(project_path) as project:
        try:
            report = embed_on_ray(
                project, address=address, progress=progress, cancel=cancel, workers=1
            )
            outcome = f"report: cancelled={report.cancelled} embedded={report.embedded}"
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
    ended = time.monotonic()
    print(json.dumps({"ended": ended, "outcome": outcome}), file=sys.stderr)


def run_case(case: str, limit: float, slow: float, work: Path) -> None:
    from cluster.local_ray import start_local_ray

    from labeldesk.core.create import create_and_index

    cluster = start_local_ray(cpus_per_node=1, nodes=1)
    try:
        folder = work / case
        project, _ = create_and_index(folder, SAMPLE, workers=1)
        project.close()
        mark = work / f"{case}.mark"
        cmd = [sys.executable, __file__, "--child", case, cluster.address, str(folder)]
        cmd += [str(cluster.nodes[0].pid), str(mark), str(slow)]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=cluster.env, stderr=subprocess.PIPE, text=True)
        try:
            _, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            err += '\n{"ended": null, "outcome": "still running at the limit"}'
        exited = time.monotonic()
        lines = [line for line in err.splitlines() if line.startswith('{"ended"')]
        shown = {line.strip() for line in err.splitlines() if line.startswith("  after")}
        result = json.loads(lines[-1]) if lines else {"ended": None, "outcome": err[-800:]}
        event = float(mark.read_text()) if mark.exists() else None
        ended = result["ended"] or exited
        after = f"{ended - event:5.1f} s after the event" if event else "(event never came)"
        written = [p for p in (folder / "embeddings").rglob("*") if p.is_file()]
        print(
            f"{case:13} ended {after} (process {exited - started:5.1f} s in all); "
            f"{result['outcome'][:300]}; files under embeddings: {len(written)}",
            flush=True,
        )
        for line in sorted(shown):
            print(f"    {line}")
    finally:
        cluster.stop()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5], int(sys.argv[5]), sys.argv[6], float(sys.argv[7]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--limit", type=float, default=120.0)
    parser.add_argument("--slow", type=float, default=10.0)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    work = Path(tempfile.mkdtemp(prefix="bench-ray-start-"))
    for case in args.cases.split(","):
        run_case(case, args.limit, args.slow, work)


if __name__ == "__main__":
    main()
