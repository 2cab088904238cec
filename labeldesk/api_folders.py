"""Writing a curated copy and comparing a new folder from Python (part of
:mod:`labeldesk.api`, reached as ``ld.export`` and ``ld.drift``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.api_words import api_words, checked_argument
from labeldesk.core.display import quoted_names
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.progress_bar import shown_progress

if TYPE_CHECKING:
    from labeldesk.core.project import Project


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
