"""The duplicate search's neighbours on the saved Ray cluster (Tools → Embed on a Ray
cluster… → "Find near-duplicate neighbours on the cluster too")."""

from __future__ import annotations

import importlib.util

import pytest

from labeldesk.core.errors import LabelDeskError
from labeldesk.gui.cluster_dialog import ClusterDialog, duplicates_cluster, graph_on_cluster
from labeldesk.ml.neighbors import graph_cache, neighbor_graph
from labeldesk.ml.store import project_vectors

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="no Ray")


def save(qtbot, address: str, duplicates: bool) -> None:
    dialog = ClusterDialog(project_open=False)
    qtbot.addWidget(dialog)
    dialog.enabled.setChecked(True)
    dialog.address.setText(address)
    dialog.duplicates.setChecked(duplicates)
    dialog.save_button.click()


def test_the_duplicate_search_asks_the_saved_cluster_only_when_chosen_and_needed(
    qtbot, clustered, child_targets
):
    project, _ = clustered
    cache, _ = graph_cache(project, project_vectors(project))
    save(qtbot, "127.0.0.1:9", duplicates=False)
    assert duplicates_cluster() is None
    assert graph_on_cluster(project) is False and child_targets == []

    save(qtbot, "127.0.0.1:9", duplicates=True)
    again = ClusterDialog()
    qtbot.addWidget(again)
    assert again.duplicates.isChecked()  # the saved choice, shown again
    assert duplicates_cluster() is not None
    # Nothing answers there: one clear error (the Statistics page shows it), no graph.
    with pytest.raises(LabelDeskError, match=r"no Ray cluster answers at 127\.0\.0\.1:9"):
        graph_on_cluster(project)
    assert child_targets == ["labeldesk.ml.ray_graph:graph_on_ray"]
    assert not cache.exists()

    neighbor_graph(project)  # computed here: the cluster is not asked again
    assert graph_on_cluster(project) is False
    assert child_targets == ["labeldesk.ml.ray_graph:graph_on_ray"]


def test_the_embeddings_worker_count_is_not_the_searchs(qtbot, clustered, monkeypatch):
    """Workers (most) counts embedding actors; the search would fail with more workers
    than the cluster has CPUs, so it keeps its own default."""
    from labeldesk.ml import child_jobs

    project, _ = clustered
    dialog = ClusterDialog(project_open=False)
    qtbot.addWidget(dialog)
    dialog.enabled.setChecked(True)
    dialog.address.setText("127.0.0.1:9")
    dialog.workers.setValue(64)
    dialog.duplicates.setChecked(True)
    dialog.save_button.click()
    assert duplicates_cluster().workers == 64
    asked = []
    monkeypatch.setattr(child_jobs, "run_in_child", lambda target, *a, **kw: asked.append(kw))
    assert graph_on_cluster(project) is True
    assert asked and asked[0]["workers"] is None
