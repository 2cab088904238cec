"""A big project's drift report reads a bounded sample of its vectors: the reference the
tests use and the rows the probe is fitted on are seeded, stratified samples of at most
MAX_REFERENCE and MAX_PROBE_ROWS rows, taken before any vector is copied. Here the caps
are lowered to below the fixture project's size, so the bound is visible on a small one."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import numpy as np

import labeldesk.ml.drift as drift
import labeldesk.ml.drift_sample as drift_sample
import labeldesk.ml.store as store
from labeldesk.ml.drift import drift_report
from labeldesk.ml.drift_sample import stratified_sample
from ml.drift_fixtures import RUN, new_folder, project_fixture

project = project_fixture("drift")


class Counted(np.ndarray):
    """A project's vectors that record how many rows each gather (``x[rows]``) takes."""

    gathers: ClassVar[list[int]] = []

    def __getitem__(self, key):  # type: ignore[override]
        out = super().__getitem__(key)
        if isinstance(key, np.ndarray | list) and np.ndim(out) == 2:
            Counted.gathers.append(len(out))
        return out


def _counting(monkeypatch):
    real = store.project_vectors

    def counted(project, key=None):
        vectors = real(project, key)
        vectors.vectors = vectors.vectors.view(Counted)
        return vectors

    monkeypatch.setattr(store, "project_vectors", counted)
    Counted.gathers = []


def _without_time(report) -> dict:
    data = report.to_json()
    data.pop("created"), data.pop("seconds"), data.pop("embedded")
    return data


def test_rows_gathered_from_the_project_vectors_stay_under_the_caps(project, tmp_path, monkeypatch):
    folder, _ = new_folder(tmp_path / "same", per_class=20, seed=3)
    drift_report(project, folder, **RUN)  # warm: embeds the folder, caches the predictions
    _counting(monkeypatch)
    drift_report(project, folder, **RUN)
    assert max(Counted.gathers) >= 210  # uncapped: every labeled row is copied
    monkeypatch.setattr(drift, "MAX_REFERENCE", 50, raising=False)
    monkeypatch.setattr(drift_sample, "MAX_PROBE_ROWS", 40, raising=False)
    _counting(monkeypatch)
    report = drift_report(project, folder, **RUN)
    assert Counted.gathers and max(Counted.gathers) <= 50
    assert report.power["reference_images"] == 50 and report.reference == 210
    assert report.verdict in ("no detectable shift", "shift")


def test_a_project_under_the_caps_gets_the_same_report(project, tmp_path, monkeypatch):
    folder, _ = new_folder(tmp_path / "same", per_class=20, seed=5)
    before = _without_time(drift_report(project, folder, **RUN))
    assert before["reference"] == 210
    monkeypatch.setattr(drift, "MAX_REFERENCE", 210)  # exactly the size: nothing sampled
    monkeypatch.setattr(drift_sample, "MAX_PROBE_ROWS", 210)
    assert _without_time(drift_report(project, folder, **RUN)) == before


def test_the_sample_keeps_each_class_share_and_the_order_and_is_seeded():
    rng = np.random.default_rng(0)
    rows = rng.permutation(100_000)
    classes = np.where(rows % 10 == 0, "rare", np.where(rows % 2 == 0, "even", "odd"))
    picked = stratified_sample(rows, classes.tolist(), 1_000, seed=3)
    assert len(picked) == 1_000 and len(set(picked.tolist())) == 1_000
    shares = Counter(np.where(picked % 10 == 0, "rare", np.where(picked % 2 == 0, "even", "odd")))
    assert shares == {"rare": 100, "even": 400, "odd": 500}
    position = {r: i for i, r in enumerate(rows.tolist())}
    assert all(np.diff([position[r] for r in picked.tolist()]) > 0)  # the given order
    assert np.array_equal(picked, stratified_sample(rows, classes.tolist(), 1_000, seed=3))
    assert not np.array_equal(picked, stratified_sample(rows, classes.tolist(), 1_000, seed=4))
    assert stratified_sample(rows[:10], classes[:10].tolist(), 10, seed=3) is rows[:10] or (
        np.array_equal(stratified_sample(rows[:10], classes[:10].tolist(), 10, seed=3), rows[:10])
    )
