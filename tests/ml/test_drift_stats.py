"""The drift report's statistics on synthetic embeddings: false alarms, power, novelty
ranking, the power check and the model-output tests (arrays only, no project)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from labeldesk.ml import drift_tests as T
from labeldesk.ml.drift_outputs import compare_outputs, confidence_for_accuracy
from labeldesk.ml.drift_verdict import compare_vectors, summary_text

DIM = 64


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def clustered(rng: np.random.Generator, centres: np.ndarray, n: int) -> np.ndarray:
    """Embedding-like vectors: a mixture of classes, normalised to the unit sphere."""
    return unit(centres[rng.integers(len(centres), size=n)] + rng.normal(size=(n, DIM)))


def test_same_distribution_raises_at_most_five_percent_false_alarms():
    """Five tests, each at 1 % (Bonferroni); with 100 permutations a p-value below 0.01
    needs the observed statistic to beat every permuted one (an exact level of 1/101), and
    the outlier share's exact test is at most 1 %, so the verdict's false-alarm rate is at
    most about 5 %. 100 seeds: 40 would leave too much luck in a rate of a few percent."""
    alarms = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        centres = rng.normal(size=(5, DIM)) * 1.5
        found = compare_vectors(
            clustered(rng, centres, 300), clustered(rng, centres, 80), permutations=100, seed=seed
        )
        assert found.verdict in ("shift", "no detectable shift")
        alarms += found.shift
    assert alarms <= 5  # 5 % of 100


@pytest.mark.parametrize("seed", range(5))
def test_a_new_class_is_a_shift_and_its_images_rank_first(seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, DIM)) * 1.5
    reference = clustered(rng, centres[:5], 500)
    new = np.concatenate([clustered(rng, centres[:5], 80), clustered(rng, centres[5:], 20)])
    found = compare_vectors(reference, new, permutations=200, seed=seed)
    assert found.shift and found.verdict == "shift"
    top = np.argsort(-found.new_novelty)[:20]
    assert np.mean(top >= 80) >= 0.9  # precision of the novelty ranking in the top 20


def test_a_small_mean_shift_is_found_by_the_classifier_test():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(5, DIM)) * 1.5
    reference = clustered(rng, centres, 600)
    new = clustered(rng, centres, 200)
    new = unit(new + 0.25 * unit(rng.normal(size=(1, DIM))))
    found = compare_vectors(reference, new, permutations=200)
    assert found.shift and found.auc is not None and found.auc > 0.6
    assert found.auc_ci is not None and found.auc_ci[0] < found.auc < found.auc_ci[1]


def test_mmd_sees_a_change_of_spread_that_leaves_the_mean_alone():
    rng = np.random.default_rng(0)
    reference, new = rng.normal(size=(400, 8)), rng.normal(size=(150, 8)) * 1.6
    mmd = T.mmd_test(reference, new, permutations=200)
    assert mmd.p_value < 0.01
    same = T.mmd_test(reference, rng.normal(size=(150, 8)), permutations=200)
    assert same.p_value > 0.05


def test_too_few_images_is_no_power_not_no_shift():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, DIM)) * 1.5
    reference = clustered(rng, centres, 400)
    few = compare_vectors(reference, clustered(rng, centres, 5))
    assert few.verdict == "no power" and few.shift is None and few.auc is None
    assert few.power["enough"] is False and len(few.new_novelty) == 5
    assert "not a 'no shift' verdict" in summary_text(few, 0.0, 0.05)
    some = compare_vectors(reference, clustered(rng, centres, 12), permutations=200)
    assert some.auc is not None and some.power["min_detectable_auc"] > 0.7
    assert some.verdict in ("no power", "shift")  # never "no detectable shift"
    assert (some.shift is None) == (some.verdict == "no power")  # never False: not "no shift"
    if not some.shift:
        assert "too few to rule one out" in summary_text(some, 0.0, 0.05)
    many = compare_vectors(reference, clustered(rng, centres, 200), permutations=200)
    assert many.power["enough"] and many.power["min_detectable_auc"] < 0.62


def test_auc_matches_sklearn_and_delong_interval_covers_it():
    rng = np.random.default_rng(1)
    scores = np.r_[rng.normal(0, 1, 300), rng.normal(0.8, 1, 100)]
    is_new = np.r_[np.zeros(300, bool), np.ones(100, bool)]
    auc = float(T.auc_of(scores, is_new)[0])
    assert auc == pytest.approx(roc_auc_score(is_new, scores))
    lo, hi = T.delong_ci(scores, is_new)
    assert lo < auc < hi and 0.05 < hi - lo < 0.2


def test_c2st_p_value_is_uniform_enough_under_the_null():
    p_values = []
    for seed in range(30):
        rng = np.random.default_rng(100 + seed)
        p_values.append(
            T.c2st(
                rng.normal(size=(150, 8)), rng.normal(size=(50, 8)), permutations=99, seed=seed
            ).p_value
        )
    p = np.array(p_values)
    assert p.min() >= 0.01 and 0.3 < np.median(p) < 0.75


def test_knn_percentiles_place_far_images_high():
    ref_dist = np.linspace(0.1, 0.5, 101)
    new_pct, ref_pct = T.knn_percentiles(np.array([0.05, 0.3, 0.9]), ref_dist)
    assert new_pct.tolist() == pytest.approx([0.0, 0.5, 1.0], abs=0.01)
    assert ref_pct.min() == 0.0 and ref_pct.max() == 1.0


def test_confidence_at_which_the_model_was_ninety_percent_right():
    conf = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    correct = np.array([1, 1, 1, 1, 0, 0], bool)
    assert confidence_for_accuracy(conf, correct) == pytest.approx(0.7)
    assert confidence_for_accuracy(conf, ~correct) is None


def test_model_outputs_flag_a_different_class_mix_and_lower_confidence():
    rng = np.random.default_rng(0)
    classes = ["a", "b", "c"]

    def probs(predicted: np.ndarray, confidence: np.ndarray) -> np.ndarray:
        out = np.tile(((1 - confidence) / 2)[:, None], (1, 3))
        out[np.arange(len(out)), predicted] = confidence
        return out

    reference = probs(rng.integers(3, size=600), rng.uniform(0.8, 1.0, 600))
    new = probs(np.r_[np.zeros(80, int), rng.integers(3, size=20)], rng.uniform(0.4, 0.9, 100))
    eval_conf = rng.uniform(0.8, 1.0, 100)
    shift = compare_outputs(classes, reference, new, eval_conf, np.ones(100, bool), "test")
    assert shift.p_value < 1e-6 and shift.new_counts[0] >= 80
    assert shift.threshold == pytest.approx(eval_conf.min())
    assert shift.low_confidence_share is not None and shift.low_confidence_share > 0.7
    assert shift.reference_low_share is not None and shift.reference_low_share < 0.1
    by_class = {row["class"]: row for row in shift.per_class}
    assert (
        by_class["a"]["p_value"] < 0.01
        and by_class["a"]["new_mean"] < by_class["a"]["reference_mean"]
    )
    same = compare_outputs(
        classes, reference, reference[:100], eval_conf, np.ones(100, bool), "test"
    )
    assert same.p_value > 0.01


def test_a_fifth_of_the_folder_from_elsewhere_is_a_shift_the_averaging_tests_miss():
    """40 of 200 new images far from anything in the project (a new camera): the share
    beyond the reference's own 95th percentile is the signal, not the mean."""
    rng = np.random.default_rng(11)
    centres = rng.normal(size=(5, DIM)) * 1.5
    reference = clustered(rng, centres, 400)
    odd = unit(rng.normal(size=(40, DIM)))  # no class centre: far from every cluster
    new = np.concatenate([clustered(rng, centres, 160), odd])
    found = compare_vectors(reference, new, permutations=100, seed=0)
    assert found.outlier_share >= 0.2 and found.outlier_p_value < 1e-6
    assert found.shift
    same = compare_vectors(reference, clustered(rng, centres, 200), permutations=100, seed=0)
    assert same.outlier_share < 0.12 and same.outlier_p_value > 0.0167


def test_outlier_share_test_on_known_counts():
    ref = np.arange(100, dtype=float)  # 95th percentile 94.05: 5 beyond
    share, p = T.outlier_share_test(np.arange(20, dtype=float) + 90, ref)
    assert share == 0.75 and p < 0.001  # 15 of 20 beyond (95 … 109) vs 5 of 100
    share, p = T.outlier_share_test(np.arange(20, dtype=float), ref)
    assert share == 0.0 and p == 1.0


def test_the_summary_says_when_only_part_of_the_folder_moved():
    from labeldesk.ml.drift_verdict import ShiftTests

    power = {"enough": True, "min_detectable_auc": 0.57, "new_images": 200,
             "reference_images": 600}  # fmt: skip
    empty = np.zeros(0)
    part = ShiftTests(
        True, "shift", 0.52, (0.47, 0.58), 0.22, 0.24, power, empty, empty,
        np.zeros((0, 2)), np.zeros((0, 2)), outlier_share=0.15, outlier_p_value=5e-5,
    )  # fmt: skip
    text = summary_text(part, 0.15, 0.05)
    assert text.startswith("Shift in part of the folder: 15% of the new images")
    assert "p = 5e-05" in text
    whole = ShiftTests(
        True, "shift", 0.8, (0.75, 0.85), 0.001, 0.002, power, empty, empty,
        np.zeros((0, 2)), np.zeros((0, 2)), outlier_share=0.3, outlier_p_value=1e-9,
    )  # fmt: skip
    assert summary_text(whole, 0.3, 0.05).startswith("Shift (large difference)")


def shifted_along_the_classes(seed: int, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """1,000 reference vectors from 5 far-apart classes; 200 new ones from the same classes,
    half of them moved by ``delta`` (a within-class noise sd) along the line between two
    class centres: an offset as small as the classes' own noise, in a direction where the
    classes spread far (a change of the images that looks like a change of the mix)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(5, DIM)) * 3

    def draw(n: int) -> np.ndarray:
        return centres[rng.integers(5, size=n)] + rng.normal(size=(n, DIM))

    reference = unit(draw(1000))
    along = unit(centres[:1] - centres[1:2])
    return reference, unit(np.concatenate([draw(100) + delta * along, draw(100)]))


def test_half_the_folder_moved_slightly_is_found_against_the_look_alikes():
    """The raw-vector tests miss it (the classes' spread hides the offset); the same tests
    on each image's residual against its nearest labeled anchors find it."""
    found = compare_vectors(*shifted_along_the_classes(3, 1.5), permutations=200, seed=3)
    assert min(found.p_value, found.mmd_p_value, found.outlier_p_value) > 0.05
    assert min(found.residual_p_value, found.residual_mmd_p_value) < 0.01  # alpha / 5
    assert found.shift and found.verdict == "shift"
    assert summary_text(found, 0.0, 0.05).startswith("Shift in the images themselves")
    same = compare_vectors(*shifted_along_the_classes(3, 0.0), permutations=200, seed=3)
    assert min(same.residual_p_value, same.residual_mmd_p_value) >= 0.01
    assert same.shift is False


def test_local_residuals_use_only_the_first_half_as_anchors():
    e = np.eye(4, dtype=np.float32)
    ref = unit(np.stack([e[0], e[1], e[0] + 0.1 * e[3], e[1] + 0.1 * e[3]]))  # anchors: e0, e1
    new = unit(np.array([[1, 0, 0.1, 0], [0, 0, 1, 0]], dtype=np.float32))
    ref_r, new_r = T.local_residuals(ref, new, k=1)
    assert ref_r.shape == (2, 4) and np.allclose(ref_r, ref[2:] - e[:2])  # minus its anchor
    assert np.allclose(new_r[0], new[0] - e[0]) and new_r[1][2] == 1  # e2 is far from both


def test_a_copy_of_a_labeled_image_is_not_its_own_look_alike():
    """A new image with the same vector as an anchor is compared with the anchors most
    like it, not with itself (which would shrink its residual by a tenth)."""
    e = np.eye(4, dtype=np.float32)
    ref = unit(np.stack([e[0], e[0] + 0.2 * e[1], e[2], e[3]]))  # anchors: e0, near e0
    _, new_r = T.local_residuals(ref, ref[:1], k=1)
    assert np.allclose(new_r[0], e[0] - ref[1])  # e0 minus the other anchor
    _, new_r = T.local_residuals(np.stack([e[0], e[0], e[2], e[3]]), e[:1], k=1)
    assert np.allclose(new_r, 0)  # every anchor is a copy of it: nothing sets it apart


def test_a_folder_of_copies_of_labeled_images_is_no_shift():
    """A new folder holding copies of labeled images (which the report lists as copies)
    is drawn like the project: the look-alike tests found a 'shift in the images
    themselves' in it, each copy being its own nearest anchor."""
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(10, 32))
    reference = unit(centres[rng.integers(10, size=2000)] + 0.4 * rng.normal(size=(2000, 32)))
    copies = reference[rng.choice(2000, 500, replace=False)]
    found = compare_vectors(reference, copies, permutations=200, seed=1)
    assert min(found.residual_p_value, found.residual_mmd_p_value) >= 0.01
    assert found.shift is False
