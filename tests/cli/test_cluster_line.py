"""`duplicates --ray` says how many CPUs each worker had: workers are sized per node, so
on uneven nodes "3 workers x 8 CPUs" (the smallest) understated the 64-CPU head."""

from __future__ import annotations

from labeldesk.cli.cluster_text import cluster_line
from labeldesk.ml.ray_graph import ClusterGraphReport


def line(cpus: list[int]) -> str:
    report = ClusterGraphReport("10.0.0.1:6379", images=1000, mode="shipped", nodes=3)
    report.workers, report.cpus, report.threads = len(cpus), cpus, min(cpus)
    return cluster_line(report)


def test_uneven_workers_list_each_ones_cpus():
    assert "3 workers (64+8+8 CPUs)" in line([8, 64, 8])  # was: 3 workers x 8 CPUs
    assert "4 workers (32+32+8+8 CPUs)" in line([32, 32, 8, 8])


def test_many_uneven_workers_are_grouped_by_size():
    assert "12 workers (2x32+10x8 CPUs)" in line([32, 32] + [8] * 10)


def test_equal_workers_keep_the_short_form():
    text = line([8, 8, 8])
    assert "3 workers x 8 CPUs" in text and "shipped index" in text


def test_one_cpu_each_is_said_in_the_singular():
    assert "2 workers x 1 CPU," in line([1, 1])  # was "2 workers x 1 CPUs"
