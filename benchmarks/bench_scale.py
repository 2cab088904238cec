"""A million images on one machine: every step a person waits for, at 100k, 300k and 1M.

Builds once under --data (default /tmp/labeldesk-scale) a tree of tiny generated PNGs
(scale_project.py: 10 classes, train/val, 5 % unlabeled, 2 % planted in the wrong class
folder) and one project per size, then measures side by side:

  new        `labeldesk new` (decoding, hashing, thumbnails): images/s and peak memory
             (--new-sizes; the projects measured below are indexed without decoding, see
             scale_project.index_fast, since decoding 1M images takes most of an hour here)
  scan       an unchanged `labeldesk scan` (target < 20 s at 1M)
  stats      `labeldesk stats` (target < 2 s), process start included
  open       opening the project, then `Project.images()` and `stats()` in process
  knn        similar-image queries through the search API (neighbors.search_index):
             p50/p99 latency of single queries, recall@20 against exact search over the
             stored vectors, memory the index adds
  dups       the near-duplicate pass (duplicates.find_duplicates)
  preds      predictions, then the issues list and the labeling queue from them
  map        the embedding map (map_data.map_points) with every image placed
  gui        bench_gui.py's measures on the project: first paint (< 3 s), GUI-thread
             stalls while scrolling top to bottom (p99 < 50 ms), label key -> next
             image (< 50 ms), review key -> next image

Each measure runs in a fresh process (its memory is its own; its peak RSS is reported)
under --timeout. Vectors are synthetic (scale_project.write_vectors): embedding 1M images
with the CNN on 2 CPU cores takes hours, so they are written through the real vector store
as a model named "synthetic-scale". A run reuses the built projects; caches the app makes
(search index, kNN graph, predictions, map) are deleted before the measure that makes
them, so every figure is a cold computation unless it says "cached"; predictions use
the kNN graph the near-duplicate pass left, as they would in the app.

    python benchmarks/bench_scale.py                                  # 100k, 300k, 1M
    python benchmarks/bench_scale.py --sizes 100000 --measures scan,stats,open
    python benchmarks/bench_scale.py --sizes 3000 --tree 3000 --measures preds --data /tmp/s3k
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_project import PeakRss, build, children, children_cpu, measure_new, run_cli

MEASURES = ("new", "scan", "stats", "open", "knn", "dups", "preds", "map", "gui")
CHILD = ("open", "knn", "dups", "preds", "map", "gui")  # run as `bench_scale.py --child`
TARGETS = {  # (row name, limit, unit) at 1M on 2 cores, from the issue
    "scan_s": 20.0,
    "stats_s": 2.0,
    "first_paint_s": 3.0,
    "scroll_p99_ms": 50.0,
    "label_p99_ms": 50.0,
    "knn_p99_ms": 20.0,
    "dups_s": 600.0,
}
GB = 2**30


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss_now() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# What each measure computes, deleted before it runs so that its figure is a cold
# computation; what it builds on stays (predictions use the kNN graph the near-duplicate
# pass left, as in the app).
COLD = {
    "knn": ("ivf-*", "*.index", "*.faiss"),
    "dups": ("knn-*.npz",),
    "preds": ("predictions-*.npz",),
    "map": ("map-*.np[yz]",),
}


def drop_caches(project: Path, measure: str) -> None:
    for folder in (project / "embeddings").glob("*"):
        for pattern in COLD.get(measure, ()):
            for f in folder.glob(pattern):
                f.unlink()


# -- measures run in a child process ----------------------------------------------------
def child_open(project: Path) -> dict:
    from labeldesk.core.project import open_project

    t = time.perf_counter()
    proj = open_project(project)
    opened = time.perf_counter() - t
    before = rss_now()
    t = time.perf_counter()
    frame = proj.images()
    images_s = time.perf_counter() - t
    frame_mb = (rss_now() - before) / 2**20
    t = time.perf_counter()
    proj.stats()
    stats_s = time.perf_counter() - t
    return {"open_s": opened, "images_s": images_s, "frame_mb": frame_mb,
            "rows": len(frame), "stats_in_process_s": stats_s}  # fmt: skip


def exact_neighbours(store_matrix, queries, k: int, chunk: int = 100_000):
    """Top-k rows by inner product over the float16 store, in chunks (ground truth)."""
    import numpy as np

    best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_i = np.full((len(queries), k), -1, dtype=np.int64)
    for start in range(0, len(store_matrix), chunk):
        block = np.asarray(store_matrix[start : start + chunk], dtype=np.float32)
        sims = queries @ block.T
        both_s = np.concatenate([best_s, sims], axis=1)
        both_i = np.concatenate(
            [best_i, np.broadcast_to(np.arange(start, start + len(block)), sims.shape)], axis=1
        )
        top = np.argpartition(-both_s, k - 1, axis=1)[:, :k]
        best_s = np.take_along_axis(both_s, top, 1)
        best_i = np.take_along_axis(both_i, top, 1)
    return best_i


def child_knn(project: Path, queries: int = 300, k: int = 20) -> dict:
    import numpy as np

    from labeldesk.core.project import open_project
    from labeldesk.ml.neighbors import search_index
    from labeldesk.ml.store import current_store, project_vectors

    proj = open_project(project)
    before = rss_now()
    t = time.perf_counter()
    vectors = project_vectors(proj)
    vectors_s, vectors_mb = time.perf_counter() - t, (rss_now() - before) / 2**20
    before = rss_now()
    t = time.perf_counter()
    index = search_index(proj, vectors)
    build_s, index_mb = time.perf_counter() - t, (rss_now() - before) / 2**20
    # ground truth over the store's rows, mapped to the vectors' rows
    store = current_store(proj)
    rows = store.rows_for(vectors.hashes)
    rng = np.random.default_rng(1)
    picked = rng.choice(len(vectors.paths), queries, replace=False)
    q = np.asarray(store.matrix()[rows[picked]], dtype=np.float32)
    latencies, found = [], []
    for row, query in zip(picked, q, strict=True):
        t = time.perf_counter()
        _, hits = index.search(query, k + 1)
        latencies.append((time.perf_counter() - t) * 1000)
        found.append([h for h in hits[0].tolist() if h != row][:k])
    truth_store = exact_neighbours(store.matrix(), q, k + 1)
    to_vector_row = {int(s): v for v, s in enumerate(rows)}
    recall = []
    for row, got, truth in zip(picked, found, truth_store, strict=True):
        exact = [to_vector_row[int(s)] for s in truth if to_vector_row[int(s)] != row][:k]
        recall.append(len(set(got) & set(exact)) / k)
    lat = np.array(latencies)
    return {
        "vectors_s": vectors_s, "vectors_mb": vectors_mb, "index_s": build_s,
        "index_mb": index_mb, "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)), "recall": float(np.mean(recall)),
        "index": type(getattr(index, "index", index)).__name__,
    }  # fmt: skip


def child_dups(project: Path) -> dict:
    from labeldesk.core.project import open_project
    from labeldesk.ml.duplicates import find_duplicates

    proj = open_project(project)
    t = time.perf_counter()
    groups = find_duplicates(proj)
    return {"seconds": time.perf_counter() - t, "groups": len(groups)}


def child_preds(project: Path) -> dict:
    from labeldesk.core.project import open_project
    from labeldesk.ml.issues import label_issues
    from labeldesk.ml.predictions import project_predictions
    from labeldesk.ml.queue import labeling_queue

    proj = open_project(project)
    t = time.perf_counter()
    preds = project_predictions(proj)
    preds_s = time.perf_counter() - t
    t = time.perf_counter()
    issues = label_issues(proj)
    issues_s = time.perf_counter() - t
    t = time.perf_counter()
    queue = labeling_queue(proj, 25)
    queue_s = time.perf_counter() - t
    planted = sum(1 for i in issues if int(i.path.rsplit("img", 1)[1][:6]) % 50 == 7)
    return {"preds_s": preds_s, "issues_s": issues_s, "queue_s": queue_s,
            "rows": len(preds.paths), "issues": len(issues), "planted_in_issues": planted,
            "queue": len(queue)}  # fmt: skip


def child_map(project: Path) -> dict:
    import numpy as np

    from labeldesk.core.project import open_project
    from labeldesk.ml.map_data import map_points
    from labeldesk.ml.projection import DEFAULT_METHOD

    proj = open_project(project)
    t = time.perf_counter()
    points = map_points(proj, DEFAULT_METHOD)
    seconds = time.perf_counter() - t
    finite = int(np.isfinite(points.xy).all(axis=1).sum())
    t = time.perf_counter()
    map_points(proj, DEFAULT_METHOD)
    return {"seconds": seconds, "points": len(points.paths), "finite": finite,
            "rows": len(proj.images(include_skipped=False)),
            "cached_s": time.perf_counter() - t}  # fmt: skip


def child_gui(project: Path, n: int, presses: int) -> dict:
    """bench_gui.py's app process on this project: launch, scroll and label phases (the
    embedding phase would embed with the real CNN, which these vectors stand in for; the
    review phase waits for the app's predictions, measured by "preds"). The scroll goes
    top to bottom in about as many steps at every size (one page per step at 100k, ten
    at 1M: each step paints a screen of tiles it has not shown before either way)."""
    import bench_gui

    args = argparse.Namespace(
        images=n, platform="offscreen", window="1400x900", scroll_page=max(1.0, n / 100_000),
        presses=presses, press_interval=0.15, embed_seconds=0.0, phases="scroll,label",
        profile=None,
    )  # fmt: skip
    # As bench_gui.run_app, but waiting for the app process only: the app's background
    # job processes inherit its stdout and may outlive it (it ends with os._exit).
    cmd = [sys.executable, bench_gui.__file__, "--driver", str(project), "--images", str(n)]
    for name in ("window", "scroll_page", "presses", "press_interval", "embed_seconds", "phases"):
        cmd += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    cmd += ["--platform", args.platform, "--t0", repr(time.time())]
    env = dict(os.environ, QT_QPA_PLATFORM=args.platform)
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out)
        left: list[int] = []
        while proc.poll() is None:
            left = children(proc.pid) or left
            time.sleep(0.5)
        for pid in left:  # its job processes, orphaned by os._exit: stop them
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"the app process failed (exit {proc.returncode})")
    figures = json.loads(text.strip().splitlines()[-1])
    figures["peak_rss_app"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return figures


def run_child(name: str, project: Path, n: int, args: argparse.Namespace) -> dict:
    """One measure in a fresh process, stopped when it passes --timeout or its resident
    memory (with its children) passes --max-rss: the machine is shared, and a figure
    "over N GB" is the answer then."""
    cmd = [sys.executable, __file__, "--child", name, "--project", str(project), "--n", str(n),
           "--presses", str(args.presses)]  # fmt: skip
    t, cpu = time.perf_counter(), children_cpu()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = PeakRss(proc.pid)
    limit = args.max_rss * GB
    stopped = None
    while proc.poll() is None:
        time.sleep(0.2)
        if peak.tree > limit:
            stopped = f"stopped: memory passed {args.max_rss:g} GB"
        elif time.perf_counter() - t > args.timeout:
            stopped = f"not done after {args.timeout:.0f} s (stopped)"
        if stopped:
            for pid in [*children(proc.pid), proc.pid]:
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)
            proc.wait()
    out = proc.stdout.read() if proc.stdout else ""
    _own, tree = peak.stop()
    if stopped:
        return {"error": stopped}
    if proc.returncode != 0:
        return {"error": f"failed (exit {proc.returncode}), see stderr"}
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - t
    result["cpu_s"] = children_cpu() - cpu  # the measure's process and its children
    result["peak_tree"] = tree
    return result


# -- the table ----------------------------------------------------------------------
def fmt_s(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f} s" if v < 100 else f"{v:.0f} s"


def fmt_ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f} ms"


def fmt_gb(v: float | None) -> str:
    return "–" if v is None else f"{v / GB:.2f} GB"


def rows_for(r: dict) -> list[tuple[str, str, str | None]]:
    """(measure, value, target key) for one size's results."""
    out: list[tuple[str, str, str | None]] = []

    def err(name: str, part: dict) -> bool:
        if "error" in part:
            out.append((name, part["error"], None))
            return True
        return False

    new = r.get("new")
    if new is not None and not err("new", new):
        rate = new["images"] / new["seconds"]
        out.append(("new: images/s (decode, hash, thumbnail)", f"{rate:.0f}/s", None))
        out.append(("new: wall", fmt_s(new["seconds"]), None))
        out.append(("new: CPU time, all processes", fmt_s(new.get("cpu_s")), None))
        out.append(("new: peak RSS (main process)", fmt_gb(new["peak_rss_own"]), None))
        out.append(("new: peak RSS (with decoders)", fmt_gb(new["peak_rss_tree"]), None))
    scan = r.get("scan")
    if scan is not None and not err("scan", scan):
        out.append(("scan, unchanged: wall", fmt_s(scan["wall_s"]), "scan_s"))
        out.append(("scan: CPU time (user + system)", fmt_s(scan["cpu_s"]), None))
        out.append(("scan: peak RSS", fmt_gb(scan["peak"]), None))
    stats = r.get("stats")
    if stats is not None and not err("stats", stats):
        out.append(("stats: wall (process start included)", fmt_s(stats["wall_s"]), "stats_s"))
        out.append(("stats: CPU time (user + system)", fmt_s(stats["cpu_s"]), None))
    op = r.get("open")
    if op is not None and not err("open", op):
        out.append(("open project", fmt_s(op["open_s"]), None))
        out.append(("images() (DataFrame)", fmt_s(op["images_s"]), None))
        out.append(("images() memory", f"{op['frame_mb']:.0f} MB", None))
        out.append(("stats() in process", fmt_s(op["stats_in_process_s"]), None))
    knn = r.get("knn")
    if knn is not None and not err("knn", knn):
        out.append(("kNN: read vectors", fmt_s(knn["vectors_s"]), None))
        out.append(("kNN: vectors memory", f"{knn['vectors_mb']:.0f} MB", None))
        out.append((f"kNN: index build/load ({knn['index']})", fmt_s(knn["index_s"]), None))
        out.append(("kNN: index memory", f"{knn['index_mb']:.0f} MB", None))
        out.append(("kNN: query p50", fmt_ms(knn["p50_ms"]), None))
        out.append(("kNN: query p99", fmt_ms(knn["p99_ms"]), "knn_p99_ms"))
        out.append(("kNN: recall@20", f"{knn['recall']:.3f}", None))
        out.append(("kNN: peak RSS", fmt_gb(knn["peak"]), None))
    dups = r.get("dups")
    if dups is not None and not err("near-duplicates", dups):
        out.append(("near-duplicate pass", fmt_s(dups["seconds"]), "dups_s"))
        out.append(("near-duplicates: CPU time, process", fmt_s(dups.get("cpu_s")), None))
        out.append(("near-duplicates: peak RSS", fmt_gb(dups["peak"]), None))
    preds = r.get("preds")
    if preds is not None and not err("predictions", preds):
        out.append(("predictions (kNN graph, probe)", fmt_s(preds["preds_s"]), None))
        out.append(("issues list (from predictions)", fmt_s(preds["issues_s"]), None))
        out.append(("labeling queue", fmt_s(preds["queue_s"]), None))
        out.append(("predictions, issues, queue: CPU time", fmt_s(preds.get("cpu_s")), None))
        out.append(("predictions, issues, queue: process wall", fmt_s(preds.get("wall_s")), None))
        out.append(("issues flagged / planted among them",
                    f"{preds['issues']:,} / {preds['planted_in_issues']:,}", None))  # fmt: skip
        out.append(("predictions: peak RSS", fmt_gb(preds["peak"]), None))
    mp = r.get("map")
    if mp is not None and not err("map", mp):
        out.append(("map: computed", fmt_s(mp["seconds"]), None))
        out.append(("map: points shown / images", f"{mp['finite']:,} / {mp['rows']:,}", None))
        out.append(("map: reopened (cached)", fmt_s(mp["cached_s"]), None))
        out.append(("map: peak RSS", fmt_gb(mp["peak"]), None))
    gui = r.get("gui")
    if gui is not None and not err("gui", gui):
        launch = gui["launch"]
        out.append(("GUI: first paint", fmt_s(launch["first_paint_s"]), "first_paint_s"))
        out.append(("GUI: python imports (of first paint)", fmt_s(launch["imports_s"]), None))
        out.append(("GUI: on-screen thumbnails", fmt_s(launch["thumbnails_s"]), None))
        out.append(("GUI: every row read (background)", fmt_s(launch["all_rows_s"]), None))
        if "scroll" in gui:
            g = gui["scroll"]["gaps"]
            out.append(("GUI: scroll stall p99", fmt_ms(g["p99"]), "scroll_p99_ms"))
            out.append(("GUI: scroll stall max", fmt_ms(g["max"]), None))
            step_cpu = gui["scroll"]["step_cpu_ms"]["p99"]
            out.append(("GUI: scroll step GUI-thread CPU p99", fmt_ms(step_cpu), None))
        if "label" in gui:
            label = gui["label"]
            out.append(("GUI: label key -> next image p99",
                        fmt_ms(label["shown"]["p99"]), "label_p99_ms"))  # fmt: skip
            out.append(("GUI: label key -> next image p50", fmt_ms(label["shown"]["p50"]), None))
            if "shown_cpu" in label:
                out.append(("GUI: label key, GUI-thread CPU p99",
                            fmt_ms(label["shown_cpu"]["p99"]), None))  # fmt: skip
        review = gui.get("review", {})
        if "error" in review:
            out.append(("GUI: review", review["error"], None))
        elif review:
            out.append(("GUI: review key -> next p99", fmt_ms(review["shown"]["p99"]), None))
            out.append(("GUI: likely mislabels listed", fmt_s(review["load_s"]), None))
        out.append(("GUI: peak RSS (app process)", fmt_gb(gui["peak_rss_app"]), None))
    return out


def numeric(text: str) -> float | None:
    try:
        return float(text.split()[0].rstrip("/s"))
    except (ValueError, IndexError):
        return None


def print_table(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    per_size = {n: dict((m, (v, t)) for m, v, t in rows_for(results[n])) for n in sizes}
    names: list[str] = []
    for n in sizes:
        names += [m for m in per_size[n] if m not in names]
    width = max(len(m) for m in names)
    print(f"\n{'measure':<{width}}" + "".join(f"{n:>14,}" for n in sizes) + "   target at 1M")
    for name in names:
        cells = [per_size[n].get(name, ("–", None))[0] for n in sizes]
        key = next((per_size[n][name][1] for n in sizes if name in per_size[n]), None)
        verdict = ""
        if key:
            limit = TARGETS[key]
            big = per_size[sizes[-1]].get(name, ("–", None))[0]
            value = numeric(big)
            unit = "ms" if key.endswith("_ms") else "s"
            ok = value is not None and value < limit
            verdict = f"< {limit:g} {unit}: " + ("ok" if ok else "MISSED")
        row = f"{name:<{width}}" + "".join(f"{c:>14}" for c in cells)
        print(f"{row}   {verdict}".rstrip())


def measure(n: int, info: dict, args: argparse.Namespace) -> dict:
    project: Path = info["project"]
    wanted = args.measures.split(",")
    results: dict = {}
    if "new" in wanted and n in [int(s) for s in args.new_sizes.split(",") if s]:
        results["new"] = measure_new(info["base"], info["images"], n)
    for name in wanted:
        if name == "new":
            continue
        print(f"  {n:,}: {name} …", file=sys.stderr, flush=True)
        if name in ("scan", "stats"):
            try:
                data, seconds, own, _tree = run_cli(name, str(project))
                results[name] = {"wall_s": seconds, "cpu_s": data["cpu_s"], "peak": own}
                if name == "scan":
                    results[name]["unchanged"] = data["unchanged"]
            except SystemExit as exc:
                results[name] = {"error": str(exc)}
            continue
        drop_caches(project, name)
        results[name] = run_child(name, project, n, args)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--data", type=Path, default=Path("/tmp/labeldesk-scale"))
    parser.add_argument("--measures", default=",".join(MEASURES))
    parser.add_argument("--tree", type=int, default=1_000_000,
                        help="images in the generated tree (at least the largest)")  # fmt: skip
    parser.add_argument("--new-sizes", default="100000",
                        help="sizes at which `labeldesk new` itself is timed")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per measure")
    parser.add_argument("--max-rss", type=float, default=8.0, help="GB per measure")
    parser.add_argument("--presses", type=int, default=30, help="label/review key presses")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--tables", help="print the table of earlier --json files (a,b,...)")
    parser.add_argument("--child", choices=CHILD, help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tables:  # print the table of earlier runs' --json files, side by side
        merged: dict[int, dict] = {}
        for name in args.tables.split(","):
            for n, figures in json.loads(Path(name).read_text()).items():
                merged.setdefault(int(n), {}).update(figures)
        print_table(merged)
        return
    if args.child:
        fn = {"open": child_open, "knn": child_knn, "dups": child_dups, "preds": child_preds,
              "map": child_map}.get(args.child)  # fmt: skip
        result = fn(args.project) if fn else child_gui(args.project, args.n, args.presses)
        result["peak"] = peak_rss()
        print(json.dumps(result))
        sys.stdout.flush()
        os._exit(0)

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"cpus: {os.cpu_count()} (load average {load})  python {sys.version.split()[0]}")
    print("vectors: synthetic (1280-d, clustered by class), written through the real vector "
          "store: embedding 1M images with the CNN on 2 CPU cores would take hours")  # fmt: skip
    sizes = [int(s) for s in args.sizes.split(",")]
    projects = build(args.data, sizes, largest=args.tree)
    for n in sizes:
        built = projects[n]
        print(
            f"project {n:,}: {built['project']} (indexed without decoding in "
            f"{built['index_s']:.0f} s, vectors {built['vectors_s']:.0f} s)"
        )
    results = {}
    for n in sizes:
        results[n] = measure(n, projects[n], args)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str))
    print_table(results)


if __name__ == "__main__":
    main()
