"""The app side of bench_gui.py: runs in a fresh process (``bench_gui.py --driver``),
opens the project as `labeldesk gui PATH` does, measures each phase, returns figures."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from gui_probes import (
    HEARTBEAT_MS,
    Heartbeat,
    PaintProbe,
    percentiles,
    private_settings,
    watch_gc,
)
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest


class AppUnderTest:
    """The app in this process, opened on a project the way `labeldesk gui PATH` does."""

    def __init__(self, project: Path, args: argparse.Namespace):
        from labeldesk.gui.threads import reserve_a_core

        reserve_a_core()  # as `labeldesk gui` does, before the GUI's imports
        from labeldesk.gui import preload

        preload.start()  # as `labeldesk gui` does: pandas on a second thread
        from labeldesk.gui.app import create_application
        from labeldesk.gui.main_window import MainWindow

        self.t_imported = time.time()
        self.args = args
        self.gc_pauses = watch_gc()
        self.t_gc = time.perf_counter()
        private_settings()  # not the user\'s; removed at exit
        self.app = create_application([sys.argv[0]])
        self.window = MainWindow()
        width, height = (int(v) for v in args.window.lower().split("x"))
        self.window.resize(width, height)
        self.t_window = time.time()
        start = time.perf_counter()
        self.profiled("open", lambda: self.window.open_initial(project))
        # The GUI thread's longest stall in the open: the call itself (the event loop
        # does not run in it), or the longest gap between event-loop turns while a
        # project found damaged before is checked off the GUI thread before it opens.
        self.open_stall_s = time.perf_counter() - start
        self.open_stall_s = max(self.open_stall_s, self.longest_turn(
            lambda: self.window.view is not None or not getattr(self.window, "checking", False),
            300,
        ))  # fmt: skip
        self.t_opened = time.time()
        view = self.window.view
        assert view is not None, f"could not open {project}"
        self.view, self.grid, self.model = view, view.grid, view.model
        self.grid_probe = PaintProbe(self.grid.viewport(), self.grid.viewportEvent, self.has_rows)
        self.preview = view.detail.preview
        self.preview_probe = PaintProbe(self.preview, self.preview.event, self.preview.has_image)

    # -- helpers ---------------------------------------------------------------------
    def has_rows(self) -> bool:
        return self.model.rowCount() > 0

    def wait_until(self, done: Callable[[], object], timeout_s: float) -> bool:
        """Run the event loop until ``done()``; False on timeout."""
        deadline = time.perf_counter() + timeout_s
        while not done():
            if time.perf_counter() > deadline:
                return False
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            if not done():
                time.sleep(0.001)
        return True

    def longest_turn(self, done: Callable[[], object], timeout_s: float) -> float:
        """Run the event loop until ``done()``: the longest time between two of its turns."""
        deadline = time.perf_counter() + timeout_s
        longest, last = 0.0, time.perf_counter()
        while not done() and time.perf_counter() < deadline:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now
            time.sleep(0.001)
            last = time.perf_counter()
        return longest

    def pump(self, seconds: float) -> None:
        self.wait_until(lambda: False, seconds)

    def profiled(self, phase: str, fn: Callable[[], object]) -> object:
        """Run ``fn``, under cProfile (GUI thread only) if --profile names ``phase``."""
        if self.args.profile != phase:
            return fn()
        import cProfile
        import pstats

        profile = cProfile.Profile()
        result = profile.runcall(fn)
        stats = pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(35)
        stats.sort_stats("tottime").print_stats(20)
        return result

    def on_screen_rows(self) -> list[int]:
        area = self.grid.viewport().rect()
        return [
            r
            for r in self.grid.visible_rows()
            if self.grid.visualRect(self.model.index(r)).intersects(area)
        ]

    def thumbnails_painted(self, timeout_s: float = 60) -> float | None:
        """perf_counter() when the grid painted every on-screen tile's thumbnail."""
        loaded: list[float] = []

        def all_loaded() -> bool:
            tiles = [self.model.tile(r) for r in self.on_screen_rows()]
            if not loaded and all(t.pixmap is not None or t.failed for t in tiles):
                loaded.append(time.perf_counter())
            return bool(loaded)

        if not self.wait_until(all_loaded, timeout_s):
            return None
        self.grid.viewport().update()  # a no-op if a paint is already due
        self.wait_until(lambda: self.grid_probe.first_after(loaded[0]), timeout_s)
        return self.grid_probe.first_after(loaded[0])

    # -- 1. launch -------------------------------------------------------------------
    def launch(self, t0: float) -> dict:
        """Show the window; seconds from process start (``t0``) to each milestone."""
        self.window.show()
        t_shown = time.time()
        self.wait_until(lambda: self.grid_probe.first_after(0.0), 60)
        to_wall = time.time() - time.perf_counter()
        first_paint = self.grid_probe.first_after(0.0)
        thumbnails = self.thumbnails_painted()
        # A big project paints its first rows, then reads the rest in the background:
        # the later phases measure the whole list.
        self.wait_until(lambda: not (self.view.fill_job and self.view.fill_job.running), 300)
        all_rows = time.time() - t0
        self.window.activateWindow()
        self.grid.setFocus()
        return {
            "rows": self.model.rowCount(),
            "imports_s": self.t_imported - t0,
            "window_s": self.t_window - t0,
            "opened_s": self.t_opened - t0,
            "open_stall_s": self.open_stall_s,
            "shown_s": t_shown - t0,
            "first_paint_s": None if first_paint is None else first_paint + to_wall - t0,
            "thumbnails_s": None if thumbnails is None else thumbnails + to_wall - t0,
            "all_rows_s": all_rows,
            "on_screen_tiles": len(self.on_screen_rows()),
        }

    # -- 2. scrolling ----------------------------------------------------------------
    def scroll(self) -> dict:
        """Top to bottom, a step per 16 ms timer tick, each step painted at once."""
        bar = self.grid.verticalScrollBar()
        step = max(1, int(bar.pageStep() * self.args.scroll_page))
        bar.setValue(0)
        self.pump(0.2)
        step_ms: list[float] = []
        step_cpu_ms: list[float] = []
        loop = QEventLoop()
        stepper = QTimer(interval=HEARTBEAT_MS)
        stepper.setTimerType(Qt.TimerType.PreciseTimer)

        def next_step() -> None:
            if bar.value() >= bar.maximum():
                stepper.stop()
                loop.quit()
                return
            t, cpu = time.perf_counter(), time.thread_time()
            bar.setValue(min(bar.maximum(), bar.value() + step))
            self.grid.viewport().repaint()  # every step painted, as in a kinetic fling
            step_ms.append((time.perf_counter() - t) * 1000)
            step_cpu_ms.append((time.thread_time() - cpu) * 1000)

        stepper.timeout.connect(next_step)
        beat = Heartbeat()
        start = time.perf_counter()
        beat.start()
        stepper.start()
        loop.exec()
        gaps = beat.stop()
        stopped = time.perf_counter()
        settled = self.thumbnails_painted(30)
        return {
            "gaps": gaps,
            "steps": len(step_ms),
            "step_px": step,
            "range_px": bar.maximum(),
            "seconds": stopped - start,
            "step_ms": percentiles(step_ms),
            "step_cpu_ms": percentiles(step_cpu_ms),
            "thumbnails_after_stop_ms": None if settled is None else (settled - stopped) * 1000,
        }

    # -- 3. embedding in the background ---------------------------------------------------
    def embed(self) -> dict:
        """Heartbeat while Compute embeddings runs, then Cancel and time the end."""
        job = self.window.compute_embeddings()
        if job is None:
            return {"error": "the embedding job did not start"}
        progress: list[tuple[float, int, int, str]] = []
        job.progress.connect(lambda d, n, m: progress.append((time.perf_counter(), d, n, m)))
        ended: list[float] = []
        job.ended.connect(lambda: ended.append(time.perf_counter()))
        beat = Heartbeat()
        start = time.perf_counter()
        beat.start()
        self.wait_until(lambda: ended, self.args.embed_seconds)
        running = beat.stop()
        beat.start()
        t_cancel = time.perf_counter()
        job.cancel()
        self.wait_until(lambda: ended, 120)
        cancelling = beat.stop()

        def phase_at(offset: float) -> str:  # "starting", "loading" (the model), "embedding"
            seen = [m for t, _, _, m in progress if t - start <= offset]
            return (seen[-1] if seen else "starting").split(" ")[0]

        by_phase: dict[str, list[float]] = {}
        for offset, gap, _cpu in running["stalls"]:
            by_phase.setdefault(phase_at(offset), []).append(gap)
        embedding = [p for p in progress if p[3] == "embedding"]
        first, last = (embedding[0], embedding[-1]) if embedding else (None, None)
        rate = None
        if first and last and last[0] > first[0]:
            rate = (last[1] - first[1]) / (last[0] - first[0])
        return {
            "gaps": running,
            "cancel_gaps": cancelling,
            "seconds": t_cancel - start,
            "model_ready_s": first[0] - start if first else None,
            "embedded": last[1] if last else 0,
            "todo": last[2] if last else None,
            "images_per_s": rate,
            "ended_before_cancel": bool(ended) and ended[0] <= t_cancel,
            "cancel_s": ended[0] - t_cancel if ended else None,
            "stalls_by_phase": {k: (len(v), max(v)) for k, v in by_phase.items()},
        }

    # -- 4. label key -> next image --------------------------------------------------------
    def label_keys(self) -> dict:
        """Press "1" on one selected tile, N times; the labels are undone afterwards."""
        presses, rows = self.args.presses, self.model.rowCount()
        self.grid.select_row(max(0, min(rows - presses - 2, rows // 2)))
        self.grid.setFocus()
        self.thumbnails_painted(20)
        self.wait_until(self.preview.has_image, 10)
        handled, grid_ms, shown_ms, shown_cpu_ms = [], [], [], []
        misses = 0
        for _ in range(presses):
            self.pump(self.args.press_interval)  # an annotator's pace
            row = int(self.grid.selected_rows()[0])
            t, cpu = time.perf_counter(), time.thread_time()
            QTest.keyClick(self.grid, Qt.Key.Key_1)  # runs the shortcut synchronously
            t_handled = time.perf_counter()
            if list(self.grid.selected_rows()) != [row + 1]:
                misses += 1
                continue
            handled.append((t_handled - t) * 1000)

            def next_image_painted(since: float = t) -> bool:
                """The grid repainted, and the detail panel painted the next image."""
                grid, preview = self.grid_probe, self.preview_probe
                return (
                    grid.first_after(since) is not None and preview.first_after(since) is not None
                )

            shown = self.wait_until(next_image_painted, 10)
            # the GUI thread's own CPU time for it: the latency on a machine where that
            # thread has a core (this one may be shared)
            shown_cpu_ms.append((time.thread_time() - cpu) * 1000)
            t_grid, t_preview = self.grid_probe.first_after(t), self.preview_probe.first_after(t)
            if shown and t_grid is not None and t_preview is not None:
                grid_ms.append((t_grid - t) * 1000)
                shown_ms.append((max(t_grid, t_preview) - t) * 1000)
        for _ in range(presses - misses):
            self.view.labeling.undo()
        return {
            "handled": percentiles(handled),
            "grid": percentiles(grid_ms),
            "shown": percentiles(shown_ms),
            "shown_cpu": percentiles(shown_cpu_ms),
            "shown_ms": [round(v, 1) for v in shown_ms],
            "misses": misses,
        }

    # -- 5. review key -> next image --------------------------------------------------
    def review_keys(self) -> dict:
        """Review likely mislabels: Space (keep) on N images, each timed until the next
        image is painted in the review view; the decisions are undone afterwards."""
        view = self.window.review.start("issues")
        if view is None:
            return {"error": "review did not open"}
        failed: list[str] = []
        view.loadFailed.connect(failed.append)
        t_load = time.perf_counter()
        self.wait_until(lambda: view.session is not None or failed, 300)
        load_s = time.perf_counter() - t_load
        session = view.session
        if session is None or len(session.items) < 2:
            return {"error": failed[0] if failed else "no likely mislabels to review"}
        probe = PaintProbe(view.image, view.image.event, lambda: not view.image.pixmap().isNull())
        self.wait_until(lambda: probe.first_after(0.0), 10)
        presses = min(self.args.presses, len(session.items) - 1)
        handled, shown = [], []
        for _ in range(presses):
            self.pump(self.args.press_interval)
            before = session.current
            t = time.perf_counter()
            QTest.keyClick(view, Qt.Key.Key_Space)  # keep: saved, then the next image
            handled.append((time.perf_counter() - t) * 1000)
            if session.current is None or session.current is before:
                break
            if self.wait_until(lambda since=t: probe.first_after(since), 10):
                painted = probe.first_after(t)
                assert painted is not None
                shown.append((painted - t) * 1000)
        for _ in range(len(handled)):
            view.undo()
        self.window.review.leave()
        return {
            "load_s": load_s,
            "items": len(session.items),
            "handled": percentiles(handled),
            "shown": percentiles(shown),
        }

    def run(self, t0: float) -> dict:
        results: dict = {"launch": self.launch(t0)}
        phases = self.args.phases.split(",")
        for phase, measure in (
            ("scroll", self.scroll),
            ("label", self.label_keys),
            ("embed", self.embed),  # late: it leaves torch loaded and the CPU warm
            ("review", self.review_keys),  # needs embeddings: a first run's embed makes some
        ):
            if phase in phases:
                self.pump(0.5)
                results[phase] = self.profiled(phase, measure)
        results["gc_pauses"] = [
            (round(t - self.t_gc, 2), round(ms, 1), gen, main)
            for t, ms, gen, main in self.gc_pauses
        ]
        self.window.close()
        return results
