"""Embedding on a Ray cluster named by the address ``auto``: the app names the head Ray
found once it is known (in the progress line and the summary), as `labeldesk embed
--ray auto` does, not "at auto"."""

from __future__ import annotations

import threading

from gui.cluster_embedding import embedding_on_cluster
from labeldesk.core.progress import Progress
from labeldesk.gui import project_jobs
from labeldesk.ml import child_jobs
from labeldesk.ml.ray_embed import ClusterEmbedReport

HEAD = "10.0.0.5:6379"


def test_the_head_found_by_auto_is_named_once_known(qtbot, window, project, monkeypatch):
    connected, carry_on = threading.Event(), threading.Event()

    def child_on_auto(target, *args, progress, cancel, **kwargs):
        assert target == "labeldesk.ml.ray_embed:embed_on_ray" and kwargs["address"] == "auto"
        progress(Progress(0, 0, "connecting to the Ray cluster at auto"))
        connected.wait(30)
        progress(Progress(0, 0, "loading model m", {"head": HEAD}))  # as embed_on_ray
        carry_on.wait(30)
        report = ClusterEmbedReport("m", "k", "cpu", address="auto", head=HEAD)
        report.embedded, report.seconds, report.input_size = 12, 1.0, 224
        return report

    monkeypatch.setattr(child_jobs, "run_in_child", child_on_auto)
    job = embedding_on_cluster(window, project, monkeypatch, "auto")
    assert job is not None
    line = window.job_widget.label
    qtbot.waitUntil(lambda: "connecting" in line.text(), timeout=30_000)
    assert line.text().startswith("Computing embeddings on the Ray cluster at auto: ")
    connected.set()
    found = f"Computing embeddings on the Ray cluster at {HEAD} (found by the address auto)"
    qtbot.waitUntil(lambda: line.text() == f"{found}: loading model m", timeout=30_000)
    carry_on.set()
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    assert window.statusBar().currentMessage().startswith("Embeddings ready: 12 computed")
    assert (
        window.statusBar()
        .currentMessage()
        .endswith(f"at 224 px on the Ray cluster at {HEAD} (found by the address auto)")
    )


def test_a_cluster_named_by_its_head_is_named_once():
    assert project_jobs._cluster_text(HEAD, HEAD) == f"the Ray cluster at {HEAD}"
    assert project_jobs._cluster_text("auto", None) == "the Ray cluster at auto"


def test_the_summary_has_the_clusters_notices_and_where_the_time_went(
    qtbot, window, project, monkeypatch
):
    """`labeldesk embed --ray` says below its summary where the time went and what the
    cluster reported (a worker that died…); the app's status bar said neither."""
    from labeldesk.ml.ray_timing import JobTiming

    ticks = iter([10.0, 30.0, 44.9])  # job started; first batch back; last batch back

    def child(target, *args, progress, cancel, **kwargs):
        report = ClusterEmbedReport("m", "k", "cpu", address=HEAD, head=HEAD)
        report.embedded, report.seconds, report.input_size = 600, 35.0, 224
        timing = JobTiming(connect_s=1.2, checks_s=3.4, clock=lambda: next(ticks))
        timing.job_started()
        timing.batch(64, worker_load_s=12.0)
        timing.batch(536)
        report.timing = timing
        report.notices = ["a Ray worker died during the job (on 10.0.0.2): killed"]
        return report

    monkeypatch.setattr(child_jobs, "run_in_child", child)
    job = embedding_on_cluster(window, project, monkeypatch, HEAD)
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    bar = window.statusBar()
    message = bar.currentMessage()
    assert message.startswith(
        f"Embeddings ready: 600 computed (17 img/s) at 224 px on the Ray cluster at {HEAD}; "
        "note: a Ray worker died during the job (on 10.0.0.2): killed; where the time went: "
        "1.2 s joining the cluster, 3.4 s checking it and loading the model here, 20.0 s "
        "until the first batch of 64 images came back (the workers starting: 12.0 s to "
        "start and load the model on the first), then 36.0 img/s for the other 536 images"
    ), message
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: bar.toolTip() == message, timeout=5_000)  # the whole, cut in the bar
