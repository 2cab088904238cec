"""After Cancel, "Cancelling…" stays until the job has stopped: the export's last progress
report (a phase checks for the cancel right after it reports) replaced it with
"hashing the exported files · 0s left" in the Export dialog, as if the export went on
(seen in a walkthrough of a 20,000-image export); the status bar's job line did the same."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from ml.fake_embeddings import make_clustered_project

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import Progress
from labeldesk.gui import export_dialog
from labeldesk.gui.export_dialog import ExportDialog
from labeldesk.gui.job_progress import JobProgressWidget
from labeldesk.gui.workers import Job
from labeldesk.interop.manifest import SYNCING


def _stops_after_one_more_report(release: threading.Event):
    """A job that reports, waits for the cancel, reports once more (as a phase does before
    it looks at the cancel) and stops when ``release`` is set."""

    def run(*_args, progress, cancel, **_kw):
        progress(Progress(1, 10, SYNCING, {"unit": "file"}))
        deadline = time.monotonic() + 10
        while not cancel.cancelled and time.monotonic() < deadline:
            time.sleep(0.01)
        progress(Progress(10, 10, SYNCING, {"unit": "file"}))
        release.wait(10)
        raise Cancelled("export cancelled: nothing was written")

    return run


@pytest.fixture
def project(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    yield project
    project.close()


@contextmanager
def exporting(qtbot, project, out, monkeypatch) -> Iterator[tuple[ExportDialog, Job]]:
    """An Export dialog whose export (to ``out``) reports and waits for the cancel; on
    leaving, the export is cancelled if it was not and let stop."""
    release = threading.Event()
    monkeypatch.setattr(export_dialog, "export", _stops_after_one_more_report(release))
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.folder.setText(str(out))
    job = dialog.start()
    assert job is not None
    try:
        yield dialog, job
    finally:
        job.cancel()
        release.set()
        qtbot.waitUntil(lambda: not job.running, timeout=10_000)


def test_the_export_dialog_says_cancelling_until_the_export_stops(
    qtbot, project, tmp_path, monkeypatch
):
    with exporting(qtbot, project, tmp_path / "out", monkeypatch) as (dialog, _job):
        qtbot.waitUntil(
            lambda: dialog.message.text().startswith("Syncing the exported"), timeout=30_000
        )
        dialog.cancel()
        assert dialog.message.text() == "Cancelling…"
        qtbot.waitUntil(
            lambda: dialog.progress.value() == 10, timeout=30_000
        )  # the last report came
        assert dialog.message.text() == "Cancelling…"
        assert not dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=30_000)
    assert dialog.message.text() == "Export cancelled; nothing was written."
    dialog.shutdown()


def test_the_status_bar_says_cancelling_until_the_job_stops(qtbot):
    widget = JobProgressWidget()
    qtbot.addWidget(widget)
    release = threading.Event()
    job = Job(_stops_after_one_more_report(release), "Export")
    widget.track(job, "Exporting")
    job.start()
    try:
        qtbot.waitUntil(lambda: SYNCING in widget.label.text(), timeout=30_000)
        widget.cancel_button.click()
        assert widget.label.text() == "Exporting: cancelling…"
        qtbot.waitUntil(lambda: widget.bar.value() == 10, timeout=30_000)
        assert widget.label.text() == "Exporting: cancelling…"
    finally:
        release.set()
        qtbot.waitUntil(lambda: not job.running, timeout=10_000)


def test_the_export_dialogs_progress_reads_as_a_sentence_and_counts(
    qtbot, project, tmp_path, monkeypatch
):
    """Under "Exporting…" came "exporting · 30s left", then "hashing the exported files"
    and "syncing the exported files to the disk", each starting lower-case as if cut off,
    beside a bar with a percentage only (the status bar counts "5,120 / 20,000")."""
    with exporting(qtbot, project, tmp_path / "out", monkeypatch) as (dialog, _job):
        qtbot.waitUntil(lambda: dialog.progress.value() == 1, timeout=30_000)
        assert dialog.message.text() == "Syncing the exported files to the disk"
        assert dialog.progress.text() == "1 / 10"
    dialog.shutdown()


def test_escape_while_exporting_cancels_and_the_dialog_says_when_it_stopped(
    qtbot, project, tmp_path, monkeypatch
):
    """Escape (or closing the window) while exporting did nothing visible at all."""
    with exporting(qtbot, project, tmp_path / "out", monkeypatch) as (dialog, job):
        qtbot.waitUntil(lambda: dialog.progress.value() == 1, timeout=30_000)
        dialog.reject()  # Escape
        assert job.token.cancelled and dialog.isVisible()
        assert dialog.message.text() == "Cancelling…"
    qtbot.waitUntil(lambda: dialog.close_button.isEnabled(), timeout=30_000)
    assert dialog.message.text() == "Export cancelled; nothing was written."
    assert not (tmp_path / "out").exists()
    dialog.reject()  # and now it closes
    assert not dialog.isVisible()
    dialog.shutdown()
