"""The statistics view passes its job's cancel token to the duplicate search."""

from __future__ import annotations

import threading

from labeldesk.core import imageio
from labeldesk.gui.stats_view import CANCELLED, StatsView
from labeldesk.ml import duplicates


def test_cancelling_the_duplicate_search_stops_it_between_batches(qtbot, project, monkeypatch):
    with project.db.write() as conn:
        conn.execute("UPDATE images SET phash = NULL")  # an older project: hashes to compute
    monkeypatch.setattr(duplicates, "BATCH", 1)
    real = imageio.cached_phash
    calls: list[int] = []
    views: list[StatsView] = []

    shown = threading.Event()  # the search starts in the constructor, in another thread

    def phash(thumb):
        calls.append(1)
        assert shown.wait(10)
        job = views[0]._dup_job
        assert job is not None
        job.cancel()  # as if the view were refreshed or closed now
        return real(thumb)

    monkeypatch.setattr(imageio, "cached_phash", phash)
    widget = StatsView(project)
    qtbot.addWidget(widget)
    views.append(widget)
    shown.set()
    job = widget._dup_job
    assert job is not None
    outcome: list[str] = []  # queued to this thread, so connecting now misses nothing
    job.cancelled.connect(lambda: outcome.append("cancelled"))
    job.finished.connect(lambda _: outcome.append("finished"))
    try:
        qtbot.waitUntil(lambda: not job.running, timeout=15000)
        assert outcome == ["cancelled"]
        assert calls == [1]  # stopped at the next batch, not after all 20 images
        assert widget.duplicate_counts is None
        assert widget.summary_labels["exact"].text() == CANCELLED
    finally:
        widget.shutdown()
