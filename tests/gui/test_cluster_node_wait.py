"""The app's progress line while an embedding job on a Ray cluster waits (up to ~18 s)
for the cluster to say which node went away: it kept the last batch's line, as if the
job were still embedding; now it says what it waits for and that Cancel stops it."""

from __future__ import annotations

import threading

import pytest

from gui.cluster_embedding import embedding_on_cluster
from labeldesk.ml import child_jobs

pytest.importorskip("ray")

WAIT = "waiting up to 18 s for the cluster to say which node went away… (Cancel or Ctrl+C stops)"


def test_the_wait_for_a_lost_node_is_on_the_progress_line(qtbot, window, project, monkeypatch):
    from cluster.test_ray_notices import SlowToTell

    from labeldesk.core.project import open_project
    from labeldesk.ml.ray_embed import embed_on_ray

    told = threading.Event()  # the line was seen: the cluster may name the node now

    class Gated(SlowToTell):
        def nodes(self) -> list[dict]:
            self.late = 0 if told.is_set() else 10**9
            return super().nodes()

    def in_process(target, path, *, progress, cancel, **kwargs):  # the child, as a thread
        assert target == "labeldesk.ml.ray_embed:embed_on_ray"
        with open_project(path) as opened:
            Gated(monkeypatch, opened)
            return embed_on_ray(opened, progress=progress, cancel=cancel, **kwargs)

    monkeypatch.setattr(child_jobs, "run_in_child", in_process)
    job = embedding_on_cluster(window, project, monkeypatch, "127.0.0.1:6379")
    assert job is not None
    line = window.job_widget.label
    try:
        qtbot.waitUntil(lambda: WAIT in line.text(), timeout=60_000)
    finally:
        told.set()
    assert line.text() == f"Computing embeddings on the Ray cluster at 127.0.0.1:6379: {WAIT}"
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)
    assert window.statusBar().currentMessage().startswith("Node 10.0.0.2 of the Ray cluster")
