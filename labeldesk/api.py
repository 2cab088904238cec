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
Heavy libraries load only when a function is called.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.api_projects import new_project as new_project  # ld.new_project
from labeldesk.api_projects import open_project as open_project  # ld.open_project
from labeldesk.api_words import api_words, checked_argument, reasons_in_api_words
from labeldesk.core.display import quoted_names
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.progress_bar import shown_progress

if TYPE_CHECKING:
    import pandas as pd

    from labeldesk.core.project import Project
    from labeldesk.core.version_diff import DiffListing
    from labeldesk.ml.predictions import Predictions

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
        batch_size = _check_count("batch_size", batch_size, 1)

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

    _check_predictions(predictions)
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

    _check_predictions(predictions)
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

    n = _check_count("n", n, 1)
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

    k = _check_count("k", k, 1)
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

    n = _check_count("n", n, 0)
    rows = unusual(project)
    return frame(rows[:n] if n else rows, OUTLIER_COLUMNS)


def _check_predictions(predictions: object) -> None:
    """BadArgument unless ``predictions`` is None or a ``Predictions`` (what
    ``ld.crossfit_predictions(p)`` returns; a DataFrame of ``ld.predictions`` is not one)."""
    from labeldesk.core.errors import BadArgument
    from labeldesk.ml.predictions import Predictions

    if predictions is not None and not isinstance(predictions, Predictions):
        raise BadArgument(
            "predictions must be None (the project's own) or the Predictions that "
            f"ld.crossfit_predictions(p) returns, not {type(predictions).__name__}"
        )


def _check_count(name: str, value: object, least: int) -> int:
    """``value`` as an int (a NumPy integer too); BadArgument unless it is a whole number
    of at least ``least``."""
    from labeldesk.core.errors import BadArgument

    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise BadArgument(f"{name} must be a whole number of at least {least}, not {value!r}")
    return int(value)


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


@api_words
def export(
    project: Project,
    out: Path | str,
    *,
    format: str = "imagefolder",
    progress: ProgressCallback | bool | None = None,
    cancel: CancelToken | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Write a curated copy to the new folder ``out``; the report (``leakage``: its
    val/test images with a copy in its train split, a warning). ``format``: imagefolder,
    hf, parquet, fiftyone, labelstudio, webdataset or csv. ``options``, as
    :class:`~labeldesk.interop.export.ExportOptions` and the command's flags:
    ``include_unlabeled``, ``include_excluded``, ``include_flagged`` (False: leave out
    the images ``ld.issues`` flags), ``include_unverified`` (False: verified only),
    ``version`` (a dataset version's state; ``"model:N"``: what model N trained on),
    ``since`` (only what changed since that version), ``class_map`` (a dict,
    ``{"kitten": "cat", "junk": None}``, or the CLI's ``"kitten=cat,junk=-"``),
    ``make_splits`` (``"80/10/10"`` or three fractions) with ``seed``, ``link`` (copy,
    hardlink or symlink), ``overwrite`` (replace an earlier export in ``out``) and
    ``shard_size`` (webdataset). ``progress``: as in :func:`embed`."""
    from labeldesk.interop.export import ExportOptions, parse_class_map
    from labeldesk.interop.export import export as write_export
    from labeldesk.ml.splits import parse_ratios

    _check_export_options(options)
    class_map = options.get("class_map")
    if isinstance(class_map, str):
        options["class_map"] = parse_class_map(class_map)
    elif isinstance(class_map, dict):
        options["class_map"] = tuple(class_map.items())
    if isinstance(options.get("make_splits"), str):
        options["make_splits"] = parse_ratios(options["make_splits"])

    with shown_progress(progress) as report_progress:
        report = write_export(
            project, out, format, ExportOptions(**options), progress=report_progress,
            cancel=cancel,
        )  # fmt: skip
    return report.to_json()


EXPORT_FILLED = ("classes", "unwritable")  # ExportOptions' fields that export() fills in


def _check_export_options(options: dict[str, Any]) -> None:
    """BadArgument, before anything is written, for an option :func:`export` has not
    (``formt="csv"`` was a TypeError from inside ``ExportOptions``), or a yes/no option
    given something other than True or False (``overwrite="no"`` was read as true)."""
    import dataclasses

    from labeldesk.core.errors import BadArgument
    from labeldesk.interop.export import ExportOptions

    fields = {f.name: f for f in dataclasses.fields(ExportOptions) if f.name not in EXPORT_FILLED}
    known = list(fields)
    unknown = [name for name in options if name not in known]
    if unknown:
        raise BadArgument(
            f"ld.export has no option {quoted_names(unknown)}; it takes format, progress, "
            f"cancel and {quoted_names(sorted(known))}"
        )
    for name, value in options.items():  # overwrite="no" was read as true
        options[name] = checked_argument(name, fields[name].type, value)


@api_words
def versions(project: Project) -> pd.DataFrame:
    """Every dataset version, newest first: name, note, created_at (a pandas Timestamp
    in UTC; ``--json`` prints seconds since 1970), author, label_event_id, images,
    automatic, models (the model versions trained on it)."""
    from labeldesk.core.versions import list_versions

    table = frame([v.to_json() for v in list_versions(project.db)], VERSION_COLUMNS)
    return with_times(table, "created_at")


def with_times(data: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``columns`` (seconds since 1970, as ``--json`` prints them) as pandas Timestamps in
    UTC, to the microsecond, so a listing's times sort, compare and plot as times
    (:func:`records` gives the seconds back)."""
    import pandas as pd

    for name in columns:
        times = pd.to_datetime(data[name].astype(float), unit="s", utc=True)
        data[name] = times.dt.as_unit("us")  # (empty, pandas would give us; else ns)
    return data


@api_words
def create_version(project: Project, name: str, *, note: str | None = "") -> dict[str, Any]:
    """Name the state now (labels, statuses, splits, which images); the new version
    (``note=None``: no note), as ``labeldesk version create --json`` prints it: with
    ``files_since_scan`` (its files edited, moved or deleted since the last scan, which
    its export cannot write: rescan first) and ``warnings``."""
    from labeldesk.core.errors import BadArgument
    from labeldesk.core.version_files import stale_files
    from labeldesk.core.versions import create_version as create

    if note is None:
        note = ""
    for what, value in (("name", name), ("note", note)):
        if not isinstance(value, str):
            raise BadArgument(f"{what} must be text, not {type(value).__name__} ({value!r})")
    made = create(project.db, name, note).to_json()
    found = stale_files(project.db, project.root)
    warnings = [] if found.clean else [found.warning(str(project.path))]
    return made | {"files_since_scan": found.to_json(), "warnings": warnings}


@api_words
def version_diff(
    project: Project, a: str, b: str = "current", *, limit: int | None = None
) -> dict[str, Any]:
    """What changed from version ``a`` to ``b`` (``current``: now; ``model:N``: the
    version model N trained on), as ``labeldesk version diff --json`` prints it.

    ``limit``: each list holds only its first ``limit`` rows (in path order) while
    ``counts`` still counts every row: a quick look at a big comparison without holding
    it (held whole, each row takes about 300 bytes). To go through every
    row without holding them, use :func:`open_version_diff`."""
    from labeldesk.core.version_diff import diff, diff_head
    from labeldesk.core.versions import find_state

    if limit is not None:
        limit = _check_count("limit", limit, 0)
    states = find_state(project.db, a), find_state(project.db, b)
    if limit is None:
        return diff(project.db, *states).to_json()
    return diff_head(project.db, *states, limit).to_json()


@api_words
def open_version_diff(project: Project, a: str, b: str = "current") -> DiffListing:
    """The comparison of :func:`version_diff`, kept in a scratch file (in the temporary
    folder; deleted as it closes) and read back a row at a time: ``counts`` (a dict by
    kind), ``rows(kind)`` (an iterator of the rows of one kind, in path order;
    ``rows(kind, limit)``: the first ``limit``), ``document()`` (the keys and values of
    :func:`version_diff`'s dict, each list an iterator). Close it when done, or use it in
    a ``with`` block::

        with ld.open_version_diff(p, "v1") as d:
            for row in d.rows("labels_changed"):
                ...
    """
    from labeldesk.core.version_diff import list_diff
    from labeldesk.core.versions import find_state

    return list_diff(project.db, find_state(project.db, a), find_state(project.db, b))


@api_words
def drift(
    project: Project,
    folder: str | Path,
    *,
    seed: int = 0,
    device: str = "auto",
    runtime: str = "auto",
    progress: ProgressCallback | bool | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Is the new ``folder`` like the project's labeled images? The report
    ``labeldesk drift --json`` prints (``novel``: every new image, most novel first);
    it is also saved in the project's drift history (``saved``: the file, as a string;
    None for a read-only project, which keeps no history)."""
    from labeldesk.ml.drift import drift_report
    from labeldesk.ml.drift_history import save_report

    with shown_progress(progress) as report_progress:
        report = drift_report(
            project,
            folder,
            seed=seed,
            device=device,
            runtime=runtime,
            progress=report_progress,
            cancel=cancel,
        )
    saved = save_report(project, report)
    return {**report.to_json(), "saved": None if saved is None else str(saved)}


@api_words
def model_versions(project: Project) -> pd.DataFrame:
    """Every trained version, newest first, scored on the frozen test set, as
    ``labeldesk models --json`` lists them: id, kind, dataset_version, in_use (the
    predictions use it now), chosen (the choice rule keeps it; it predicts unless labels
    changed since it was trained), accuracy, macro_f1, ece (None where not scored)."""
    from labeldesk.ml.model_choice import chosen_head, predicting
    from labeldesk.ml.model_eval import score_heads
    from labeldesk.ml.models import list_versions

    chosen, rule = predicting(project), chosen_head(project)
    versions = list_versions(project)
    _, scores = score_heads(project, versions)
    rows = []
    for v in versions:
        scored = scores.get(v.id, {})
        rows.append(
            {
                "id": v.id,
                "kind": v.kind,
                "dataset_version": v.dataset_version,
                "in_use": chosen.version is not None and chosen.version.id == v.id,
                "chosen": rule.version is not None and rule.version.id == v.id,
                "accuracy": scored.get("accuracy"),
                "macro_f1": scored.get("macro_f1"),
                "ece": scored.get("ece"),
            }
        )
    columns = ("id", "kind", "dataset_version", "in_use", "chosen", "accuracy", "macro_f1", "ece")
    return frame(rows, columns)
