"""The one line `labeldesk embed --ray` and `duplicates --ray` print says "1 node" and
"1 worker" on a one-node cluster (it said "1 nodes, up to 1 workers"). No cluster: the
jobs are stand-ins that return their reports."""

from __future__ import annotations

from labeldesk import cli
from labeldesk.ml import ray_embed, ray_graph
from labeldesk.ml.ray_embed import ClusterEmbedReport
from labeldesk.ml.ray_graph import ClusterGraphReport


def run(argv: list[str], capsys) -> str:
    assert cli.main(argv) == 0
    return capsys.readouterr().out


def test_embed_on_one_node_says_node_and_worker(project, monkeypatch, capsys):
    def job(project, model, **kwargs):
        report = ClusterEmbedReport("tiny", "k", "cpu", address=kwargs["address"], nodes=1)
        report.workers, report.embedded, report.total, report.runtime = 1, 5, 5, "openvino"
        return report

    monkeypatch.setattr(ray_embed, "embed_on_ray", job)
    out = run(["embed", str(project.path), "--ray", "127.0.0.1:6379"], capsys)
    assert "on the Ray cluster at 127.0.0.1:6379 (1 node, up to 1 worker, cpu, openvino)" in out


def test_neighbours_on_one_node_say_node_and_worker(project, monkeypatch, capsys):
    def job(project, *, address, workers=None, progress=None, **_):
        return ClusterGraphReport(
            address, images=5, mode="exact", nodes=1, workers=1, threads=2, cpus=[2]
        )

    monkeypatch.setattr(ray_graph, "graph_on_ray", job)
    out = run(["duplicates", str(project.path), "--ray", "127.0.0.1:6379"], capsys)
    assert "(1 node, 1 worker x 2 CPUs, exact index)" in out
