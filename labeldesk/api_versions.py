"""Dataset versions and trained model versions from Python (part of :mod:`labeldesk.api`,
reached as ``ld.versions``, ``ld.create_version``, ``ld.version_diff``,
``ld.open_version_diff`` and ``ld.model_versions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labeldesk.api_tables import VERSION_COLUMNS, check_count, frame, with_times
from labeldesk.api_words import api_words

if TYPE_CHECKING:
    import pandas as pd

    from labeldesk.core.project import Project
    from labeldesk.core.version_diff import DiffListing


@api_words
def versions(project: Project) -> pd.DataFrame:
    """Every dataset version, newest first: name, note, created_at (a pandas Timestamp
    in UTC; ``--json`` prints seconds since 1970), author, label_event_id, images,
    automatic, models (the model versions trained on it)."""
    from labeldesk.core.versions import list_versions

    table = frame([v.to_json() for v in list_versions(project.db)], VERSION_COLUMNS)
    return with_times(table, "created_at")


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
        limit = check_count("limit", limit, 0)
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
