"""Drift's model outputs predict the rows they compare, not every row of the project
(:mod:`labeldesk.ml.drift_predictions`), with the figures the predictions of every row
gave; and their cache outlives a label change (keyed by the labels, not the history)."""

from __future__ import annotations

from pathlib import Path

import pytest

import labeldesk.ml.drift as drift
import labeldesk.ml.drift_predictions as drift_predictions
import labeldesk.ml.neighbors as neighbors
import labeldesk.ml.out_of_sample as out_of_sample
import labeldesk.ml.predictions as predictions
from labeldesk.ml.drift import drift_report
from labeldesk.ml.store import (
    embeddings_dir,
    forget_shared_vectors,
    mapped_project_vectors,
    vectors_for_every_row,
)
from ml.drift_fixtures import RUN, new_folder, project_fixture

project = project_fixture("drift_rows")


def _outputs(report) -> dict:
    """What the predictions decide in a report: its JSON but the timings."""
    data = report.to_json()
    for key in ("created", "seconds", "embedded"):
        data.pop(key)
    return data


def _forget(project) -> None:
    """Every cache the outputs could be taken from: the predictions, the graph, ours."""
    for pattern in ("predictions-*.npz", "knn-*.npz", "drift-*.npz"):
        for path in embeddings_dir(project).rglob(pattern):
            path.unlink()
    forget_shared_vectors()


def _full(project) -> None:
    """The plain predictions of every row, made and cached as a first check made them."""
    every = vectors_for_every_row(mapped_project_vectors(project))
    predictions.project_predictions(project, every, pixels=False, head=False)


def _no_full_predictions(monkeypatch) -> None:
    def refused(*args, **kw):
        raise AssertionError("the neighbours of every row were computed")

    monkeypatch.setattr(neighbors, "neighbor_graph", refused)
    monkeypatch.setattr(predictions, "project_predictions", refused)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made, _ = new_folder(tmp_path / "new", per_class=15, new_class=12, seed=5)
    return made


@pytest.mark.parametrize("capped", [False, True])
def test_a_first_check_predicts_the_compared_rows_only_with_the_same_figures(
    project, folder, monkeypatch, capped
):
    """The report made from every row's predictions and the one made from the compared
    rows' alone are the same, verdict, p-values and outputs; the second computes neither
    every row's neighbours nor every row's predictions (the code before did: 350 s of CPU
    at a million rows). ``capped``: the reference and evaluation samples smaller than
    the project (as at a million rows), the same rows both ways."""
    if capped:
        monkeypatch.setattr(drift, "MAX_REFERENCE", 60)
        monkeypatch.setattr(drift_predictions, "MAX_EVAL", 12)
    _forget(project)
    _full(project)
    full = drift_report(project, folder, **RUN)
    assert full.outputs is not None and full.outputs.threshold_source == "test"
    assert sum(full.outputs.reference_counts) == (60 if capped else 210)
    _forget(project)
    with monkeypatch.context() as trap:
        _no_full_predictions(trap)
        predicted: list[int] = []
        real = drift_predictions.neighbours_of

        def counted(project, vectors, rows):
            predicted.append(len(rows))
            return real(project, vectors, rows)

        trap.setattr(drift_predictions, "neighbours_of", counted)
        rows_only = drift_report(project, folder, **RUN)
    assert predicted == [(60 + 12) if capped else (210 + 30)]
    assert _outputs(rows_only) == _outputs(full)
    assert not list(embeddings_dir(project).rglob("predictions-plain-*.npz"))
    # cached: the next check reads them (no neighbour searched, no probe fitted)
    monkeypatch.setattr(out_of_sample, "reduced_features", _refused)
    monkeypatch.setattr(drift_predictions, "neighbours_of", _refused)
    assert _outputs(drift_report(project, folder, **RUN)) == _outputs(full)


def _refused(*args, **kw):
    raise AssertionError("computed again")


def test_a_relabel_keeps_the_cache_and_the_outputs_follow_the_labels(project, folder, monkeypatch):
    """A relabel makes new predictions (they reflect the new labels: the same figures as
    every row's predictions under them) without throwing away those of the labels before:
    put back, the labels find them again and nothing is computed (before: the cache was
    keyed by the position in the label history, so it was made again, and the files of
    other labels were deleted)."""
    _forget(project)
    before = _outputs(drift_report(project, folder, **RUN))
    images = [p for p in project.images()["path"] if p.startswith("test/c0/")][:6]
    project.set_labels({p: "c1" for p in images})
    after = drift_report(project, folder, **RUN)
    assert _outputs(after) != before  # the test split's labels changed: so did its figures
    kept = list(embeddings_dir(project).rglob("drift-outputs-*.npz"))
    assert len(kept) == 2  # the labels before and after
    _forget(project)
    _full(project)
    assert _outputs(drift_report(project, folder, **RUN)) == _outputs(after)
    _forget(project)
    drift_report(project, folder, **RUN)  # the new labels' predictions again
    project.set_labels({p: "c1" for p in images})  # nothing changes: a new event
    project.set_status(images[:2], "verified")  # nor does a review mark
    project.set_labels({p: "c0" for p in images})  # back
    drift_report(project, folder, **RUN)  # the labels before again
    with monkeypatch.context() as trap:
        trap.setattr(out_of_sample, "reduced_features", _refused)
        trap.setattr(drift_predictions, "neighbours_of", _refused)
        assert _outputs(drift_report(project, folder, **RUN)) == before
        project.set_labels({p: "c1" for p in images})  # and the relabel's
        assert _outputs(drift_report(project, folder, **RUN)) == _outputs(after)
    project.set_labels({p: "c0" for p in images})  # as the module's other tests had it
