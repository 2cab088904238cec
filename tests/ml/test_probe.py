from __future__ import annotations

import numpy as np

from labeldesk.ml import probe
from labeldesk.ml.probe import probe_probabilities


def blobs(n_per: int = 40, classes: int = 3, dim: int = 32, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dim)) * 3
    y = np.repeat(np.arange(classes), n_per)
    x = centres[y] + rng.normal(size=(len(y), dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32), y


def test_out_of_fold_rows_never_train_on_themselves(monkeypatch):
    x, y = blobs()
    seen: list[set[int]] = []
    real_fit = probe._fit

    def spy(xs, ys, n_classes, c=probe.C_REG):
        seen.append({tuple(np.round(r, 5)) for r in xs})
        return real_fit(xs, ys, n_classes, c)

    monkeypatch.setattr(probe, "_fit", spy)
    out = probe_probabilities(x, y, np.ones(len(y), bool), 3, n_folds=4)
    assert out.out_of_fold.all()
    assert len(seen) == 4  # one fit per fold, no final fit needed: every row was held out
    reduced = probe.reduce(x)
    rows = [tuple(np.round(r, 5)) for r in reduced]
    assert all(sum(r in fold for fold in seen) == 3 for r in rows)  # in 3 of 4 fits only


def test_flipped_label_gets_low_out_of_fold_confidence():
    x, y = blobs()
    noisy = y.copy()
    noisy[5] = 2  # truly class 0
    out = probe_probabilities(x, noisy, np.ones(len(y), bool), 3)
    self_conf = out.probs[np.arange(len(y)), noisy]
    assert self_conf.argmin() == 5 and self_conf[5] < 0.2
    assert out.probs[5].argmax() == 0


def test_unlabeled_and_held_out_splits_get_plain_predictions():
    x, y = blobs()
    labels = y.copy()
    labels[:10] = -1  # unlabeled
    train = np.ones(len(y), bool)
    train[10:20] = False  # labeled val/test rows: predicted, not trained on, not out-of-fold
    out = probe_probabilities(x, labels, train, 3)
    assert not out.out_of_fold[:20].any() and out.out_of_fold[20:].all()
    assert (out.probs[:20].argmax(axis=1) == y[:20]).mean() >= 0.9
    assert np.allclose(out.probs.sum(axis=1), 1.0)


def test_degenerate_label_sets():
    x, y = blobs()
    nothing = probe_probabilities(x, np.full(len(y), -1), np.ones(len(y), bool), 3)
    assert np.allclose(nothing.probs, 1 / 3) and not nothing.out_of_fold.any()
    one_class = np.where(y == 0, 0, -1)
    out = probe_probabilities(x, one_class, np.ones(len(y), bool), 3)
    assert (out.probs.argmax(axis=1) == 0).all()
    rare = y.copy()
    rare[rare == 2] = 1
    rare[0] = 2  # a class with a single example: its fold cannot have seen it
    out = probe_probabilities(x, rare, np.ones(len(y), bool), 3)
    assert out.probs[0, 2] == 0.0 and np.isfinite(out.probs).all()


def test_a_probes_own_regularisation_overrides_the_module_default():
    """``c_reg`` is what the pixels' probe would be fit with (pixel_view.PROBE_C): a larger
    C regularises less, so the out-of-fold probabilities are sharper on the same folds."""
    x, y = blobs()
    everyone = np.ones(len(y), bool)
    default = probe_probabilities(x, y, everyone, 3, n_folds=4).probs.max(axis=1).mean()
    loose = probe_probabilities(x, y, everyone, 3, n_folds=4, c_reg=100.0).probs.max(axis=1)
    tight = probe_probabilities(x, y, everyone, 3, n_folds=4, c_reg=0.01).probs.max(axis=1)
    assert tight.mean() < default < loose.mean()
