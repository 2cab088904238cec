"""What a Ray cluster job reported meanwhile (a worker that died…) and where its time
went, in the app: a failed embedding job's message and a failed duplicate search's said
neither (only a finished embedding job's status bar did: the child process passed on the
error's message alone), and the duplicate search on the cluster said nothing of the
cluster even when it finished."""

from __future__ import annotations

from gui.cluster_embedding import embedding_on_cluster
from labeldesk.gui import cluster_dialog, window_notices
from labeldesk.gui.cluster_dialog import ClusterChoice
from labeldesk.gui.stats_view import StatsView
from labeldesk.ml import child_jobs
from labeldesk.ml.ray_graph import ClusterGraphReport

NOTE = "note: a Ray worker died during the job (on 10.0.0.2)"
CLUSTER = ClusterChoice("127.0.0.1:6379")


def failing_cluster_job(monkeypatch) -> list[str]:
    """Cluster jobs run in a real child as the stand-in that fails with notes."""
    real, targets = child_jobs.run_in_child, []

    def stand_in(target, path, **kwargs):
        targets.append(target)
        return real("ml.child_targets:cluster_job_fails", path, **kwargs)

    monkeypatch.setattr(child_jobs, "run_in_child", stand_in)
    return targets


def test_a_failed_embedding_job_on_the_cluster_says_its_notes_and_timing(
    qtbot, window, project, monkeypatch
):
    targets = failing_cluster_job(monkeypatch)
    shown: list[str] = []
    monkeypatch.setattr(window_notices, "show_error", lambda parent, message: shown.append(message))
    job = embedding_on_cluster(window, project, monkeypatch, CLUSTER.address)
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=60000)
    assert targets == ["labeldesk.ml.ray_embed:embed_on_ray"]
    said = window.statusBar().currentMessage()
    assert said.startswith(f"Node 10.0.0.3 left the Ray cluster mid-job; {NOTE}")
    assert "; where the time went: " in said and shown == [said]


def test_a_failed_duplicate_search_on_the_cluster_says_its_notes(qtbot, clustered, monkeypatch):
    project, _ = clustered
    targets = failing_cluster_job(monkeypatch)
    monkeypatch.setattr(cluster_dialog, "duplicates_cluster", lambda: CLUSTER)
    widget = StatsView(project)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.error, timeout=60000) as failed:
        pass
    assert targets == ["labeldesk.ml.ray_graph:graph_on_ray"]
    assert failed.args[0].startswith(f"node 10.0.0.3 left the Ray cluster mid-job; {NOTE}")


def test_a_finished_duplicate_search_on_the_cluster_says_where_and_its_notes(
    qtbot, clustered, monkeypatch
):
    project, _ = clustered
    report = ClusterGraphReport("127.0.0.1:6379", images=40, seconds=2.5, notices=[NOTE[6:]])
    monkeypatch.setattr(child_jobs, "run_in_child", lambda target, *args, **kwargs: report)
    monkeypatch.setattr(cluster_dialog, "duplicates_cluster", lambda: CLUSTER)
    widget = StatsView(project)
    qtbot.addWidget(widget)
    said: list[str] = []
    widget.message.connect(said.append)
    qtbot.waitUntil(lambda: widget.duplicate_counts is not None, timeout=30000)
    assert said == [
        "Near-duplicate neighbours of 40 images found on the Ray cluster at 127.0.0.1:6379 "
        f"in 2.5 s; {NOTE}"
    ]
