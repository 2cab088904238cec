"""The app's drift check as one job function, so that it can run in a child process
(:func:`labeldesk.ml.child_jobs.run_in_child`): the report's numerical steps hold
Python's GIL for seconds at a time (at a million images the new images' probe's PCA held
it for 0.8–6.8 s on a busy 2-core machine, benchmarks/bench_drift_scale.py), and a job
thread in the app's process stops its window for as long."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .drift import DriftReport


def check_folder(
    project: Project,
    *,
    folder: str,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[DriftReport, Path]:
    """The drift report on ``folder``, kept in the project's history (in a temporary
    folder for a read-only project), and its HTML page: (report, HTML file)."""
    from .drift import drift_report
    from .drift_history import save_report
    from .drift_html import write_html

    report = drift_report(project, folder, progress=progress, cancel=cancel)
    saved = save_report(project, report)
    if saved is None:  # a read-only project: the page's report goes elsewhere
        saved = Path(tempfile.mkdtemp(prefix="labeldesk-drift-")) / "report.json"
    return report, write_html(report, saved.with_suffix(".html"), project)
