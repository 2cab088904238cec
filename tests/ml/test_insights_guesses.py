"""What the model thinks each image is: one class per image, agreeing with the suggestion."""

from __future__ import annotations

import numpy as np

from labeldesk.ml.insights import image_insights
from labeldesk.ml.issues import score_labels
from labeldesk.ml.predictions import project_predictions


def test_a_scored_label_takes_the_suggestion_and_the_rest_the_prediction(clustered):
    project, flipped = clustered
    insights = image_insights(project)
    assert insights.guess is not None and insights.guess_confidence is not None
    scored = ~np.isnan(insights.issue_score)
    # Where a label is scored, what the model thinks is the suggested class ...
    assert (insights.guess[scored] == insights.suggested[scored]).all()
    # ... and elsewhere (the unlabeled pool) the plain prediction with its probability.
    assert (insights.guess[~scored] == insights.predicted[~scored]).all()
    np.testing.assert_allclose(insights.guess_confidence[~scored], insights.confidence[~scored])
    assert ((insights.guess_confidence > 0) & (insights.guess_confidence <= 1)).all()
    # The planted errors: the model thinks "bee", the class their vectors come from.
    rows = np.flatnonzero(np.isin(insights.ids, list(project.ids_for(flipped).values())))
    assert {insights.classes[g] for g in insights.guess[rows]} == {"bee"}
    assert (insights.guess_confidence[rows] > 0.5).all()


def test_the_guess_is_the_top_class_after_removing_label_noise(clustered):
    """Its probability is the largest of its row: never a class the model thinks less of."""
    from labeldesk.ml.confident import check_inputs, estimate_noise_unchecked
    from labeldesk.ml.quality import denoise

    project, _ = clustered
    preds = project_predictions(project)
    scored = score_labels(preds)
    insights = image_insights(project)
    labels, probs = check_inputs(preds.labels[scored.rows], preds.probs[scored.rows])
    clean = denoise(probs, estimate_noise_unchecked(labels, probs).noise_matrix)
    conf = insights.guess_confidence[scored.rows]
    np.testing.assert_allclose(conf, clean.max(axis=1), atol=1e-9)


def test_insights_carry_the_expected_number_of_errors(clustered):
    project, _ = clustered
    insights = image_insights(project)
    expected = score_labels(project_predictions(project)).expected_errors
    assert insights.expected_errors == expected >= 1
