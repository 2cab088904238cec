"""What the model says about each image, joined onto the per-image frame by image id.

The model's arrays (:class:`~labeldesk.ml.store.ProjectVectors`,
:class:`~labeldesk.ml.predictions.Predictions`, :class:`~labeldesk.ml.issues.LabelScores`,
gathered per embedded image in :class:`~labeldesk.ml.insights.ImageInsights`) are ordered
by the rows of the vector store's read, not by the frame: an image added by a rescan, or
one not embedded yet, shifts them. This is the one place that lines them up with
:func:`labeldesk.core.image_frame.image_frame`, by id, so no caller joins by row number or
by path again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from labeldesk.core.project import Project

    from .insights import ImageInsights

# The columns, in order. Names are categoricals like the frame's ``label``; scores are
# floats with NaN where unknown; ``insights_row`` is the image's row in the insights
# arrays (-1: not embedded), for the values a column cannot hold (the neighbours).
COLUMNS = (
    "predicted", "confidence", "issue_score", "flagged", "suggested", "outlier_score",
    "guess", "guess_confidence", "insights_row",
)  # fmt: skip


def model_values(
    project: Project,
    frame: pd.DataFrame | None = None,
    insights: ImageInsights | None = None,
) -> pd.DataFrame:
    """The model's values for every image of ``frame`` (read now when not given), indexed
    like it. ``insights`` are computed (or read from the caches) when not given; before
    anything is embedded every value is missing."""
    if frame is None:
        from labeldesk.core.image_frame import image_frame

        frame = image_frame(project)
    if insights is None:
        from .insights import insights_if_embedded

        insights = insights_if_embedded(project)
    return insight_values(frame.index, insights, list(frame.label.cat.categories))


def insight_values(
    ids: Sequence[int] | np.ndarray | pd.Index,
    insights: ImageInsights | None,
    classes: Sequence[str],
) -> pd.DataFrame:
    """``insights`` joined onto the image ids ``ids`` (in their order): the images it
    does not cover get NaN, a missing name, ``flagged`` False and ``insights_row`` -1.

    Class names become categoricals over ``classes`` (pass the frame's label categories:
    the codes are then class codes), with any name the insights know and ``classes`` do
    not (a class renamed since) kept as a further category."""
    import pandas as pd

    index = ids if isinstance(ids, pd.Index) else pd.Index(np.asarray(ids, dtype=np.int64))
    n = len(index)
    rows = np.full(n, -1, dtype=np.int64)
    if insights is not None and len(insights):
        positions = index.get_indexer(insights.ids)
        known = positions >= 0
        rows[positions[known]] = np.flatnonzero(known)
    has = rows >= 0
    take = rows[has]

    def numbers(values: np.ndarray | None) -> np.ndarray:
        out = np.full(n, np.nan)
        if values is not None:
            out[has] = values[take]
        return out

    names = [*classes, *(c for c in (insights.classes if insights else []) if c not in classes)]

    def categories(codes: np.ndarray | None) -> pd.Categorical:
        out = np.full(n, -1, dtype=np.int64)
        if insights is not None and codes is not None:
            picked = codes[take]
            lookup = np.array([names.index(c) for c in insights.classes] + [-1], dtype=np.int64)
            out[has] = lookup[np.where(picked >= 0, picked, len(insights.classes))]
        return pd.Categorical.from_codes(out, categories=names)

    guess = insights.guess if insights is not None else None
    guess_confidence = insights.guess_confidence if insights is not None else None
    if insights is not None and (guess is None or guess_confidence is None):
        guess, guess_confidence = insights.predicted, insights.confidence
    flagged = np.zeros(n, dtype=bool)
    if insights is not None:
        flagged[has] = insights.flagged[take]
    data = {
        "predicted": categories(insights.predicted if insights else None),
        "confidence": numbers(insights.confidence if insights else None),
        "issue_score": numbers(insights.issue_score if insights else None),
        "flagged": flagged,
        "suggested": categories(insights.suggested if insights else None),
        "outlier_score": numbers(insights.outlier_score if insights else None),
        "guess": categories(guess),
        "guess_confidence": numbers(guess_confidence),
        "insights_row": rows,
    }
    return pd.DataFrame(data, index=index, columns=list(COLUMNS))
