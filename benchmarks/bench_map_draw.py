"""The embedding map's drawing at a million points: GUI-thread CPU of each thing the
user does on it.

Opens the map page offscreen (``MapView``, ``--size`` pixels) on synthetic points (10
clustered classes, 5 % unlabeled, as ``bench_map_follow.py`` places them; no project
read, no image), then times, on the GUI thread, each of:

- set points: the points handed to the map (not drawing; its hover tree, built on the
  GUI thread before, is built on a worker thread);
- first draw: coloured by label and painted (the picture of a big map worked out by a
  job since session 49: its GUI-thread CPU counted until it is drawn, the job's not);
- repaint: one more paint of the same view, nothing changed;
- pan, zoom: the view moved by a tenth of its width, zoomed in 20 %;
- hover: the mouse over a point (its card shown) and over another;
- restyle one label: one point's label changed (as a key on the map page does);
- full recolour: coloured by label fit (every point's colour changes; the worst fits drawn
  on top, in the order the colouring's job makes with the scores, timed apart);
- box select: a box over half the map (the selection drawn);
- a drag: the view panned a little at every 16 ms tick for ``--drag`` seconds; how many
  moves ran a second (at most 62) and how many paints.

Each is the action, then the event loop run for ``--settle`` seconds (whatever the map
deferred, a debounced redraw, runs then), measured as the GUI thread's CPU time
(``time.thread_time``) over both, so an idle loop counts nothing. The map draws above
``map_raster.RASTER_MIN_POINTS`` points as an image; ``--path scatter`` raises that
threshold so the same run measures the per-point scatter (the code before), and a
checkout without ``map_raster`` (``PYTHONPATH`` at it) is measured as it is. The
project it makes (in a ``labeldesk-bench-map-draw-*`` temporary folder) is removed at
the end.

    python benchmarks/bench_map_draw.py                     # 1M, both paths, one process each
    python benchmarks/bench_map_draw.py --path raster --points 200000
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

CLASSES = [f"c{k}" for k in range(10)]


def synthetic_points(n: int) -> object:
    from labeldesk.ml.map_data import MapPoints

    rng = np.random.default_rng(0)
    klass = rng.integers(0, 10, size=n)
    centres = rng.normal(scale=8, size=(10, 2))
    xy = (centres[klass] + rng.normal(size=(n, 2))).astype(np.float32)
    labels = np.where(np.arange(n) % 20 == 19, -1, klass).astype(np.int64)
    paths = [f"train/c{k}/img{i:07d}.png" for i, k in enumerate(klass.tolist())]
    return MapPoints(paths, xy, labels, CLASSES, np.arange(n, dtype=np.int64))


def drag(
    widget: object, pump: Callable[[float], None], step: float, seconds: float
) -> tuple[int, int]:
    """Pan by ``step`` at each 16 ms tick for ``seconds``, as a mouse drag does; return
    how many moves ran (a slow paint delays the ticks) and how many paints ended."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    viewport = widget.plot.viewport()  # type: ignore[attr-defined]
    paints = Paints()
    viewport.installEventFilter(paints)
    moves = [0]

    def move() -> None:
        moves[0] += 1
        widget.viewbox.translateBy(x=step)  # type: ignore[attr-defined]

    tick = QTimer(interval=16)
    tick.timeout.connect(move)
    tick.start()
    pump(seconds)
    tick.stop()
    viewport.removeEventFilter(paints)
    return moves[0], paints.count


def measure(args: argparse.Namespace) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QPointF, QRectF, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from labeldesk.core.project import Project
    from labeldesk.gui import map_view

    try:
        from labeldesk.gui import map_raster
    except ImportError:  # the code before the raster path
        map_raster = None  # type: ignore[assignment]
        path = "scatter (no raster path in this checkout)"
    else:
        if args.path == "scatter":
            map_raster.RASTER_MIN_POINTS = 10**12
        path = "scatter" if args.path == "scatter" else "raster"

    qInstallMessageHandler(
        lambda kind, context, text: (
            None if "propagateSizeHints" in text else print(text, file=sys.stderr)
        )
    )
    app = QApplication.instance() or QApplication([sys.argv[0]])  # (kept while it runs)
    tmp = Path(tempfile.mkdtemp(prefix="labeldesk-bench-map-draw-"))
    try:
        (tmp / "images").mkdir()
        project = Project.create(tmp / "project", tmp / "images", classes=CLASSES)
        widget = map_view.MapView(project)
        width, height = (int(v) for v in args.size.split("x"))
        widget.resize(width, height)
        widget.show()
        points = synthetic_points(args.points)
        rows: list[tuple[str, float, float, str]] = []
        raster = getattr(widget, "raster", None)

        def made() -> int:
            return int(getattr(raster, "images_made", 0)) if map_raster is not None else 0

        def pump(seconds: float) -> None:
            loop = QEventLoop()
            QTimer.singleShot(int(seconds * 1000), loop.quit)
            loop.exec()

        def drawn() -> None:
            """(A new map's picture worked out by a job: until it is drawn.)"""
            deadline = time.perf_counter() + 60
            while getattr(raster, "pending", None) is not None and time.perf_counter() < deadline:
                pump(0.01)

        def timed(name: str, action: Callable[[], object], settle: float = args.settle) -> None:
            pump(0.2)  # whatever the last step left
            images = made()
            cpu, wall = time.thread_time(), time.perf_counter()
            action()
            widget.plot.viewport().repaint()  # the paint the action asked for, now
            wall = time.perf_counter() - wall
            drawn()
            pump(settle)
            images = made() - images
            rows.append(
                (name, time.thread_time() - cpu, wall, f"{images:>6d}" if path == "raster" else "")
            )

        pump(0.5)
        timed("set points (hover tree)", lambda: widget._set_points(points, keep_view=False))
        if hasattr(widget, "_draw_order"):  # in the app a read makes it, off the GUI thread
            timed("drawing order (read's, worker)", widget._draw_order)
        timed("first draw (by label)", widget.recolor)
        timed("repaint, nothing changed", lambda: None)
        vb = widget.viewbox
        (x0, x1), _ = vb.viewRange()
        timed("pan a tenth of the view", lambda: vb.translateBy(x=(x1 - x0) / 10))
        timed("zoom in 20 %", lambda: vb.scaleBy((0.8, 0.8)))
        xy = points.xy  # type: ignore[attr-defined]
        (vx0, vx1), (vy0, vy1) = vb.viewRange()
        inside = np.flatnonzero(
            (xy[:, 0] > vx0) & (xy[:, 0] < vx1) & (xy[:, 1] > vy0) & (xy[:, 1] < vy1)
        )
        for k, row in enumerate(inside[:2]):
            scene = vb.mapViewToScene(QPointF(float(xy[row, 0]), float(xy[row, 1])))
            timed(f"hover a point ({k + 1})", lambda scene=scene: widget._hover(scene))
        widget.hover_card.hide()

        def restyle_one() -> None:
            data = widget.data
            labels = data.labels.copy()
            labels[inside[0]] = (labels[inside[0]] + 1) % 10
            widget.data = dataclasses.replace(data, labels=labels)
            widget.recolor()

        timed("restyle one label", restyle_one)
        scores = np.random.default_rng(1).random(len(xy))
        widget._extra["issue"] = scores  # as the colouring's job leaves them
        fit_order = getattr(sys.modules.get("labeldesk.gui.map_colors"), "fit_order", None)
        if fit_order is not None:  # with the order it makes for them, off the GUI thread

            def fit_order_made() -> None:
                widget._fit_order = (scores, fit_order(widget._draw_order(), scores))

            timed("fit order (colouring's, worker)", fit_order_made)

        def by_fit() -> None:
            widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))

        timed("full recolour (label fit)", by_fit)
        (mx0, my0), (mx1, my1) = xy.min(axis=0), xy.max(axis=0)
        box = QRectF(float(mx0), float(my0), float(mx1 - mx0) / 2, float(my1 - my0))
        timed("box select half the map", lambda: widget.select_rect(box))
        timed("repaint with the selection", lambda: None)
        timed("pan with the selection", lambda: vb.translateBy(x=-(x1 - x0) / 10))
        moves, paints = drag(widget, pump, (x1 - x0) / 200, args.drag)
        dragged = f"{moves / args.drag:.0f} moves/s, {paints / args.drag:.0f} paints/s"

        print(
            f"{len(xy):,} points, {args.size} px, {path}; cpus {os.cpu_count()}, "
            f"load {os.getloadavg()[0]:.1f}"
        )
        images = " images" if path == "raster" else ""
        print(f"  {'':34s} {'GUI CPU s':>9s} {'wall s':>7s}{images}  (wall: action + its paint)")
        for name, cpu, wall, count in rows:
            print(f"  {name:34s} {cpu:9.3f} {wall:7.3f} {count}")
        print(f"  dragged {args.drag:g} s (a move due every 16 ms): {dragged}")
        sys.stdout.flush()
        widget.shutdown()
        project.close()
        app.processEvents()
    finally:  # (also when a step fails)
        shutil.rmtree(tmp, ignore_errors=True)
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--size", default="1200x800", help="the map page's size in pixels")
    parser.add_argument("--settle", type=float, default=0.5, help="event loop after each step")
    parser.add_argument("--drag", type=float, default=3.0, help="seconds of a continuous pan")
    parser.add_argument(
        "--path", choices=("both", "raster", "scatter"), default="both", help="both: one each"
    )
    args = parser.parse_args()
    if args.path != "both":
        measure(args)
        return
    for path in ("scatter", "raster"):  # each in a fresh process: no shared caches
        command = [sys.executable, __file__, "--path", path, "--points", str(args.points)]
        command += ["--size", args.size, "--settle", str(args.settle), "--drag", str(args.drag)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
