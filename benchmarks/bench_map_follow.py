"""The embedding map on screen while labels change, at 1M images: its background CPU.

A map on screen follows the project: a label changed by a colleague (another process,
seen at the app's next look, every 1.5 s) makes it read its points again in the
background, ~9 s of CPU at 1M images. This opens a big synthetic project's map
(offscreen, in this process, wired to a :class:`ProjectSession` the way the window wires
it), then for ``--seconds`` someone labels one image every ``--every`` seconds:

- ``--who colleague``: another process (``Project.set_label`` in a loop), as a colleague
  labeling the same project;
- ``--who own``: this process, as Edit → Undo or a Classes → key does on the map page.

When the labeling stops, it waits until the map shows every change (or ``--drain``
seconds). It prints how many times the map was read again, the CPU those reads and the
colourings took on the worker thread, the CPU the map's own code took on the GUI thread,
the whole process's CPU, the longest GUI stall (16 ms heartbeat), how long after the last
change the map showed it, and whether the final map shows every change.

The project is built once under ``--data`` (rows without image files, as
bench_id_lookup.py does, 10 classes, 5 % unlabeled; 8-dimensional vectors through the
real store; a cached "umap" map of random clustered points written where the app looks
for it): a re-read never decodes an image or reads a vector, so neither is needed to
time it. Building 1M takes ~2 minutes and ~0.5 GB.

    python benchmarks/bench_map_follow.py                          # 1M, 60 s, one a second
    python benchmarks/bench_map_follow.py --images 200000 --seconds 30 --who own
    python benchmarks/bench_map_follow.py --images 100000 --switch 2   # page switches

Before/after a change to the map: run it with ``PYTHONPATH`` set to a checkout of each
(the script only needs the app's public pieces). Timings on a shared machine are noisy;
the CPU figures much less than the wall-clock ones.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

CLASSES = [f"c{k}" for k in range(10)]
DIM = 8  # the map reads no vector: any width will do
CHUNK = 100_000
IDENTITY = ("synthetic-map", "clusters", "0" * 64)

COLLEAGUE = """
import sys, time, json
from labeldesk.core.project import open_project
project_path, paths = sys.argv[1], sys.argv[4:]
seconds, every = float(sys.argv[2]), float(sys.argv[3])
classes = [f"c{k}" for k in range(10)]
with open_project(project_path) as p:
    ids = p.ids_for(paths)
    print("ready", flush=True)
    sys.stdin.readline()
    start, i = time.time(), 0
    while time.time() - start < seconds:
        path = paths[i % len(paths)]
        now = p.image_states([ids[path]])[0].label  # another class each time: a change
        label = classes[(classes.index(now) + 1) % 10 if now in classes else 0]
        p.set_label(path, label)
        print(json.dumps([path, label, time.time()]), flush=True)
        i += 1
        time.sleep(max(0.0, start + i * every - time.time()))
print("done", flush=True)
"""


# -- the project ---------------------------------------------------------------------
def path_of(i: int) -> str:
    return f"_unlabeled/img{i:07d}.png" if i % 20 == 19 else f"train/c{i % 10}/img{i:07d}.png"


def build(data: Path, n: int) -> Path:
    """The n-image project (made once): rows, vectors and a cached map."""
    from labeldesk.core.project import Project, open_project
    from labeldesk.ml.backbones import ModelIdentity
    from labeldesk.ml.projection import map_cache_path
    from labeldesk.ml.store import embedded_images, embeddings_dir
    from labeldesk.ml.vectors import VectorStore

    base = data / f"n{n}"
    project_path = base / "project"
    if (base / "built.json").exists():
        return project_path
    import shutil

    shutil.rmtree(base, ignore_errors=True)
    (base / "images").mkdir(parents=True)
    start = time.perf_counter()
    project = Project.create(project_path, base / "images", classes=CLASSES)
    project.close()
    now = time.time()
    with open_project(project_path) as p:
        for s in range(0, n, CHUNK):
            rows = [
                (path_of(i), f"{i:032x}", None if i % 20 == 19 else f"c{i % 10}", now)
                for i in range(s, min(n, s + CHUNK))
            ]
            with p.db.write() as conn:  # a benchmark's fixture: rows without files
                conn.executemany(
                    "INSERT INTO images(path, size, mtime_ns, hash, width, height, format, "
                    "mode, frames, label, indexed_at) VALUES (?, 1, 0, ?, 24, 24, 'PNG', "
                    "'RGB', 1, ?, ?)",
                    rows,
                )
        identity = ModelIdentity(*IDENTITY)
        store = VectorStore.for_identity(embeddings_dir(p), identity, DIM)
        rng = np.random.default_rng(0)
        with VectorStore.writer(store.folder, DIM) as writer:
            for s in range(0, n, CHUNK):
                ids = np.arange(s, min(n, s + CHUNK))
                writer.append([f"{i:032x}" for i in ids], rng.normal(size=(len(ids), DIM)))
        (store.folder / "spec.json").write_text(json.dumps({"spec": IDENTITY[0]}))
        p.db.set_meta("embedding_key", identity.key)
        images = embedded_images(p)
        content = np.array([bytes.fromhex(h) for h in images.hashes], dtype=bytes)
        order = np.argsort(content)
        klass = np.array([int(h, 16) % 10 for h in images.hashes])
        centres = rng.normal(scale=8, size=(10, 2))
        xy = (centres[klass] + rng.normal(size=(len(klass), 2))).astype(np.float32)
        with open(map_cache_path(p, images, "umap"), "wb") as f:  # as the app caches a fit
            np.savez(f, content=content[order], xy=xy[order])
    seconds = time.perf_counter() - start
    (base / "built.json").write_text(json.dumps({"images": n, "seconds": seconds}))
    print(f"built {n:,} images in {seconds:.0f} s", file=sys.stderr)
    return project_path


# -- measuring -----------------------------------------------------------------------
class Meter:
    """CPU seconds spent in some functions, on whichever thread called them."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def wrap(self, owner: object, name: str, label: str) -> None:
        real = getattr(owner, name)
        meter = self

        def measured(*args: object, **kwargs: object) -> object:
            start = time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                with meter.lock:
                    meter.cpu[label] = meter.cpu.get(label, 0.0) + time.thread_time() - start
                    meter.calls[label] = meter.calls.get(label, 0) + 1

        measured.__signature__ = inspect.signature(real)  # type: ignore[attr-defined]
        setattr(owner, name, measured)

    def snapshot(self) -> tuple[dict[str, float], dict[str, int]]:
        with self.lock:
            return dict(self.cpu), dict(self.calls)


def run(project_path: Path, args: argparse.Namespace) -> None:
    from gui_probes import Heartbeat, private_settings
    from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from labeldesk.core.project import open_project
    from labeldesk.gui import map_view
    from labeldesk.gui.session import ProjectSession

    private_settings()  # not the user\'s; removed at exit
    qInstallMessageHandler(  # the offscreen platform says this at each show
        lambda kind, context, text: (
            None if "propagateSizeHints" in text else print(text, file=sys.stderr)
        )
    )
    app = QApplication.instance() or QApplication([sys.argv[0]])  # (kept while it runs)
    meter = Meter()
    meter.wrap(map_view, "map_points", "read")  # the background re-read, on the worker
    meter.wrap(map_view, "map_change", "compare")
    meter.wrap(map_view, "point_values", "colouring")

    def pump(seconds: float, until: Callable[[], bool] = lambda: False) -> bool:
        """Run the event loop (idle between events, unlike a processEvents() loop that
        would spend CPU of its own) until ``until()``, looked at every 50 ms."""
        deadline = time.perf_counter() + seconds
        loop = QEventLoop()
        check = QTimer(interval=50)
        check.timeout.connect(lambda: (until() or time.perf_counter() > deadline) and loop.quit())
        if until():
            return True
        check.start()
        loop.exec()
        check.stop()
        return bool(until())

    project = open_project(project_path)
    session = ProjectSession(project)
    widget = map_view.MapView(project, runner=session.runner)
    takes_changes = len(inspect.signature(widget.project_changed).parameters) > 0

    def follow(changes: object) -> None:  # as ProjectPages._changed does
        widget.project_changed(changes) if takes_changes else widget.project_changed()

    session.changed.connect(follow)
    widget.resize(1200, 800)
    widget.show()
    start = time.perf_counter()
    widget.refresh()
    pump(600, lambda: widget.data is not None and widget.job is None)
    assert widget.data is not None, widget.status.text()
    n = len(widget.data.paths)
    print(
        f"map of {n:,} points read in {time.perf_counter() - start:.1f} s "
        f"(first read, not counted); cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    rng = np.random.default_rng(1)
    paths = [widget.data.paths[i] for i in rng.choice(n, size=200, replace=False)]

    changes: list[tuple[str, str, float]] = []
    colleague: subprocess.Popen[str] | None = None
    timer = QTimer()
    if args.who == "colleague":
        cmd = [sys.executable, "-c", COLLEAGUE, str(project_path), str(args.seconds),
               str(args.every), *paths]  # fmt: skip
        colleague = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert colleague.stdout is not None and colleague.stdin is not None
        assert colleague.stdout.readline().strip() == "ready"
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.extend(iter(colleague.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
    else:
        ids = project.ids_for(paths)

        def label_one() -> None:
            path = paths[len(changes) % len(paths)]
            now = project.image_states([ids[path]])[0].label  # another class: a change
            label = CLASSES[(CLASSES.index(now) + 1) % 10 if now in CLASSES else 0]
            project.set_label(path, label)  # as a key or an undo: an event of this window
            changes.append((path, label, time.time()))

        timer.timeout.connect(label_one)

    beat = Heartbeat()
    pump(1.0)
    cpu0, calls0 = meter.snapshot()
    process0, wall0, gui0 = time.process_time(), time.perf_counter(), time.thread_time()
    beat.start()
    if colleague is not None:
        assert colleague.stdin is not None
        colleague.stdin.write("go\n")
        colleague.stdin.flush()
        pump(args.seconds + 30, lambda: colleague.poll() is not None)
        reader.join(5)
        for line in lines:
            if line.startswith("["):
                path, label, at = json.loads(line)
                changes.append((path, label, at))
    else:
        timer.start(int(args.every * 1000))
        pump(args.seconds)
        timer.stop()
    labeling_s = time.perf_counter() - wall0
    process_labeling = time.process_time() - process0
    cpu_labeling, calls_labeling = meter.snapshot()
    last: dict[str, str] = {}
    for path, label, _ in changes:
        last[path] = label
    last_at = max(at for _, _, at in changes)
    ids = project.ids_for(list(last))
    wanted = np.array([ids[p] for p in last], dtype=np.int64)
    rows_of: dict[int, np.ndarray] = {}  # by id() of the map's ids (kept alive by the map)

    def shown() -> bool:
        """Whether the map, idle, shows each changed image with its last label."""
        data = widget.data
        if data is None or widget.job is not None:
            return False
        if id(data.ids) not in rows_of:
            order = np.argsort(data.ids)
            rows_of.clear()
            rows_of[id(data.ids)] = order[np.searchsorted(data.ids, wanted, sorter=order)]
        codes = data.labels[rows_of[id(data.ids)]]
        names = [data.classes[c] if c >= 0 else None for c in codes]
        return names == list(last.values())

    caught_up = pump(args.drain, shown)
    lag = time.time() - last_at
    gaps = beat.stop()
    process_cpu = time.process_time() - process0
    gui_cpu = time.thread_time() - gui0
    cpu, calls = meter.snapshot()

    def delta(d: dict, d0: dict, key: str) -> float:
        return d.get(key, 0) - d0.get(key, 0)

    worker = sum(delta(cpu, cpu0, k) for k in ("read", "compare", "colouring"))
    print(
        f"{args.who} labeled {len(changes)} images in {labeling_s:.0f} s "
        f"(one every {args.every:g} s) with the map of {n:,} points on screen:",
        flush=True,
    )
    print(
        f"  while labeling : {int(delta(calls_labeling, calls0, 'read'))} re-reads, "
        f"{sum(delta(cpu_labeling, cpu0, k) for k in ('read', 'compare', 'colouring')):.1f} s "
        f"worker CPU, process CPU {process_labeling:.1f} s "
        f"({100 * process_labeling / labeling_s:.0f} % of a core)"
    )
    print(
        f"  until caught up: {int(delta(calls, calls0, 'read'))} re-reads in all "
        f"(+{int(delta(calls, calls0, 'colouring'))} colourings), {worker:.1f} s worker CPU "
        f"(reads {delta(cpu, cpu0, 'read'):.1f} s), GUI thread CPU {gui_cpu:.1f} s, "
        f"process CPU {process_cpu:.1f} s"
    )
    print(
        f"  last change shown {'after' if caught_up else 'NOT within'} {lag:.1f} s; final "
        f"map shows every change: {'yes' if shown() else 'NO'}; longest GUI stall "
        f"{gaps['max'] / 1000:.2f} s",
        flush=True,
    )
    widget.shutdown()
    session.close()
    app.processEvents()


def switches(project_path: Path, args: argparse.Namespace) -> None:
    """``--switch N``: no one labels; the map page is left for another page and shown
    again N times, through the app's own pages (``ProjectPages.show_map``) on a plain
    stack of pages, and the CPU that takes is printed (each show read the whole map
    again before the map read only what changed)."""
    from gui_probes import private_settings
    from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication, QLabel, QStackedWidget

    from labeldesk.core.project import open_project
    from labeldesk.gui import map_view
    from labeldesk.gui.pages import ProjectPages
    from labeldesk.gui.session import ProjectSession
    from labeldesk.gui.shell import StackedPages

    private_settings()  # not the user\'s; removed at exit
    qInstallMessageHandler(
        lambda kind, context, text: (
            None if "propagateSizeHints" in text else print(text, file=sys.stderr)
        )
    )
    app = QApplication.instance() or QApplication([sys.argv[0]])  # (kept while it runs)
    meter = Meter()
    meter.wrap(map_view, "map_points", "read")

    class Shell(StackedPages):
        """The part of the window the pages use: a stack with a browser stand-in."""

        def __init__(self) -> None:
            self.stack, self.browser, self.view = QStackedWidget(), QLabel("browser"), None
            self.stack.addWidget(self.browser)

        def show_browser(self) -> None:
            self.stack.setCurrentWidget(self.browser)

        def notify_error(self, text: str, dialog: bool = True) -> None:
            print(text, file=sys.stderr)

        def show_selection(self, *args: object) -> None: ...

    def pump(seconds: float, until: Callable[[], bool] = lambda: False) -> None:
        deadline = time.perf_counter() + seconds
        while not until() and time.perf_counter() < deadline:
            loop = QEventLoop()
            QTimer.singleShot(50, loop.quit)
            loop.exec()

    project = open_project(project_path)
    session = ProjectSession(project)
    shell = Shell()
    pages = ProjectPages(shell)  # type: ignore[arg-type]
    pages.open(session)
    shell.stack.resize(1200, 800)
    shell.stack.show()
    pages.show_map()
    widget = pages.map
    assert widget is not None
    pump(600, lambda: widget.data is not None and widget.job is None)
    assert widget.data is not None, widget.status.text()
    pump(1.0)
    cpu0, calls0 = meter.snapshot()
    process0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(args.switch):
        shell.show_browser()
        pump(0.5)
        pages.show_map()
        pump(0.5)
        pump(600, lambda: widget.job is None)
    process_cpu, wall = time.process_time() - process0, time.perf_counter() - wall0
    cpu, calls = meter.snapshot()
    print(
        f"map of {len(widget.data.paths):,} points shown again {args.switch} times "
        f"(browser -> map): {calls.get('read', 0) - calls0.get('read', 0)} reads, "
        f"worker CPU {cpu.get('read', 0) - cpu0.get('read', 0):.1f} s, process CPU "
        f"{process_cpu:.2f} s, in {wall:.1f} s (0.5 s idle on each page counted); "
        f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    pages.close()
    session.close()
    app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long someone labels")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between labels")
    parser.add_argument("--who", choices=("colleague", "own"), default="colleague")
    parser.add_argument("--drain", type=float, default=120.0, help="wait at most this long after")
    parser.add_argument("--data", type=Path, default=Path("/tmp/labeldesk-map-follow"))
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--switch", type=int, default=0, help="no labeling: show the map again this many times"
    )
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).parent))
    project = build(args.data, args.images)
    if args.switch:
        switches(project, args)
    elif not args.build_only:
        run(project, args)
    from gui_probes import quit_now

    quit_now()


if __name__ == "__main__":
    main()
