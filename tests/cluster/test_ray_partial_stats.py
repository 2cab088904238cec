"""A project partly embedded (a Ray job stopped half-way keeps its finished batches and
makes them the project's): `labeldesk stats` and the app's Statistics said nothing of
the embeddings, so nobody saw that half the images were left out of every view. They
now say "embedded N of M" and how to finish. The cluster is a stand-in (no Ray)."""

from __future__ import annotations

import json

import pytest

from cluster.test_ray_model_switch import StandIn
from labeldesk import api
from labeldesk.cli import main
from labeldesk.core.image_rows import usable_files
from labeldesk.ml import ray_embed
from labeldesk.ml.ray_errors import ClusterError


@pytest.fixture
def half_embedded(project, monkeypatch):
    """``project`` after a Ray job that stopped after its first batch of 4 images."""
    StandIn(monkeypatch, project, take=1, size=4)
    with pytest.raises(ClusterError, match="went away"):
        ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379")
    images = len(usable_files(project.db))
    assert images > 4
    return project, images


def test_stats_say_how_far_the_embeddings_go_and_how_to_finish(half_embedded, capsys):
    project, images = half_embedded
    assert main(["stats", str(project.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["embeddings"] == {"model": "tiny:48", "embedded": 4, "images": images}
    assert api.stats(project)["embeddings"] == data["embeddings"]
    assert main(["stats", str(project.path)]) == 0
    out = capsys.readouterr().out
    assert (
        f"embeddings: embedded 4 of {images} images (tiny:48): `labeldesk embed "
        f"{project.path}` embeds the other {images - 4} (only those)"
    ) in out


def test_stats_of_a_project_without_embeddings_or_with_all(project, monkeypatch, capsys):
    assert main(["stats", str(project.path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["embeddings"] is None
    StandIn(monkeypatch, project, take=99, fail=False)
    ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379")
    assert main(["stats", str(project.path)]) == 0
    images = len(usable_files(project.db))
    assert f"embeddings: all {images} images embedded (tiny:48)" in capsys.readouterr().out


def test_the_apps_statistics_say_it_too(half_embedded, qtbot, monkeypatch):
    """A row of its own, shown only while the embeddings are partial."""
    from labeldesk.gui.stats_view import StatsView

    project, images = half_embedded
    view = StatsView(project)
    qtbot.addWidget(view)
    try:
        label = view.summary_labels["embeddings"]
        form = label.parentWidget().layout()
        qtbot.waitUntil(lambda: form.isRowVisible(label))  # counted in the background
        shown = view.summary_labels["embeddings"].text()
        assert shown == f"4 of {images}\nTools → Compute embeddings embeds the other {images - 4}"
        assert view.summary_labels["embeddings"].toolTip() == "Model: tiny:48"
        StandIn(monkeypatch, project, take=99, fail=False)
        ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379")  # the rest
        view.refresh()
        qtbot.waitUntil(lambda: not form.isRowVisible(label))
    finally:
        view.shutdown()
