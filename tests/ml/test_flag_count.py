"""The number of flagged images tracks the number of wrong labels (issue 10).

A weak model on look-alike classes disagrees with many correct labels; the old count
(``ambiguity``) took those close calls for errors. ``clear`` counts only clear
evidence and must stay near the truth with and without planted errors; the project's count
is ``clear_ambiguity`` now (tests/ml/test_clear_ambiguity_count.py).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from labeldesk.ml.confident import clear_errors, estimate_noise_unchecked
from labeldesk.quality import estimate_num_label_issues, find_label_issues

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def confusable_set(n_errors: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(given labels, probabilities, is-wrong) for 800 images of 4 classes.

    Classes 0 and 1 look alike: the model splits its belief between them at random (about
    a third of their correct labels are not its top class). Classes 2 and 3 are easy.
    ``n_errors`` images get another class's label; the model sees their true class.
    """
    rng = np.random.default_rng(seed)
    n, k = 800, 4
    truth = np.repeat(np.arange(k), n // k)
    probs = np.zeros((n, k))
    for i, t in enumerate(truth):
        if t < 2:
            share = rng.uniform(0.3, 0.95)  # belief in the true class vs its look-alike
            probs[i, t], probs[i, 1 - t] = 0.9 * share, 0.9 * (1 - share)
            probs[i, 2:] = 0.05
        else:
            probs[i] = 0.02
            probs[i, t] = 0.94
        probs[i] += rng.uniform(0, 0.02, k)
    probs /= probs.sum(axis=1, keepdims=True)
    given = truth.copy()
    wrong = rng.choice(n, n_errors, replace=False)
    for i in wrong:
        given[i] = rng.choice([c for c in range(k) if c != truth[i]])
    return given, probs, given != truth


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_clear_count_tracks_planted_errors_where_the_old_count_did_not(seed: int) -> None:
    labels, probs, wrong = confusable_set(24, seed)
    old = estimate_num_label_issues(labels, probs, method="ambiguity")
    new = estimate_num_label_issues(labels, probs, method="clear")
    assert old > 2 * wrong.sum()  # the look-alikes' close calls counted as errors
    # Within -40 % / +25 %: a planted error between the two look-alikes is itself a close
    # call for this model, and the clear count leaves close calls out.
    assert 0.6 * wrong.sum() <= new <= 1.25 * wrong.sum()
    flagged = find_label_issues(labels, probs, count_method="clear")
    assert flagged.sum() == new
    assert (flagged & wrong).sum() >= 0.9 * flagged.sum()  # and they are the wrong ones


def test_a_clean_set_flags_few() -> None:
    labels, probs, wrong = confusable_set(0)
    assert not wrong.any()
    assert find_label_issues(labels, probs).sum() > 50  # the old default
    assert find_label_issues(labels, probs, count_method="clear").sum() <= 0.01 * len(labels)


def test_clear_errors_need_a_confident_rival_that_is_clearly_likelier() -> None:
    labels = np.array([0, 0, 0, 1, 1, 1])
    probs = np.array(
        [
            [0.90, 0.10],
            [0.80, 0.20],
            [0.05, 0.95],  # confidently 1, 19 times likelier: clear
            [0.10, 0.90],
            [0.20, 0.80],
            [0.60, 0.40],  # confidently 0 (t0 = 0.583) but only 1.5 times likelier
        ]
    )
    estimate = estimate_noise_unchecked(labels, probs)
    assert clear_errors(labels, probs, estimate).tolist() == [False, False, True] + [False] * 3
    assert not clear_errors(labels, probs, estimate, ratio=20.0).any()
    assert clear_errors(labels, probs, estimate, ratio=1.0).tolist() == [False] * 2 + [
        True,
        False,
        False,
        True,
    ]


@pytest.fixture(scope="module")
def sample_scores(tmp_path_factory, backbone):
    if not (SAMPLE / "fashion").is_dir():
        pytest.skip("sample_data/fashion is not in this checkout")
    from labeldesk.core.create import create_and_index
    from labeldesk.ml.embed import embed_project
    from labeldesk.ml.issues import score_labels
    from labeldesk.ml.predictions import project_predictions

    project, _ = create_and_index(tmp_path_factory.mktemp("sample") / "p", SAMPLE / "fashion")
    with project:
        embed_project(project, backbone=backbone)
        preds = project_predictions(project)
        return preds, score_labels(preds)


def test_the_sample_flags_about_its_planted_errors(sample_scores) -> None:
    from sklearn.metrics import roc_auc_score

    preds, scored = sample_scores
    planted = {row["path"] for row in csv.DictReader((SAMPLE / "planted_errors.csv").open())}
    paths = [preds.paths[r] for r in scored.rows]
    is_planted = np.array([p in planted for p in paths])
    assert is_planted.sum() == len(planted) == 12
    # 12 planted plus some of Fashion-MNIST's own doubtful labels (shirt / t-shirt / top),
    # minus planted swaps the model cannot tell apart. On 400 labels the count is a draw
    # of the folds: 22-41 flagged, 5-9 of them planted, over 16 draws of the fold keys
    # (bench_sample_flags.py --fold-seeds 16); the folds the content hashes make (stable
    # folds, session 32) flag 39, 8 planted; shuffled folds flagged 26, 8 planted.
    assert 6 <= scored.expected_errors <= 3.5 * len(planted)
    assert scored.flagged.sum() == scored.expected_errors  # nothing verified yet
    # The ``clear`` count flagged 9 (5 planted) but counts under half of CIFAR-10N's
    # human errors (bench_label_suite.py). At least 5 planted and a fifth of the flags.
    assert (scored.flagged & is_planted).sum() >= max(5, scored.flagged.sum() / 5)
    # The ranking is untouched by the count: planted errors still score low.
    assert roc_auc_score(is_planted, -scored.scores) >= 0.85
