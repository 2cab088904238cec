"""The main window's embedding job started on a Ray cluster, as the app's cluster tests
start it: the cluster chosen, the project opened, Tools → Compute embeddings."""

from __future__ import annotations

from labeldesk.gui import project_jobs
from labeldesk.gui.cluster_dialog import ClusterChoice


def embedding_on_cluster(window, project, monkeypatch, address: str):
    """``project`` opened in ``window`` and its embeddings computed on the cluster at
    ``address`` (the choice the app's cluster dialog would give): the window's job, None
    if it started none."""
    monkeypatch.setattr(project_jobs, "cluster_choice", lambda: ClusterChoice(address))
    window.open_project(project.path)
    window.menus.embed_action.trigger()  # Tools → Compute embeddings (on the cluster)
    return window.embed_job
