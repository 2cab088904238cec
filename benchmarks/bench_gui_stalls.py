"""GUI-thread stalls during user actions on a big project ("the GUI never freezes").

Opens a project in the app (offscreen, in this process, as `labeldesk gui PATH` does)
with a 16 ms heartbeat timer on the GUI thread running throughout, then does one user
action after another, each until the app is idle again (no job running, no rows being
re-read). For each action it prints how long the action's own call took on the GUI
thread (``call``), the longest gap between heartbeat ticks from the action's start until
idle (``max gap``: what a person sees as a freeze), and the time until idle; then the
GUI thread's CPU time in the call and in the longest gap (a gap with little of it was
mostly waiting for a core or for Python's lock), the gaps' 99th percentile, and the GUI
thread's CPU time from the call until idle (the heartbeat's own ticks included).

    python benchmarks/scale_project.py 200000 /tmp/labeldesk-scale     # build once
    python benchmarks/bench_gui_stalls.py /tmp/labeldesk-scale/n200000/project --stacks
    python benchmarks/bench_gui_stalls.py PROJECT --actions undo,redo   # (open always runs)
    python benchmarks/bench_gui_stalls.py PROJECT --profile undo    # cProfile, call to idle

``--stacks``: a watcher thread samples the GUI thread's stack every 50 ms while the
heartbeat has not ticked for 0.25 s, and each action lists where those stalls were (where
the GUI thread is inside Qt or C code, or waiting for the GIL: "(other threads: ...)",
where the app's other threads were, one of them holding the GIL).

Actions, in order: filter_class, filter_all, sort_outlier, sort_path, review_all,
review_class, review_split, review_search (Ctrl+I with the browser not narrowed, then
narrowed to the class with the most likely mislabels, the train split, a path search:
--review-search),
select_all_label
(Ctrl+A then a class key), undo, redo, undo_again, edit_menu, rename_class, merge_class,
remove_class (each undone next), label_key_one, outside_write (another process labels
one image with `labeldesk label`), statistics, map, duplicates, key_with_dups_open (a
label key in the browser with the Duplicates window open), versions, create_version,
busy_key (a key while another process holds the write lock for --hold seconds),
key_in_import (a key while an import job of the window writes every image), then the
pages (gui_stall_pages.py): sort_before_scores (the first scores arriving with the
browser sorted by label fit), rescore (new scores for every image), scores_during_read
(new scores arriving while every image is read again), read_again and read_edited (every
image read again, sorted by label fit; the second where the rescan found 1,000 files
edited), new_matches_while_ordering (the flagged list shown as it is now, Alt+S, while
the new scores' orders are made: gui_stall_reads.py), class_while_ordering and
sort_while_ordering (a class, or another sort, chosen while the job making the new
scores' orders runs), search_key_1..N (each
keystroke of --search-typed in the filter box) and search_key_clear, sort_issue,
sort_confidence, class_sorted, all_sorted, search_sorted_1..2 (a class, all, two keys
of the search, sorted by confidence), select_all_label_2, dups_open,
dups_kind, dups_show_in_browser, versions_open, versions_compare (two versions recorded
first), export_open, export_format, export_option, drift_check (--drift FOLDER), map_open
(a new map page over its cached projection), queue_open, queue_key.
Most changes are undone by the next action; a run leaves a few single labels and a
version behind: run it on a copy. For 1M rows without 1M files, a 200k project's
database can be copied and its image rows repeated under other paths with SQL (the
extra images then show as missing files; timings of the rows, not of thumbnails).
Timings on a shared machine are noisy: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ACTIONS = (
    "open,filter_class,sort_outlier,select_all_label,undo,redo,edit_menu,rename_class,"
    "merge_class,remove_class,outside_write,statistics,map,duplicates,busy_key"
)


class StallSampler:
    """A thread that looks at the GUI thread's stack every 50 ms while the heartbeat has
    not ticked for over ``after_s``: what the GUI thread does in a long stall."""

    def __init__(self, beat: object, after_s: float = 0.25):
        import threading

        self.beat, self.after_s = beat, after_s
        self.samples: dict[str, int] = {}
        self.main = threading.main_thread().ident
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        import threading

        while True:
            time.sleep(0.05)
            ticks = self.beat.ticks  # type: ignore[attr-defined]
            if not ticks or not self.beat.timer.isActive():  # type: ignore[attr-defined]
                continue
            if time.perf_counter() - ticks[-1][0] < self.after_s:
                continue
            frames = sys._current_frames()
            frame = frames.get(self.main)  # type: ignore[arg-type]
            if frame is None:
                continue
            key = self.where(frame)
            if not key:  # in C code, or waiting for the GIL: which other thread holds it
                others = [
                    self.where(other, 3)
                    for ident, other in frames.items()
                    if ident not in (self.main, threading.get_ident())
                ]
                key = "(other threads: " + " | ".join(filter(None, others)) + ")"
            self.samples[key] = self.samples.get(key, 0) + 1

    @staticmethod
    def where(frame: object, depth: int = 6) -> str:
        import traceback

        stack = [
            f"{Path(f.filename).name}:{f.lineno} {f.name}"
            for f in traceback.extract_stack(frame)  # type: ignore[arg-type]
            if "labeldesk" in f.filename or "sqlite" in f.filename
        ][-depth:]
        return " < ".join(reversed(stack))

    def report(self) -> list[tuple[int, str]]:
        out = sorted(((n, k) for k, n in self.samples.items()), reverse=True)
        self.samples = {}
        return out


class Bench:
    def __init__(self, project: Path, args: argparse.Namespace):
        from gui_probes import Heartbeat, private_settings

        from labeldesk.gui.app import create_application
        from labeldesk.gui.main_window import MainWindow

        self.args, self.path = args, project
        private_settings()  # not the user\'s; removed at exit
        self.app = create_application([sys.argv[0]])
        self.window = MainWindow()
        self.window.resize(1400, 900)
        self.window.show()
        self.beat = Heartbeat()
        self.sampler = StallSampler(self.beat) if args.stacks else None
        self.rows: list[tuple[str, float, float, float, str]] = []
        self.holder: subprocess.Popen[bytes] | None = None

    # -- plumbing ------------------------------------------------------------------
    def idle(self) -> bool:
        view = self.window.view
        if self.window.runner.active:
            return False
        if view is None:
            return True
        filling = view.fill_job is not None and view.fill_job.running
        return not (filling or view.rows.busy or view.labeling.writing is not None)

    def pump_until(self, done: Callable[[], object], timeout_s: float) -> bool:
        from PySide6.QtCore import QEventLoop

        deadline = time.perf_counter() + timeout_s
        while not done():
            if time.perf_counter() > deadline:
                return False
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            time.sleep(0.002)
        return True

    def measure(
        self, name: str, action: Callable[[], object], note: str = "", *, idle: bool = True
    ) -> None:
        """Time ``action`` (``idle``: from an idle app; else at once, while jobs run)."""
        if self.args.actions_wanted and name not in self.args.actions_wanted:
            return
        if self.holder is not None:
            self.holder.wait()
            self.holder = None
        if idle:
            self.pump_until(self.idle, 600)
            self.pump_until(lambda: False, 0.3)
        self.beat.start()
        profile = None
        if self.args.profile == name:  # the GUI thread from the call until idle (a job's
            import cProfile  # result handled on it after the call counts too)

            profile = cProfile.Profile()
            profile.enable()
        start, cpu = time.perf_counter(), time.thread_time()
        busy_from = cpu
        action()
        call, cpu = time.perf_counter() - start, time.thread_time() - cpu
        self.pump_until(lambda: False, 0.05)  # let a job start
        settled = self.pump_until(self.idle, 600)
        total = time.perf_counter() - start
        gaps = self.beat.stop()
        busy = time.thread_time() - busy_from  # the GUI thread's CPU from the call until idle
        if profile is not None:
            import pstats

            profile.disable()
            pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        worst = max(call * 1000, gaps["max"])
        # the GUI thread's CPU in the longest gap (little of it: it waited for a core or
        # the GIL): on a busy machine the gap's length is mostly the load
        longest = max(gaps["stalls"], key=lambda s: s[1], default=None)
        gap_cpu = cpu * 1000 if longest is None or call * 1000 >= longest[1] else longest[2]
        note = f"(CPU: call {cpu:.2f} s, longest gap {gap_cpu / 1000:.2f} s) {note}"
        note += "" if settled else " (timeout)"
        self.rows.append((name, call, worst / 1000, total, note))
        print(
            f"{name:<18} call {call:7.2f} s  max gap {worst / 1000:7.2f} s  "
            f"until idle {total:7.2f} s  {note} [gap p99 {gaps['p99']:.0f} ms; "
            f"GUI CPU until idle {busy:.2f} s]",
            flush=True,
        )
        if self.sampler is not None:
            for n, stack in self.sampler.report()[:4]:
                print(f"    {n * 0.05:5.2f} s in stalls at: {stack}", flush=True)

    # -- actions -------------------------------------------------------------------
    def run(self) -> None:
        from labeldesk.core.project import open_project

        with open_project(self.path) as p:
            usable = int(p.db.scalar("SELECT count(*) FROM images WHERE removed_at IS NULL"))
        print(f"project {self.path}: {usable:,} images; cpus {os.cpu_count()}, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        self.beat.start()
        start = time.perf_counter()
        self.window.open_initial(self.path)
        call = time.perf_counter() - start
        self.pump_until(self.idle, 600)
        gaps = self.beat.stop()
        print(
            f"{'open':<18} call {call:7.2f} s  max gap {max(call, gaps['max'] / 1000):7.2f} s  "
            f"until idle {time.perf_counter() - start:7.2f} s",
            flush=True,
        )
        view = self.window.view
        assert view is not None
        view.labeling.confirm = lambda *a: True  # type: ignore[method-assign]
        view.class_actions.confirm = lambda *a: True  # type: ignore[method-assign]
        classes = view.project.classes()
        big = classes[0]
        sidebar = view.sidebar
        self.measure("filter_class", lambda: sidebar.select_class(big), big)
        self.measure("filter_all", lambda: sidebar.select_class(None))
        self.measure("sort_outlier", lambda: sidebar.select_sort("outlier"))
        self.measure("sort_path", lambda: sidebar.select_sort("path"))
        self.review_in_scopes(big)

        def select_all_label() -> None:
            view.grid.selectAll()
            view.labeling.label_selection(classes[1])

        self.measure("select_all_label", select_all_label, f"{view.model.rowCount():,} rows")
        self.measure("undo", view.labeling.undo)
        self.measure("redo", view.labeling.redo)
        self.measure("undo_again", view.labeling.undo)
        self.measure("edit_menu", view.labeling.name_steps)
        count = view.project.count_labeled(big)
        rename = lambda: view.class_actions.rename(big, big + "_x")  # noqa: E731
        self.measure("rename_class", rename, f"{count:,}")
        self.measure("undo_rename", view.labeling.undo)
        self.measure(
            "merge_class", lambda: view.class_actions.merge(classes[2], classes[3]),
            f"{view.project.count_labeled(classes[2]):,}",
        )  # fmt: skip
        self.measure("undo_merge", view.labeling.undo)
        self.measure("remove_class", lambda: view.class_actions.remove(classes[4]))
        self.measure("undo_remove", view.labeling.undo)
        view.grid.select_row(5)
        self.measure("label_key_one", lambda: view.labeling.label_selection(classes[5]))
        self.measure("undo_one", view.labeling.undo)
        self.measure("outside_write", self.outside_write)
        self.measure("statistics", self.window.show_statistics)
        self.measure("browser", self.window.show_browser)
        self.measure("statistics_again", self.window.show_statistics)
        self.measure("map", self.window.show_map)
        self.measure("browser_2", self.window.show_browser)
        self.measure("duplicates", self.duplicates)
        view.grid.select_row(11)  # the Duplicates window stays open over the browser
        self.measure("key_with_dups_open", lambda: view.labeling.label_selection(classes[5]))
        self.measure("undo_with_dups_open", view.labeling.undo)
        self.measure("outside_write_2", self.outside_write)
        self.measure("versions", self.window.show_versions)
        self.measure("create_version", self.create_version)
        self.measure("browser_3", self.window.show_browser)
        view.grid.select_row(7)
        self.measure("busy_key", self.busy_key, f"lock held {self.args.hold:g} s elsewhere")
        view.grid.select_row(9)
        self.measure("key_in_import", self.key_during_import, "an import of every image runs")
        self.measure("undo_key", view.labeling.undo)
        self.measure("undo_import", view.labeling.undo)
        from gui_stall_pages import page_actions

        page_actions(self)  # the pages opened at that size (gui_stall_pages.py)
        self.window.close()

    def settle(self, action: Callable[[], object]) -> None:
        """Do ``action`` (a step before a measured one, not measured) and wait until idle."""
        action()
        self.pump_until(lambda: False, 0.05)
        self.pump_until(self.idle, 600)

    def review_in_scopes(self, big: str) -> None:
        """Review → Review likely mislabels (Ctrl+I) with the browser narrowed to nothing,
        the class with the most likely mislabels (``big`` if none), the train split (the
        largest) and a path search, each time back to the browser after: the review keeps
        to what the browser is narrowed to (browse/review_scope.py)."""
        import numpy as np

        from labeldesk.browse.image_records import ImageFilter

        view = self.window.view
        assert view is not None
        search = self.args.review_search
        catalog = view.catalog
        flagged = catalog.label_codes[catalog.flagged & catalog.usable]
        most = np.bincount(flagged[flagged >= 0], minlength=len(catalog.classes))
        flagged_class = catalog.classes[int(most.argmax())] if most.any() else big
        scopes = [
            ("review_all", ImageFilter(), "not narrowed"),
            ("review_class", ImageFilter(label=flagged_class), flagged_class),
            ("review_split", ImageFilter(split="train"), "train split"),
            ("review_search", ImageFilter(search=search), f"paths with {search!r}"),
        ]
        for name, wanted, note in scopes:
            if self.args.actions_wanted and name not in self.args.actions_wanted:
                continue
            self.settle(lambda w=wanted: view.sidebar.show_filter(w))  # type: ignore[misc]
            shown = view.model.rowCount()
            self.measure(name, self.window.review_issues, f"{note}: {shown:,} shown")
            review = self.window.review.view
            if review is not None and review.session is not None:
                print(f"    {len(review.session.items):,} to review", flush=True)
            self.settle(self.window.show_browser)
        self.settle(lambda: view.sidebar.show_filter(ImageFilter()))

    def outside_write(self) -> None:
        """Another process labels one image (`labeldesk label`, the app's events running
        meanwhile); the app notices it at its next poll (asked at once here)."""
        view, session = self.window.view, self.window.session
        assert view is not None and session is not None
        path = view.model.paths_of_rows([3])[0]
        label = "class9" if view.model.data(view.model.index(3), 0) != "class9" else "class8"
        cmd = [sys.executable, "-m", "labeldesk", "label", str(self.path), path, label]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pump_until(lambda: proc.poll() is not None, 120)
        session.check_outside_writes()

    def key_during_import(self) -> None:
        """A label key while Import labels (an exclusive job: one transaction, every
        image) writes in this process."""
        from labeldesk.gui.workers import Job

        view, session = self.window.view, self.window.session
        assert view is not None and session is not None
        project = view.project
        paths = [str(p) for p in view.catalog.paths]
        started: list[bool] = []

        def run(*, progress: object, cancel: object) -> object:
            started.append(True)
            return project.set_labels(dict.fromkeys(paths, "class7"), description="import")

        session.start_exclusive(Job(run, "Importing labels"), "Importing labels")
        # until the import's transaction is under way (it reads before it writes)
        self.pump_until(lambda: started and project.db._writer_thread is not None, 60)
        self.pump_until(lambda: False, 0.2)
        self.beat.tick()
        view.labeling.label_selection(project.classes()[6])

    def create_version(self) -> None:
        """Versions → New version: records the labels and which images are in the folder."""
        page = self.window.pages.versions
        if page is not None:  # a new name each run: a version's membership is written once
            page.create_version(f"bench-{time.time():.0f}")

    def duplicates(self) -> None:
        stats = self.window.pages.stats
        if stats is None:
            return
        self.pump_until(lambda: stats.duplicate_groups is not None, 300)
        self.window.pages.show_duplicates()

    def busy_key(self) -> None:
        """A label key while `labeldesk import` (here: a process holding BEGIN
        IMMEDIATE) writes: the key waits on the GUI thread."""
        view = self.window.view
        assert view is not None
        db = view.project.db.path
        script = (
            "import sqlite3,sys,time;c=sqlite3.connect(sys.argv[1],isolation_level=None);"
            "c.execute('BEGIN IMMEDIATE');print('held',flush=True);time.sleep(float(sys.argv[2]));"
            "c.execute('ROLLBACK')"
        )
        holder = subprocess.Popen(
            [sys.executable, "-c", script, str(db), str(self.args.hold)], stdout=subprocess.PIPE
        )
        assert holder.stdout is not None
        holder.stdout.readline()
        self.beat.tick()
        view.labeling.label_selection(view.project.classes()[6])
        self.holder = holder  # the lock is let go later: waited for before the next action


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("--actions", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--profile", help="cProfile the GUI thread through one action, until idle")
    parser.add_argument(
        "--stacks", action="store_true", help="print where the GUI thread was in long stalls"
    )
    parser.add_argument(
        "--review-search", default="img0", help="review_search: the path search (default img0)"
    )
    parser.add_argument(
        "--search-typed", default="r3/tr", help="search_key_N: the text typed, a key at a time"
    )
    parser.add_argument("--drift", type=Path, help="drift_check: a folder of new images")
    parser.add_argument(
        "--hold", type=float, default=8.0, help="busy_key: seconds the lock is held"
    )
    args = parser.parse_args()
    args.actions_wanted = set(filter(None, args.actions.split(",")))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).parent))
    Bench(args.project, args).run()
    from gui_probes import quit_now

    quit_now()


if __name__ == "__main__":
    main()
