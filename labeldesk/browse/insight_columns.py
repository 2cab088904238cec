"""The model's per-image values as the catalog's arrays, made where they can be made
off the GUI thread.

At a million images joining a new set of scores onto the catalog (by id, names to
object arrays, the copies) cost 0.4-0.5 s of the GUI thread at every rescoring. It
reads only the catalog's ids (fixed for its lifetime) and its class list, so a
background job makes the arrays (:func:`insight_columns`) and the catalog only swaps
them in (:meth:`~labeldesk.browse.catalog.ImageCatalog.take_insights`). Qt-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from labeldesk.browse.object_arrays import objects
from labeldesk.ml.image_values import insight_values

if TYPE_CHECKING:
    from labeldesk.ml.insights import ImageInsights


class InsightColumns(NamedTuple):
    """The catalog's insight arrays for one set of the model's values, in the order of
    the ids they were made for, with what they were made from."""

    insights: ImageInsights
    classes: tuple[str, ...]  # the class list the names were joined against
    size: int  # how many ids (the catalog's length)
    rows: np.ndarray  # int64: the image's row in ``insights``, -1 not embedded
    predicted: np.ndarray  # objects, None where unknown (so are suggested and guess)
    confidence: np.ndarray  # float64, NaN where unknown (so are the other scores)
    issue_scores: np.ndarray
    flagged: np.ndarray  # bool
    suggested: np.ndarray
    outlier_scores: np.ndarray
    guess: np.ndarray
    guess_confidence: np.ndarray
    expected_wrong: np.ndarray | None  # bool, None: known for the whole project only
    # begun by the catalog (begin_insights): its mark, and copies of the labels and
    # statuses the flags are judged against
    token: object | None = None
    judged: tuple[np.ndarray, np.ndarray] | None = None


def insight_columns(
    index: pd.Index, insights: ImageInsights, classes: Sequence[str]
) -> InsightColumns:
    """``insights`` joined onto the image ids ``index`` by id, as the catalog keeps
    them (the work of a background job at a million images)."""
    values = insight_values(index, insights, classes)
    rows = values["insights_row"].to_numpy(dtype=np.int64, copy=True)
    expected_wrong = None
    if insights.has_model and insights.expected_wrong is not None:
        expected_wrong = np.zeros(len(rows), dtype=bool)
        expected_wrong[rows >= 0] = insights.expected_wrong[rows[rows >= 0]]
    return InsightColumns(
        insights=insights,
        classes=tuple(classes),
        size=len(index),
        rows=rows,
        predicted=objects(values["predicted"]),
        confidence=values["confidence"].to_numpy(dtype=np.float64, copy=True),
        issue_scores=values["issue_score"].to_numpy(dtype=np.float64, copy=True),
        flagged=values["flagged"].to_numpy(dtype=bool, copy=True),
        suggested=objects(values["suggested"]),
        outlier_scores=values["outlier_score"].to_numpy(dtype=np.float64, copy=True),
        guess=objects(values["guess"]),
        guess_confidence=values["guess_confidence"].to_numpy(dtype=np.float64, copy=True),
        expected_wrong=expected_wrong,
    )
