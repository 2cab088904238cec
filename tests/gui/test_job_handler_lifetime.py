"""A widget following a job, whose last reference is its own handlers: freed once, no
crash. Before, each handler was freed by ``deleteLater``; its function (a lambda using
the widget) went with it, the widget went with that, in the middle of the handler's
destructor, and deleted the handler a second time: a segfault in ``QObject::~QObject``
(it crashed tests/gui/test_job_progress.py one run in three or four, after the test
function had let go of its widget)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# gc is off: only reference counting frees the widget, so nothing can free it first
SCRIPT = """
import gc, weakref
from PySide6.QtCore import QEvent, QThreadPool
from PySide6.QtWidgets import QApplication
from labeldesk.gui.job_progress import JobProgressWidget
from labeldesk.gui.workers import Job

app = QApplication([])
gc.disable()
widget = JobProgressWidget()
job = Job(lambda **_: 1, "Scoring")
widget.track(job, "Scoring images")
gone = weakref.ref(widget)
job.start()
del widget  # the caller lets go; the handlers' lambdas still use it
assert QThreadPool.globalInstance().waitForDone(10000)
for _ in range(5):
    app.processEvents()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
print("job ran:", job.executed.is_set(), "widget freed:", gone() is None, flush=True)
"""


def test_a_widget_kept_only_by_its_job_handlers_is_freed_once():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "job ran: True widget freed: True" in out.stdout
