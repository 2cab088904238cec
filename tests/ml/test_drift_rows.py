"""Drift's model outputs predict the rows they compare, not every row of the project
(:mod:`labeldesk.ml.drift_predictions`), with the figures the predictions of every row
gave; and their cache outlives a label change (keyed by the labels, not the history)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import calls_of

import labeldesk.ml.drift as drift
import labeldesk.ml.drift_pca as drift_pca
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


def _from_every_row(project, vectors, state, reference):
    """What ``drift_predictions._computed`` gives, taken from the plain predictions of
    every row (``project_predictions``) instead."""
    every = vectors_for_every_row(vectors)
    full = predictions.project_predictions(project, every, pixels=False, head=False)
    source, rows = drift_predictions.evaluation_rows(full.labels, full.splits, full.out_of_fold)
    return source, rows, np.concatenate([full.probs[reference], full.probs[rows]])


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
    with monkeypatch.context() as every_row:  # the project side taken from every row's
        every_row.setattr(drift_predictions, "_computed", _from_every_row)
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


def _counted_pca_fits(monkeypatch) -> list[int]:
    """The rows each fit of the probe's PCA is made on, one entry per fit."""
    fits = calls_of(monkeypatch, drift_pca, "fit_pca", lambda _features, rows, *_, **__: len(rows))
    monkeypatch.setattr(out_of_sample, "reduced_features", _refused)  # every row's PCA
    return fits


def test_a_relabel_fits_the_probe_again_but_not_its_pca(project, folder, monkeypatch):
    """The probe's PCA depends on the vectors alone: a first check fits it once and keeps
    it; a relabel, whose outputs follow the new labels (the probe is fitted again),
    reads it back, and its report is the one a check with no cache at all makes (before:
    every first check after a relabel computed the PCA of every row again)."""
    _forget(project)
    fits = _counted_pca_fits(monkeypatch)
    before = _outputs(drift_report(project, folder, **RUN))
    assert fits == [len(project.images())]  # a small project: every row
    images = [p for p in project.images()["path"] if p.startswith("test/c1/")][:6]
    try:
        project.set_labels({p: "c2" for p in images})
        after = _outputs(drift_report(project, folder, **RUN))
        assert after != before
        assert len(fits) == 1  # read back, not fitted again
        _forget(project)
        assert _outputs(drift_report(project, folder, **RUN)) == after
        assert len(fits) == 2
    finally:
        project.set_labels({p: "c1" for p in images})


def test_the_pca_of_a_bounded_sample(project, folder, monkeypatch):
    """Above drift_pca.FIT_MAX rows the PCA is fitted on a seeded sample of that many
    (at a million rows 100,000, not every row). The verdict, the five tests' p-values
    and the predicted classes (chi-square) are those of the PCA of every row; the
    sample's mean and scale move the project side's confidences a little (here, a
    sample of 80 of 210 rows: by about 0.001), so the figures made of them are compared
    within 0.005 (the confidence at which the model is 90 % right), or a few images (the
    shares below it). Not the per-class confidence tests' p-values: rank tests between
    confidences packed near 0.98, they move with any change of the probe."""
    _forget(project)
    every = _outputs(drift_report(project, folder, **RUN))
    _forget(project)
    fits = _counted_pca_fits(monkeypatch)
    monkeypatch.setattr(drift_pca, "FIT_MAX", 80)
    sampled = _outputs(drift_report(project, folder, **RUN))
    assert fits == [80]
    a, b = every.pop("predicted_classes"), sampled.pop("predicted_classes")
    low = every.pop("low_confidence_share"), sampled.pop("low_confidence_share")
    assert sampled == every  # the verdict, the tests, the summary, the new images' scores
    for key in ("new", "reference", "chi2", "p_value", "threshold_source"):
        assert a[key] == b[key]
    assert b["threshold"] == pytest.approx(a["threshold"], abs=0.005)
    # the shares under that threshold: a few images of 57 new and 210 reference ones
    assert low[1] == pytest.approx(low[0], abs=0.1)
    assert b["reference_low_confidence_share"] == pytest.approx(
        a["reference_low_confidence_share"], abs=0.05
    )
    for x, y in zip(a["per_class_confidence"], b["per_class_confidence"], strict=True):
        assert y["reference_mean"] == pytest.approx(x["reference_mean"], abs=0.005)


def test_the_report_is_the_same_whether_every_rows_predictions_are_cached(
    project, folder, monkeypatch
):
    """The same project, labels and folder give the same report whether or not the
    project's plain predictions of every row are cached (an earlier version's first
    check made them; ``project_predictions(pixels=False, head=False)`` does). Before,
    a check found them and took the project side's figures from them (the probe on the
    PCA of every row), else computed its own (the PCA of a sample,
    :mod:`labeldesk.ml.drift_pca`): at 100k rows and more the two
    differ, and so did the report (here the sample made smaller than the project, as at
    a million rows)."""
    monkeypatch.setattr(drift_pca, "FIT_MAX", 80)
    _forget(project)
    _full(project)
    every = vectors_for_every_row(mapped_project_vectors(project))
    assert predictions.predictions_if_cached(project, every, pixels=False, head=False)
    with_full = _outputs(drift_report(project, folder, **RUN))
    _forget(project)
    without = _outputs(drift_report(project, folder, **RUN))
    assert with_full == without
    _forget(project)
