"""The neighbours' vote weighs each neighbour by exp((cosine - 1) / T). Vectors stored
without unit length (a store written by other tools, or the benchmarks' synthetic ones)
give dot products far above 1: the weights overflowed to infinity, their shares to NaN, and
`issues` stopped with "18,681 rows of pred_probs contain NaN or infinity"."""

from __future__ import annotations

import numpy as np

from labeldesk.ml.predictions import knn_votes


def test_similarities_beyond_the_cosine_range_still_vote():
    sims = np.array([[120.0, 80.0, 3.0], [0.9, 0.5, -7.0]])  # dot products, not cosines
    rows = np.array([[1, 2, 0], [0, 2, 1]])
    labels = np.array([0, 1, 1])
    votes, share = knn_votes(sims, rows, labels, np.ones(3, bool), n_classes=2, k=3)
    assert np.isfinite(votes).all()
    assert np.allclose(votes.sum(axis=1), 1.0)
    assert votes[0, 1] > 0.5 and votes[1, 0] > 0.5  # the nearest neighbours still count most
    assert np.allclose(share, 1.0)
