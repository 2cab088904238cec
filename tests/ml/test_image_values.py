"""The model's values join onto the per-image frame by image id, never by row number."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import write_image

from labeldesk.core.image_frame import image_frame
from labeldesk.core.vocab import class_codes
from labeldesk.ml.image_values import COLUMNS, insight_values, model_values
from labeldesk.ml.insights import ImageInsights, image_insights


def plain(value: object) -> object:
    """A Python value, None for any kind of missing (NaN, None, a categorical gap)."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    return value.item() if hasattr(value, "item") else value


def expected_row(insights: ImageInsights, image_id: int) -> dict:
    """What the insights say about one image, found by a plain search for its id."""
    (row,) = np.flatnonzero(insights.ids == image_id)
    assert insights.guess is not None and insights.guess_confidence is not None

    def name(code: int) -> str | None:
        return insights.classes[code] if code >= 0 else None

    raw = {
        "predicted": name(int(insights.predicted[row])),
        "confidence": insights.confidence[row],
        "issue_score": insights.issue_score[row],
        "flagged": insights.flagged[row],
        "suggested": name(int(insights.suggested[row])),
        "outlier_score": insights.outlier_score[row],
        "guess": name(int(insights.guess[row])),
        "guess_confidence": insights.guess_confidence[row],
        "insights_row": row,
    }
    return {k: plain(v) for k, v in raw.items()}


def actual_row(values: pd.DataFrame, image_id: int) -> dict:
    return {k: plain(v) for k, v in values.loc[image_id].items()}


def test_values_follow_the_frame_after_a_rescan_adds_images(clustered):
    project, _ = clustered
    insights = image_insights(project)
    root = project.root
    # New files that sort between the embedded ones: the frame's rows shift, the
    # insights' rows do not, and the new ids are the largest.
    added = ["train/ant/aaa-new.png", "train/bee/bee-new.png", "_unlabeled/a-new.png"]
    for n, rel in enumerate(added):
        write_image(root / rel, size=(8, 8), fmt="PNG", seed=900 + n)
    project.scan(workers=1)
    frame = image_frame(project)
    values = model_values(project, frame, insights)
    assert list(values.columns) == list(COLUMNS)
    assert values.index.equals(frame.index)
    positions = frame.index.get_indexer(insights.ids)
    assert (positions >= 0).all() and not np.array_equal(positions, np.arange(len(insights)))
    for image_id in insights.ids.tolist():
        assert actual_row(values, image_id) == expected_row(insights, image_id)
    new_ids = frame.index[frame.path.isin(added)]
    assert len(new_ids) == 3
    fresh = values.loc[new_ids]
    assert fresh.predicted.isna().all() and fresh.confidence.isna().all()
    assert not fresh.flagged.any() and (fresh.insights_row == -1).all()
    # The names are categoricals like the label: their codes are class codes.
    assert list(values.predicted.cat.categories) == project.classes()
    codes = values.predicted.cat.codes.to_numpy()
    by_name = class_codes(values.predicted.astype(object), project.classes())
    assert codes.tolist() == by_name.tolist()


def test_a_shuffled_insights_table_joins_by_id(clustered):
    project, _ = clustered
    frame = image_frame(project)
    insights = image_insights(project)
    order = np.random.default_rng(3).permutation(len(insights))
    arrays = {
        k: getattr(insights, k)[order]
        for k in (
            "ids", "predicted", "confidence", "issue_score", "flagged", "suggested",
            "outlier_score", "neighbour_ids", "neighbour_sims", "guess", "guess_confidence",
        )
    }  # fmt: skip
    shuffled = replace(insights, **arrays)
    values = insight_values(frame.index, shuffled, frame.attrs["classes"])
    reference = insight_values(frame.index, insights, frame.attrs["classes"])
    pd.testing.assert_frame_equal(
        values.drop(columns="insights_row"), reference.drop(columns="insights_row")
    )
    rows = values.insights_row.to_numpy()
    embedded = rows >= 0
    assert (shuffled.ids[rows[embedded]] == frame.index.to_numpy()[embedded]).all()


def test_names_the_current_classes_lack_are_kept_and_no_insights_is_all_missing():
    ids = pd.Index([30, 10, 20], dtype=np.int64)
    insights = ImageInsights(
        key="k",
        ids=np.array([20, 99, 10]),  # 99: an image the frame does not hold (removed)
        classes=["cat", "kitten"],  # "kitten" was renamed since
        predicted=np.array([1, 0, -1]),
        confidence=np.array([0.9, 0.8, np.nan]),
        issue_score=np.array([0.1, 0.2, np.nan]),
        flagged=np.array([True, False, False]),
        suggested=np.array([0, 1, -1]),
        outlier_score=np.array([0.3, 0.4, 0.5]),
        neighbour_ids=np.full((3, 1), -1),
        neighbour_sims=np.full((3, 1), np.nan),
    )
    values = insight_values(ids, insights, ["dog", "cat"])
    assert list(values.predicted.cat.categories) == ["dog", "cat", "kitten"]
    assert pd.isna(values.predicted.loc[10]) and values.predicted.loc[20] == "kitten"
    assert pd.isna(values.predicted.loc[30]) and values.insights_row.tolist() == [-1, 2, 0]
    assert values.suggested.loc[20] == "cat" and values.flagged.tolist() == [False, False, True]
    # Without a separate guess, what the model thinks is its prediction.
    assert values.guess.loc[20] == "kitten" and values.guess_confidence.loc[20] == 0.9
    assert values.outlier_score.loc[10] == pytest.approx(0.5)
    empty = insight_values(ids, None, ["dog", "cat"])
    assert empty.predicted.isna().all() and empty.confidence.isna().all()
    assert not empty.flagged.any() and (empty.insights_row == -1).all()


def test_model_values_before_anything_is_embedded_is_all_missing(project):
    values = model_values(project)
    assert len(values) == len(project.images()) and values.confidence.isna().all()
