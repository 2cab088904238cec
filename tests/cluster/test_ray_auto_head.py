"""`--ray auto` names the head it found: the summary said "… on the Ray cluster at auto"
and `--json` gave only `"address": "auto"`. The address stays as asked, `"head"` is the
GCS Ray found (HOST:PORT), and the text names it. Stand-ins for Ray, no cluster."""

from __future__ import annotations

import json
import socket
from types import SimpleNamespace

import numpy as np
import pytest

from cluster.graph_stand_in import graph_stand_in
from cluster.test_ray_model_switch import StandIn
from labeldesk.cli import main
from labeldesk.ml import ray_embed, ray_graph
from labeldesk.ml.ray_graph import ClusterGraphReport
from labeldesk.ml.ray_head import HeadWatch

REAL_OF = HeadWatch.__dict__["of"]  # StandIn's HeadWatch.of knows no head


@pytest.fixture
def gcs():
    """A port that answers as the GCS Ray found would (the watch dials it)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"127.0.0.1:{server.getsockname()[1]}"


class FoundHead(StandIn):
    """The stand-in cluster, joined by `auto`: Ray says which GCS it is connected to."""

    def __init__(self, monkeypatch, project, gcs: str) -> None:
        super().__init__(monkeypatch, project, take=99, fail=False)
        self.gcs = gcs
        monkeypatch.setattr(ray_embed.HeadWatch, "of", REAL_OF)

    def get_runtime_context(self) -> SimpleNamespace:
        return SimpleNamespace(gcs_address=self.gcs)


def test_embed_ray_auto_names_the_head_it_found(project, monkeypatch, capsys, gcs):
    FoundHead(monkeypatch, project, gcs)
    args = ["embed", str(project.path), "--model", "tiny:48", "--ray", "auto"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["address"] == "auto" and data["head"] == gcs
    assert data["embedded"] > 0
    monkeypatch.setattr(ray_embed, "nothing_to_embed", lambda project, spec: None)  # again
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"on the Ray cluster at {gcs} (found by --ray auto)" in out
    assert "at auto " not in out


def test_a_named_address_is_the_head(project, monkeypatch, capsys, gcs):
    FoundHead(monkeypatch, project, gcs)
    args = ["embed", str(project.path), "--model", "tiny:48", "--ray", gcs, "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["address"] == data["head"] == gcs


def test_duplicates_ray_auto_names_the_head_it_found(monkeypatch, gcs):
    """The neighbour search's report (`duplicates --ray auto --json`'s cluster part)."""
    from labeldesk.cli.cluster_text import reached

    empty = (np.zeros((3, 1), np.float32), np.zeros((3, 1), np.int64))
    graph_stand_in(monkeypatch, [], lambda *a, **k: empty, gcs=gcs)
    report = ray_graph.graph_on_ray(SimpleNamespace(), address="auto")
    assert report.to_json()["address"] == "auto" and report.to_json()["head"] == gcs
    assert reached(report) == f"{gcs} (found by --ray auto)"
    assert reached(ClusterGraphReport("auto", mode="cached")) == "auto"  # never asked
