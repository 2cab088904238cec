"""The similar-image search index's build, as `labeldesk embed` ends with it above 20,000
images (store_index.ready_for_search): seconds, CPU, peak memory, how long Ctrl+C or a
Cancel takes to stop it, and the recall of the built index against exact search; the
code of another checkout (--before) measured in the same run, alternating.

Vectors: synthetic_vectors' clustered 1280-d unit vectors, written through the real
vector store (float16 on disk) under --data; the queries are further rows of the same
distribution, their exact 20 nearest rows computed once (a chunked scan) and cached.
Each measure runs in a fresh process (`--child`) whose module path starts with the code
under test, so its peak memory is the build's own:

  build   the build from a store without a saved index (store_index(few_queries=True)):
          wall and CPU seconds, peak resident memory (VmHWM, memory-mapped pages
          included) and the resident memory before it (imports, the store opened); then
          the saved index read back and searched one query at a time: recall@20 of what
          a search shows (re-ranked exactly) and of the compressed codes alone
  ctrl-c  SIGINT --stop-after seconds into a build (as Ctrl+C in a terminal): seconds
          from the signal to the build stopping, and whether an index file was left
  cancel  the same with a CancelToken set from another thread (the app's Cancel); only
          for code whose store_index takes ``cancel``

    python benchmarks/bench_index_build.py --sizes 100000 --before /tmp/h4/base
    python benchmarks/bench_index_build.py --sizes 30000 --measures build
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_vectors import DIM, clustered_memmap, exact_neighbours

QUERIES = 300
K = 20
MEASURES = ("build", "ctrl-c", "cancel")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss would carry the parent's
    peak over the exec that started the measure)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def prepare(data: Path, n: int) -> Path:
    """A vector store of n clustered rows under ``data`` (made once), the queries and
    their exact neighbours beside it."""
    folder = data / f"store-{n}"
    done = folder / "bench-ready"
    if done.exists():
        return folder
    from labeldesk.ml.vectors import VectorStore

    vectors = clustered_memmap(n + QUERIES)
    with VectorStore.writer(folder, DIM) as writer:
        for start in range(0, n, 65_536):
            stop = min(n, start + 65_536)
            keys = [f"{i:032x}" for i in range(start, stop)]
            writer.append(keys, np.asarray(vectors[start:stop], dtype=np.float32))
    queries = np.asarray(vectors[n:], dtype=np.float32)
    stored = VectorStore(folder, DIM).matrix()  # float16 as stored: what a search re-ranks
    np.save(folder / "bench-queries.npy", queries)
    np.save(folder / "bench-truth.npy", exact_neighbours(stored, queries, K)[1])
    done.touch()
    return folder


def recall(truth: np.ndarray, found: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / K for a, b in zip(truth, found, strict=True)]))


def child(measure: str, folder: Path, stop_after: float) -> dict:
    import labeldesk
    from labeldesk.ml import store_index as si
    from labeldesk.ml.search import IndexConfig, VectorIndex, import_faiss
    from labeldesk.ml.vectors import VectorStore

    import_faiss()
    path = folder / si.FILE_NAME
    path.unlink(missing_ok=True)
    store = VectorStore(folder, DIM)
    config = IndexConfig.choose(store.count)
    out: dict = {"code": str(Path(labeldesk.__file__).parent.parent), "rows": store.count}
    out["rss_before_mb"] = rss_mb()
    stopped_at: list[tuple[float, float]] = []  # (wall, CPU) when asked to stop
    kwargs = {}
    if measure == "cancel":
        from labeldesk.core.progress import CancelToken

        token = CancelToken()
        kwargs["cancel"] = token

        def stop() -> None:
            stopped_at.append((time.perf_counter(), cpu_s()))
            token.cancel()
    else:
        # Ctrl+C raises KeyboardInterrupt, as in a terminal (a process started in the
        # background by a shell inherits SIGINT ignored, and Python then leaves it so)
        signal.signal(signal.SIGINT, signal.default_int_handler)

        def stop() -> None:
            stopped_at.append((time.perf_counter(), cpu_s()))
            os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(stop_after, stop) if measure != "build" else None
    began, cpu = time.perf_counter(), cpu_s()
    if timer is not None:
        timer.start()
    try:
        si.store_index(store, config, few_queries=True, **kwargs)
        ended, ended_cpu = time.perf_counter(), cpu_s()
        out["stopped"] = False
    except (KeyboardInterrupt, Exception) as exc:  # Cancelled, or Ctrl+C
        ended, ended_cpu = time.perf_counter(), cpu_s()
        out["stopped"] = type(exc).__name__
    out["seconds"], out["cpu_s"] = ended - began, ended_cpu - cpu
    out["peak_mb"] = peak_mb()
    if stopped_at:
        out["stop_s"], out["stop_cpu_s"] = ended - stopped_at[0][0], ended_cpu - stopped_at[0][1]
    out["file_left"] = path.exists()
    if measure == "build":
        queries = np.load(folder / "bench-queries.npy")
        truth = np.load(folder / "bench-truth.npy")
        read = si.store_index(VectorStore(folder, DIM), config, few_queries=True)
        shown = np.stack([read.search(q, K)[1][0] for q in queries])
        codes = VectorIndex.from_faiss(read.index, config)  # no vectors: no re-ranking
        alone = np.stack([codes.search(q, K)[1][0] for q in queries])
        out["recall"], out["codes_recall"] = recall(truth, shown), recall(truth, alone)
    return out


def run_child(code: Path, measure: str, folder: Path, stop_after: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code))
    cmd = [sys.executable, __file__, "--child", measure, str(folder), str(stop_after)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(name: str, measure: str, r: dict) -> None:
    if "error" in r:
        print(f"  {name:<7} {measure:<7} failed: {r['error']}", flush=True)
        return
    text = f"  {name:<7} {measure:<7} {r['seconds']:7.1f} s  CPU {r['cpu_s']:6.1f} s"
    text += f"  peak {r['peak_mb']:6.0f} MB (before the build {r['rss_before_mb']:.0f} MB)"
    if "stop_s" in r:
        text += f"  stopped {r['stop_s']:.2f} s (CPU {r['stop_cpu_s']:.2f} s) after the signal"
        text += f" ({r['stopped'] or 'not stopped: the build ended'})"
        text += f", index file left: {'yes' if r['file_left'] else 'no'}"
    if "recall" in r:
        text += f"  recall@{K} {r['recall']:.4f} (codes alone {r['codes_recall']:.4f})"
    print(text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--measures", default=",".join(MEASURES))
    parser.add_argument("--before", type=Path, default=None, help="a checkout of older code")
    parser.add_argument("--stop-after", type=float, default=3.0, help="seconds into a build")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "labeldesk-bench" / "index"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure, folder, stop_after = args.child
        print(json.dumps(child(measure, Path(folder), float(stop_after))))
        return
    here = Path(__file__).resolve().parent.parent
    codes = [("after", here)] + ([("before", args.before.resolve())] if args.before else [])
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; code: " +
          ", ".join(f"{name} {path}" for name, path in codes))  # fmt: skip
    for n in (int(s) for s in args.sizes.split(",") if s):
        folder = prepare(args.data, n)
        print(f"{n:,} vectors of {DIM} (float16 store {folder})", flush=True)
        for measure in args.measures.split(","):
            for name, code in reversed(codes):  # the code before first
                if (
                    measure == "cancel"
                    and "cancel" not in (code / "labeldesk" / "ml" / "store_index.py").read_text()
                ):
                    print(f"  {name:<7} {measure:<7} (this code cannot be cancelled)")
                    continue
                show(name, measure, run_child(code, measure, folder, args.stop_after))
        print(f"  load now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
