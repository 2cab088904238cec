"""Predictions refit without the labels that look wrong (one round of cleaning, issue 13).

A model fit on noisy labels learns the noise: when many images of one class carry a
look-alike's label, it learns that the look-alike is likely there, and those wrong labels
look less wrong. Refitting without the first pass's suspects (still out of fold) undoes it.
"""

from __future__ import annotations

import numpy as np

from labeldesk.ml import predictions, probe
from labeldesk.ml.predictions import CLEAN_MAX_SHARE, out_of_sample_probs, suspects
from labeldesk.ml.probe import probe_probabilities
from labeldesk.ml.search import knn_graph


def two_lookalikes(seed: int = 0, n_per: int = 120, flip: float = 0.3):
    """Four classes; 0 and 1 are close. ``flip`` of class 0's labels say 1 (a tired
    annotator); returns (unit vectors, given labels, truth)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 24)) * 2.5
    centres[1] = centres[0] + rng.normal(size=24) * 0.9
    truth = np.repeat(np.arange(4), n_per)
    x = centres[truth] + rng.normal(size=(len(truth), 24))
    given = truth.copy()
    zeros = np.flatnonzero(truth == 0)
    given[rng.choice(zeros, int(flip * len(zeros)), replace=False)] = 1
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32), given, truth


def test_rows_left_out_of_fitting_are_still_predicted_out_of_fold(monkeypatch):
    x, given, _ = two_lookalikes()
    learn = np.ones(len(given), bool)
    learn[:40] = False
    reduced = probe.reduce(x)
    left_out = {tuple(np.round(r, 5)) for r in reduced[:40]}
    fits: list[int] = []
    real_fit = probe._fit

    def spy(xs, ys, n_classes, c=probe.C_REG):
        fits.append(sum(tuple(np.round(r, 5)) in left_out for r in xs))
        return real_fit(xs, ys, n_classes, c)

    monkeypatch.setattr(probe, "_fit", spy)
    out = probe_probabilities(x, given, np.ones(len(given), bool), 4, fit_mask=learn)
    assert out.out_of_fold.all() and len(fits) == 5
    assert fits == [0] * 5  # no fit ever saw a left-out row
    assert np.allclose(out.probs.sum(axis=1), 1.0)


def test_cleaning_makes_the_learned_noise_visible():
    errors_p: dict[int, float] = {}
    for rounds in (0, 1):
        right_p, given_p = [], []
        for seed in range(3):
            x, given, truth = two_lookalikes(seed)
            sims, rows = knn_graph(x, predictions.KNN_K)
            probs, oof = out_of_sample_probs(
                x, given, np.ones(len(given), bool), 4, sims, rows, seed=seed, clean_rounds=rounds
            )
            assert oof.all() and np.allclose(probs.sum(axis=1), 1.0)
            wrong = given != truth
            given_p.append(probs[wrong, given[wrong]].mean())
            right_p.append(probs[~wrong, given[~wrong]].mean())
        errors_p[rounds] = float(np.mean(given_p))
        assert np.mean(right_p) > 0.7  # correct labels stay likely
    # the wrong labels' probability falls clearly once the noise is not learned
    assert errors_p[1] < errors_p[0] - 0.1


def test_suspects_never_take_more_than_the_share_of_a_class():
    labels = np.array([0] * 10 + [1] * 10)
    probs = np.tile([0.1, 0.9], (20, 1))  # class 1 is clearly 1
    probs[:6] = [0.05, 0.95]  # six of class 0 look like 1: over half the class
    probs[6:10] = [0.95, 0.05]
    out = suspects(labels, probs, np.ones(20, bool))
    assert out[:10].sum() == int(CLEAN_MAX_SHARE * 10)
    assert out[:6].sum() == int(CLEAN_MAX_SHARE * 10) and not out[10:].any()
    rows = np.zeros(20, bool)
    rows[10:] = True  # only these may be suspects: class 0 is not looked at
    assert not suspects(labels, probs, rows)[:10].any()


def test_the_head_predicts_only_rows_that_are_not_out_of_fold():
    x, given, _ = two_lookalikes()
    trainable = np.ones(len(given), bool)
    trainable[:30] = False  # say, the test split
    sims, rows = knn_graph(x, predictions.KNN_K)
    seen: list[int] = []

    def head(features: np.ndarray) -> np.ndarray:
        seen.append(len(features))
        return np.tile(np.eye(4)[3], (len(features), 1))

    probs, oof = out_of_sample_probs(x, given, trainable, 4, sims, rows, head)
    assert seen == [30] and not oof[:30].any() and oof[30:].all()
    # the head's answer (class 3) is mixed with the neighbours' vote, not replaced by it
    assert (probs[:30, 3] >= 1 - predictions.KNN_WEIGHT - 1e-9).all()


def test_too_few_labels_per_class_are_not_cleaned():
    x, given, _ = two_lookalikes(n_per=30)  # 30 per class: below CLEAN_MIN_PER_CLASS
    assert predictions.CLEAN_MIN_PER_CLASS > 30
    sims, rows = knn_graph(x, predictions.KNN_K)
    every = np.ones(len(given), bool)
    once, _ = out_of_sample_probs(x, given, every, 4, sims, rows, clean_rounds=1)
    never, _ = out_of_sample_probs(x, given, every, 4, sims, rows, clean_rounds=0)
    assert np.array_equal(once, never)
    x, given, _ = two_lookalikes(n_per=120)
    sims, rows = knn_graph(x, predictions.KNN_K)
    every = np.ones(len(given), bool)
    once, _ = out_of_sample_probs(x, given, every, 4, sims, rows, clean_rounds=1)
    never, _ = out_of_sample_probs(x, given, every, 4, sims, rows, clean_rounds=0)
    assert not np.array_equal(once, never)
