"""Embedding on a Ray cluster named by the address ``auto``: the app names the head Ray
found once it is known (in the progress line and the summary), as `labeldesk embed
--ray auto` does, not "at auto"."""

from __future__ import annotations

import threading

from labeldesk.core.progress import Progress
from labeldesk.gui import project_jobs
from labeldesk.gui.cluster_dialog import ClusterChoice
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
    monkeypatch.setattr(project_jobs, "cluster_choice", lambda: ClusterChoice("auto"))
    window.open_project(project.path)
    window.menus.embed_action.trigger()  # Tools → Compute embeddings (on the cluster)
    job = window.embed_job
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
