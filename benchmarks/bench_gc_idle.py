"""How often the GUI thread's garbage-collector timer (labeldesk.gui.gc_on_gui_thread)
wakes while the app sits idle, and the process's CPU seconds meanwhile.

Opens the app offscreen as `labeldesk gui PROJECT` does (settings in a temporary
folder, not the user's), or on its start page without PROJECT, waits SETTLE seconds,
then counts the collector's ticks for MEASURE seconds of nothing happening. Prints one
JSON line; compare two trees by running each one's Python, alternated.

    python benchmarks/bench_gc_idle.py [--project PROJECT] [--settle 10] [--measure 30]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--measure", type=float, default=30.0)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).parent))
    from gui_probes import private_settings, quit_now
    from PySide6.QtCore import QEventLoop, QTimer

    import labeldesk
    from labeldesk.gui import gc_on_gui_thread
    from labeldesk.gui.app import create_application
    from labeldesk.gui.main_window import MainWindow

    private_settings()
    app = create_application([sys.argv[0]])
    window = MainWindow()
    window.open_initial(args.project)
    window.show()
    collector = gc_on_gui_thread.install()
    assert collector is not None
    ticks: list[float] = []
    collector.timer.timeout.connect(lambda: ticks.append(time.monotonic()))

    def run_for(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    run_for(args.settle)
    ticks.clear()
    cpu = time.process_time()
    run_for(args.measure)
    cpu = time.process_time() - cpu
    figures = {
        "ticks": len(ticks),
        "ticks_per_s": round(len(ticks) / args.measure, 2),
        "cpu_s": round(cpu, 3),
        "interval_ms_at_end": collector.timer.interval(),
        "project": str(args.project) if args.project else None,
        "load": os.getloadavg()[0],
        "labeldesk": str(Path(labeldesk.__file__).parent.parent),
    }
    print(json.dumps(figures), flush=True)
    del app
    quit_now(0)


if __name__ == "__main__":
    main()
