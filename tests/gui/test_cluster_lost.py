"""The app's embedding job on a Ray cluster whose head went away mid-job: the status bar
says what `labeldesk embed --ray` says, word for word (what was kept, run it again)."""

from __future__ import annotations

import time

from gui.cluster_embedding import embedding_on_cluster
from labeldesk.core.display import sentence_start
from labeldesk.core.errors import LabelDeskError
from labeldesk.gui import window_notices
from labeldesk.ml import child_jobs
from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.ray_head import HeadWatch
from labeldesk.ml.ray_kept_words import kept_text


def test_the_status_bar_shows_the_command_lines_sentence(qtbot, window, project, monkeypatch):
    report = EmbedReport("m", "k", "cpu")
    report.embedded = 96
    lost = HeadWatch("127.0.0.1:6379", ("127.0.0.1", 6379)).error()
    sentence = kept_text(lost, report, 600)  # what the CLI prints after "error: "
    assert "stopped answering" in sentence and "96 images embedded before that are kept" in sentence

    def child_reports_it(target, *args, **kwargs):
        assert target == "labeldesk.ml.ray_embed:embed_on_ray"
        raise LabelDeskError(sentence)  # as run_in_child hands on the child's error

    shown: list[str] = []
    monkeypatch.setattr(child_jobs, "run_in_child", child_reports_it)
    monkeypatch.setattr(window_notices, "show_error", lambda parent, message: shown.append(message))
    job = embedding_on_cluster(window, project, monkeypatch, "127.0.0.1:6379")
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=60000)
    # the same sentence, begun with a capital in the window
    assert window.statusBar().currentMessage() == sentence_start(sentence)
    assert shown == [sentence_start(sentence)]


def test_cancel_while_the_cluster_job_starts_says_nothing_was_written(
    qtbot, window, project, monkeypatch
):
    """Cancel pressed while the job joins the cluster: the child stops at once with
    Cancelled (nothing written, no report); the status bar says so, not that finished
    batches are kept."""
    from labeldesk.core.errors import Cancelled
    from labeldesk.ml.ray_errors import STOPPED_STARTING

    def child_stops(target, *args, cancel, **kwargs):
        for _ in range(6000):  # the user's Cancel, on the job's thread
            if cancel.cancelled:
                break
            time.sleep(0.01)
        raise LabelDeskError(str(Cancelled(STOPPED_STARTING)))  # as the child's error

    monkeypatch.setattr(child_jobs, "run_in_child", child_stops)
    job = embedding_on_cluster(window, project, monkeypatch, "127.0.0.1:6379")
    assert job is not None
    job.cancel()
    qtbot.waitUntil(lambda: not job.running, timeout=60000)
    assert window.statusBar().currentMessage() == (
        "Embedding cancelled while it was starting on the Ray cluster at 127.0.0.1:6379; "
        "nothing was written"
    )
