"""What the notebook API's listings share (part of :mod:`labeldesk.api`): their columns,
the DataFrame made of rows (:func:`frame`) and the rows made of it (:func:`records`),
times as Timestamps (:func:`with_times`), and the checks of a count or of predictions
given as arguments. Nothing heavy loads until a function is called."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


# Every table of images ends with the image's split (train/val/test; None: none), as
# `duplicates` and `history` give it: added last, so the columns before keep their places.
PREDICTION_COLUMNS = ("path", "predicted", "confidence", "label", "split")
ISSUE_COLUMNS = ("path", "label", "suggested", "score", "flagged", "verified", "judged", "split")
QUEUE_COLUMNS = ("path", "predicted", "score", "split")
SIMILAR_COLUMNS = ("path", "label", "score", "file_missing", "split")
OUTLIER_COLUMNS = ("path", "label", "score", "split")
VERSION_COLUMNS = (
    "name", "note", "created_at", "author", "label_event_id", "images", "automatic", "models",
)  # fmt: skip
DUPLICATE_COLUMNS = (
    "group", "kind", "path", "label", "split", "status", "similarity", "leak",
    "conflicting_labels",
)  # fmt: skip


def frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows as a DataFrame with exactly ``columns`` (also when there are no rows). A
    column without a gap keeps its own dtype (float scores, bool flags: ``~data.flagged``
    and ``nsmallest`` work); one with a gap is object, with ``None`` for the gap."""
    import pandas as pd

    data = pd.DataFrame.from_records(rows, columns=list(columns))
    for name in data.columns[data.isna().any()] if len(data) else ():
        data[name] = data[name].astype(object).where(data[name].notna(), None)
    return data


def records(data: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready rows: Python numbers and bools, ``None`` for missing."""
    clean = data.astype(object).where(data.notna(), None)
    return [{key: _plain(value) for key, value in row.items()} for row in clean.to_dict("records")]


def _plain(value: Any) -> Any:
    """A value as JSON holds it: a Timestamp as seconds since 1970, a NumPy scalar as
    Python's number or bool."""
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return value.timestamp()
    return value.item() if hasattr(value, "item") else value


def with_times(data: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``columns`` (seconds since 1970, as ``--json`` prints them) as pandas Timestamps in
    UTC, to the microsecond, so a listing's times sort, compare and plot as times
    (:func:`records` gives the seconds back)."""
    import pandas as pd

    for name in columns:
        times = pd.to_datetime(data[name].astype(float), unit="s", utc=True)
        data[name] = times.dt.as_unit("us")  # (empty, pandas would give us; else ns)
    return data


def check_predictions(predictions: object) -> None:
    """BadArgument unless ``predictions`` is None or a ``Predictions`` (what
    ``ld.crossfit_predictions(p)`` returns; a DataFrame of ``ld.predictions`` is not one)."""
    from labeldesk.core.errors import BadArgument
    from labeldesk.ml.predictions import Predictions

    if predictions is not None and not isinstance(predictions, Predictions):
        raise BadArgument(
            "predictions must be None (the project's own) or the Predictions that "
            f"ld.crossfit_predictions(p) returns, not {type(predictions).__name__}"
        )


def check_count(name: str, value: object, least: int) -> int:
    """``value`` as an int (a NumPy integer too); BadArgument unless it is a whole number
    of at least ``least``."""
    from labeldesk.core.errors import BadArgument

    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise BadArgument(f"{name} must be a whole number of at least {least}, not {value!r}")
    return int(value)
