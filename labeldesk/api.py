"""The notebook API: the functions the command line and the app use, DataFrames out.

In the style of cleanlab: plain functions, the project first, options keyword-only::

    import labeldesk as ld
    p = ld.open_project("proj")
    ld.embed(p)                                   # progress: bar, notebook widget or log lines
    ld.issues(p).head()                           # path, label, suggested, score, flagged, …
    ld.queue(p, n=50); ld.similar(p, "train/cat/001.jpg", k=10); ld.outliers(p, n=20)
    ld.model_values(p)                            # per image id: prediction, scores, …
    ld.export(p, "out", format="imagefolder")

Each listing is a DataFrame with a ``path`` column (relative to the image folder, ``/``
separators): the rows ``labeldesk … --json`` prints, as columns. A missing value is always
``None`` (never NaN): a column with one is object; a column without keeps its dtype (float
scores, bool flags). A time (``created_at``) is a pandas Timestamp in UTC, where ``--json``
prints seconds since 1970 (:func:`records` gives the seconds back); ``p.images()``'s
``mtime_ns`` is no time of LabelDesk's but the file's own stamp, whole nanoseconds as
``os.stat`` gives them. :func:`model_values` is not a listing but a per-image table
indexed by image id like ``p.images()`` (categoricals, NaN for missing), to join with it.
Heavy libraries load only when a function is called. Some of the functions live in
:mod:`labeldesk.api_projects` (opening and making a project), :mod:`labeldesk.api_folders`
(export, drift) and :mod:`labeldesk.api_versions` (dataset and model versions), what the
listings share in :mod:`labeldesk.api_tables`; all are reached from here, as ``ld.NAME``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from labeldesk.api_folders import EXPORT_FILLED as EXPORT_FILLED
from labeldesk.api_folders import drift as drift  # ld.drift
from labeldesk.api_folders import export as export  # ld.export
from labeldesk.api_projects import new_project as new_project  # ld.new_project
from labeldesk.api_projects import open_project as open_project  # ld.open_project
from labeldesk.api_tables import (
    DUPLICATE_COLUMNS,
    ISSUE_COLUMNS,
    OUTLIER_COLUMNS,
    PREDICTION_COLUMNS,
    QUEUE_COLUMNS,
    SIMILAR_COLUMNS,
    check_count,
    check_predictions,
    frame,
)
from labeldesk.api_tables import VERSION_COLUMNS as VERSION_COLUMNS
from labeldesk.api_tables import records as records  # ld.api.records
from labeldesk.api_tables import with_times as with_times
from labeldesk.api_versions import create_version as create_version  # ld.create_version
from labeldesk.api_versions import model_versions as model_versions  # ld.model_versions
from labeldesk.api_versions import open_version_diff as open_version_diff
from labeldesk.api_versions import version_diff as version_diff  # ld.version_diff
from labeldesk.api_versions import versions as versions  # ld.versions
from labeldesk.api_words import api_words, reasons_in_api_words
from labeldesk.core.display import quoted_names
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.progress_bar import shown_progress

if TYPE_CHECKING:
    import pandas as pd

    from labeldesk.core.project import Project
    from labeldesk.ml.predictions import Predictions


@api_words
def embed(
    project: Project,
    *,
    model: str | None = None,
    device: str = "auto",
    batch_size: int | None = None,
    runtime: str = "auto",
    progress: ProgressCallback | bool | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Embed every image without a vector yet (incremental, resumable); the report, as
    ``labeldesk embed --json`` prints it. ``runtime``: auto, torch, openvino or onnx
    (``--runtime``); ``model="NAME:SIZE"`` sets the input size (``--input-size``);
    ``batch_size``: None (the device's default) or a whole number of at least 1.

    ``progress`` (as in :func:`export`, :func:`drift`, :func:`duplicates`,
    :func:`crossfit_predictions`, :func:`new_project` and ``p.scan()``): None shows it
    where this runs (a widget in a Jupyter notebook with ipywidgets, else a line every
    10 s there; a bar in a terminal; where stderr is a file or a pipe, a line as each
    step starts, at least every 30 s, and as it ends); False shows nothing; a function
    gets each :class:`~labeldesk.core.progress.Progress`.
    ``cancel``: a :class:`~labeldesk.core.progress.CancelToken` to stop it from another
    thread (what was embedded is kept)."""
    from labeldesk.ml.embed import embed_project

    if batch_size is not None:
        batch_size = check_count("batch_size", batch_size, 1)

    with shown_progress(progress) as report_progress:
        report = embed_project(
            project,
            model,
            device=device,
            batch_size=batch_size,
            progress=report_progress,
            cancel=cancel,
            runtime=runtime,
        )
    data = report.to_json()
    data["failed"] = reasons_in_api_words(data["failed"])
    return data


@api_words
def predictions(
    project: Project, *, label: str | None = None, predicted: str | None = None
) -> pd.DataFrame:
    """Predicted class and confidence of every embedded image (``label`` and ``predicted``
    narrow it to one cell of the confusion matrix)."""
    from labeldesk.core.errors import UnknownClassError
    from labeldesk.ml.predictions import project_predictions

    preds = project_predictions(project)
    for name in (label, predicted):
        if name is not None and name not in preds.classes:
            raise UnknownClassError(f"no class {name!r}; classes: {quoted_names(preds.classes)}")
    rows = [
        r
        for r in preds.to_json()
        if label in (None, r["label"]) and predicted in (None, r["predicted"])
    ]
    return frame(rows, PREDICTION_COLUMNS)


@api_words
def issues(
    project: Project, *, include_all: bool = False, predictions: Predictions | None = None
) -> pd.DataFrame:
    """Likely mislabels (or every labeled image), most suspicious first; ``predictions``
    scores other predictions than the project's own (e.g. the first value of
    ``ld.crossfit_predictions(p)``).

    ``.attrs["failed"]``: the images the predictions could not read, so not judged and
    not in the table (with ``include_all``, listed unjudged): ``predictions.failed``
    (``{"path", "reason"}``: unreadable, or changed since the last scan, which
    ``p.scan()`` takes in); none for the project's own predictions, which hold the
    embedded images (:func:`embed`'s report lists those it could not read)."""
    from labeldesk.ml.issues import label_issues

    check_predictions(predictions)
    found = label_issues(project, include_all=include_all, preds=predictions)
    table = frame([i.to_json() for i in found], ISSUE_COLUMNS)
    failed = [] if predictions is None else predictions.failed
    table.attrs["failed"] = reasons_in_api_words([dict(row) for row in failed])
    return table


@api_words
def crossfit_predictions(
    project: Project,
    *,
    refit: bool = False,
    device: str = "auto",
    progress: ProgressCallback | bool | None = None,
    cancel: CancelToken | None = None,
) -> Predictions:
    """The project's predictions on cross-fitted features (``labeldesk issues
    --crossfit``), for ``ld.issues(p, predictions=...)`` and ``ld.expected_errors``.
    Read from the project's cached fit when it holds every embedded image, else fitted
    now (``refit``: always), with a progress bar as :func:`embed` shows (``progress``:
    your own callback instead). Fitting trains the backbone twice: minutes on a GPU,
    about 8 minutes for 600 images on two CPU cores. (Unlike
    ``labeldesk.ml.crossfit.crossfit_predictions``, only the predictions, not the fit.)

    ``.failed``: the images the fit left out, not judged (``{"path", "reason"}``, as in
    :func:`embed`'s report): unreadable, or changed since the last scan (``p.scan()``
    takes those in)."""
    from labeldesk.ml.crossfit import crossfit_predictions as cross_fitted

    with shown_progress(progress) as report_progress:
        preds, fit = cross_fitted(
            project, device=device, refit=refit, progress=report_progress, cancel=cancel
        )
    preds.failed = reasons_in_api_words(fit.failed)
    return preds


@api_words
def model_values(project: Project) -> pd.DataFrame:
    """What the model says about every image, indexed by image id like ``p.images()``
    (``p.images().merge(ld.model_values(p), left_index=True, right_index=True,
    suffixes=("", "_model"))`` puts them side by side; ``join`` with ``rsuffix`` warns in
    pandas 3).

    Columns: ``path``, then ``predicted``, ``confidence``, ``issue_score``, ``flagged``,
    ``suggested``, ``outlier_score``, ``guess`` (what the app says the image is) and
    ``guess_confidence``. A per-image table, not a listing: names are categoricals over
    the classes (``.cat.codes`` are class codes) and a missing value is NaN, as in
    ``p.images()``; images not embedded yet have no values."""
    from labeldesk.core.image_frame import image_frame
    from labeldesk.ml.image_values import model_values as joined

    images = image_frame(project)
    return images[["path"]].join(joined(project, images).drop(columns="insights_row"))


@api_words
def expected_errors(project: Project, *, predictions: Predictions | None = None) -> int:
    """How many labels are likely wrong (the "about N" the app shows)."""
    from labeldesk.ml.issues import score_labels
    from labeldesk.ml.predictions import project_predictions

    check_predictions(predictions)
    return int(score_labels(predictions or project_predictions(project)).expected_errors)


@api_words
def queue(
    project: Project,
    n: int = 25,
    *,
    strategy: str = "auto",
    seed: int = 0,
    all_splits: bool = False,
) -> pd.DataFrame:
    """The unlabeled images worth labeling next, most useful first: by default only those
    whose label the model learns from (train split, or no split folder); ``all_splits``:
    val and test images too. ``.attrs["held_out"]``: {split: count} of the unlabeled
    images left out for their split (empty with ``all_splits``)."""
    from labeldesk.ml.queue import next_to_label

    n = check_count("n", n, 1)
    found = next_to_label(project, n, strategy, seed, all_splits=all_splits)
    table = frame(found.rows, QUEUE_COLUMNS)
    table.attrs["held_out"] = found.held_out
    return table


@api_words
def similar(project: Project, path: str | os.PathLike[str], *, k: int = 10) -> pd.DataFrame:
    """The ``k`` images most like ``path`` (relative to the image folder, or a
    ``pathlib.Path``, or absolute), nearest first (the image itself left out).
    ``file_missing``: the image's file is no longer in the image folder (deleted, moved
    or renamed since the last scan; ``p.scan()`` brings the project up to date): it is
    listed from its stored embedding."""
    from labeldesk.core.gone_files import files_gone
    from labeldesk.core.label_files import normalise_path
    from labeldesk.ml.neighbors import similar as nearest

    k = check_count("k", k, 1)
    rel = normalise_path(project, os.fspath(path))
    rows = nearest(project, rel, k=k)
    gone = files_gone(project, [str(row["path"]) for row in rows])
    for row, missing in zip(rows, gone, strict=True):
        row["file_missing"] = missing
    return frame(rows, SIMILAR_COLUMNS)


@api_words
def outliers(project: Project, n: int = 20) -> pd.DataFrame:
    """Images least like any other, most unusual first (``n=0``: all of them)."""
    from labeldesk.ml.duplicates import outliers as unusual

    n = check_count("n", n, 0)
    rows = unusual(project)
    return frame(rows[:n] if n else rows, OUTLIER_COLUMNS)


@api_words
def stats(project: Project) -> dict[str, Any]:
    """The numbers ``labeldesk stats --json`` prints: ``p.stats()`` (images, labels,
    classes, splits, skipped files: the project database's counts) and
    ``unfinished_embeddings``: a fine-tune whose embeddings are not whole yet, as
    ``{"version", "embedded", "images"}`` (``ld.embed(p)`` finishes them), or None; and
    ``embeddings``: those in use, ``{"model", "embedded", "images"}`` (fewer embedded
    than images: a run stopped part-way, which ``ld.embed(p)`` finishes), or None."""
    from labeldesk.ml.unfinished import stats_with_unfinished

    return stats_with_unfinished(project)[0]


@api_words
def unembedded(project: Project) -> int:
    """How many images have no embedding yet (all of them before ``ld.embed``)."""
    from labeldesk.ml.store import unembedded as count

    return count(project)


DEFAULT: Any = object()  # "the method's own default" (kept in one place: ml.duplicates)


@api_words
def duplicates(
    project: Project,
    *,
    threshold: float = DEFAULT,
    hash_distance: int | None = DEFAULT,
    progress: ProgressCallback | bool | None = None,
    cancel: CancelToken | None = None,
) -> pd.DataFrame:
    """Exact and near-duplicate groups, one row per image (``group`` numbers them from
    1, leaking groups first: the numbers the app and ``labeldesk duplicates`` show).
    ``hash_distance=None`` lets similarity alone decide. An excluded image (``status``)
    takes no part in a leak or a label conflict: excluding all but one image of a group
    resolves it. Near duplicates are looked for among the
    embedded images only (``ld.unembedded(p)`` says how many are not)."""
    from labeldesk.ml.duplicates import find_duplicates
    from labeldesk.ml.near_defaults import DEFAULT_HASH_DISTANCE, DEFAULT_THRESHOLD

    with shown_progress(progress) as report_progress:
        groups = find_duplicates(
            project,
            threshold=DEFAULT_THRESHOLD if threshold is DEFAULT else threshold,
            max_hash_distance=DEFAULT_HASH_DISTANCE if hash_distance is DEFAULT else hash_distance,
            progress=report_progress,
            cancel=cancel,
        )
    rows = [
        {
            "group": g.number,
            "kind": g.kind,
            "path": path,
            "label": label,
            "split": split,
            "status": status,
            "similarity": round(g.similarity, 4),
            "leak": g.leaks,
            "conflicting_labels": g.conflicting_labels,
        }
        for g in groups
        for path, label, split, status in zip(
            g.paths, g.labels, g.splits, g.to_json()["statuses"], strict=True
        )
    ]
    return frame(rows, DUPLICATE_COLUMNS)
