"""The predictions report each probe's folds as they are fitted (issue: the sidebar's
rescoring note could only count seconds through the predictions' step)."""

from __future__ import annotations

import numpy as np

from labeldesk.core.progress import Progress
from labeldesk.ml.insights import image_insights
from labeldesk.ml.out_of_sample import out_of_sample_probs
from labeldesk.ml.search import knn_graph

from .test_cleaning import two_lookalikes


def folds_of(reports: list[Progress], message: str) -> list[int]:
    return [r.done for r in reports if r.message == message]


def test_each_pass_and_probe_reports_its_folds_in_order():
    x, given, _ = two_lookalikes()  # 120 labels a class: enough to clean, and for pixels
    sims, rows = knn_graph(x, 10)
    pixels = np.random.default_rng(1).random((len(x), 64)).astype(np.float32)
    reports: list[Progress] = []
    out_of_sample_probs(
        x, given, np.ones(len(given), bool), 4, sims, rows, pixels=pixels, progress=reports.append
    )
    order = [r.message for r in reports]
    steps = list(dict.fromkeys(order))
    assert steps == ["probe", "pixel probe", "probe, pass 2", "pixel probe, pass 2"]
    for step in steps:  # each a run of its own: before each fold's fit, and after the last
        assert folds_of(reports, step) == [0, 1, 2, 3, 4, 5]
        assert {r.total for r in reports if r.message == step} == {5}
    assert [r.data for r in reports][:1] == [{"unit": "fold", "pass": 1, "passes": 2}]
    assert reports[-1].data == {"unit": "fold", "pass": 2, "passes": 2}


def test_the_insights_report_the_folds_inside_their_predictions_step(clustered_clean):
    reports: list[Progress] = []
    image_insights(clustered_clean, progress=reports.append)
    order = [r.message for r in reports]
    assert order[:2] == ["neighbours", "predictions"]
    assert order[-2:] == ["label quality", "done"]
    assert folds_of(reports, "probe") == [0, 1, 2, 3, 4, 5]  # between the two
    assert set(order[2:-2]) == {"probe"}
    # made once: read from the cache, nothing is fitted and no fold is reported
    again: list[Progress] = []
    image_insights(clustered_clean, progress=again.append)
    assert [r.message for r in again] == ["neighbours", "predictions", "label quality", "done"]
