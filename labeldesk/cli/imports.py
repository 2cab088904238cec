"""Labels from other tools: ``labeldesk import`` and the label-file options of ``new``.

Both read the file through the format registry (:mod:`labeldesk.interop.formats`),
detecting the format when none is named and saying which one they used. Nothing is
applied unless every row is good, or ``--skip-bad-rows`` asks to leave the bad ones out
(they are then listed, by line).
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.cli._base import (
    PROJECT_HELP,
    OptionsError,
    Output,
    TerminalProgress,
    open_existing,
    path_arg,
    undo_hint,
)
from labeldesk.core.display import counted
from labeldesk.core.empty_labels import EMPTY_LABELS_FLAG
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_notes import reading_notes, rows_named, unusable_rows_note

if TYPE_CHECKING:
    from labeldesk.core.label_files import LabelFile
    from labeldesk.core.progress import ProgressCallback

SKIPPED_SHOWN = 20


def add_label_source_arguments(p: argparse.ArgumentParser, *, flag: str) -> None:
    """The options that say how to read a label file (``flag``: the format option)."""
    p.set_defaults(format_flag=flag)
    p.add_argument(
        flag,
        metavar="NAME",
        help="the labels file's format (default: detected): "
        "csv (also JSON, JSON Lines and TSV: json, jsonl, tsv), parquet, hf, fiftyone, "
        "labelstudio, webdataset, imagefolder (class folders)",
    )
    p.add_argument(
        "--path-column",
        metavar="COL",
        help="CSV/Parquet: the column with paths (below the image folder, or URLs)",
    )
    p.add_argument("--label-column", metavar="COL", help="CSV/Parquet: the column with labels")
    p.add_argument(
        "--split-column",
        metavar="COL",
        help="CSV/Parquet: the column with splits (a 'status' column, verified or "
        "excluded, is read too)",
    )
    add_empty_labels_argument(p)
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="apply the good rows and list the bad ones; an image a bad row names is left "
        "out (default: nothing unless all are good)",
    )


def add_empty_labels_argument(p: argparse.ArgumentParser, where: str = "") -> None:
    p.add_argument(
        EMPTY_LABELS_FLAG,
        action="store_true",
        help=f"{where}apply a file whose labels are all empty (a label column empty in "
        "every row, a label null in every entry), which unlabels every image it names "
        "(default: refused, naming the columns that hold values)",
    )


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("import", "apply labels from another tool's file to a project (one undoable batch)")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument("file", type=path_arg, help="a label file or folder (see --format)")
    add_label_source_arguments(p, flag="--format")
    p.add_argument(
        "--predictions",
        action="store_true",
        help="Label Studio: take the model's predictions instead of the annotations",
    )
    p.add_argument("--new-class", action="store_true", help="allow labels that add classes")
    p.set_defaults(handler=cmd_import)


def read_label_source(
    path: Path,
    fmt: str | None,
    args: argparse.Namespace,
    progress: ProgressCallback | None = None,
) -> tuple[str, LabelFile]:
    """Read ``path`` as ``fmt`` (detected when None) with the column options in ``args``
    (``progress``: a reader of many files reports there)."""
    from labeldesk.core.errors import LabelDeskError
    from labeldesk.interop.formats import (
        IMPORTERS,
        ImportOptions,
        UnknownFormatError,
        detect_format,
        read_labels,
        refuse_project_files,
    )
    from labeldesk.interop.formats.base import FORMAT_ALIASES

    if fmt is not None and FORMAT_ALIASES.get(fmt.lower(), fmt) not in IMPORTERS:
        # a name the command line cannot run with, as an unknown --format of export is
        known = [*IMPORTERS.names(), *FORMAT_ALIASES]
        raise OptionsError(
            f"{args.format_flag}: unknown label format {fmt!r}; use one of {', '.join(known)}"
        )
    if fmt is None:
        if not path.exists():  # naming a format would not help
            raise LabelDeskError(f"{path}: file not found")
        refuse_project_files(path)  # (nor here)
        try:
            fmt = detect_format(path)
        except UnknownFormatError as exc:
            raise UnknownFormatError(f"{exc} with {args.format_flag} NAME") from None
    options = ImportOptions(
        path_column=args.path_column,
        label_column=args.label_column,
        split_column=args.split_column,
        predictions=bool(getattr(args, "predictions", False)),
    )
    if progress is None:
        fmt, rows = read_labels(path, fmt, options)
    else:
        fmt, rows = read_labels(path, fmt, options, progress=progress)
    rows.empty_labels_ok = bool(getattr(args, "empty_labels", False))
    return fmt, rows


ADVISED_NAMES = 10  # unknown classes a `classes --add` in the advice names, at most


def unknown_classes_advised(
    exc: LabelFileError, project: Path, classes: list[str] | None = None
) -> LabelFileError:
    """``exc`` (a labels file naming classes the project lacks, or neither) with the
    advice the command line gives: the ``classes --add`` that adds them, or with
    ``classes`` (``new --classes``, no project yet) that list with them added; or
    --new-class, which the command that read the file takes too."""
    names = exc.unknown_classes
    if not names:
        return exc
    it = "it" if len(names) == 1 else "them"
    again = f"run this command again with --new-class to add {it} with the labels"
    listed = ",".join(n.replace(",", "\\,") for n in names)  # as --add and --classes read it
    if classes is not None:
        given = [c.replace(",", "\\,") for c in classes]
        option = shlex.join(["--classes", ",".join([*given, listed])])
        return exc.advised(f"add {it} to --classes (`{option}`), or {again}")
    if len(names) > ADVISED_NAMES:
        return exc.advised(again[0].upper() + again[1:])
    add = shlex.join(["labeldesk", "classes", str(project), "--add", listed])
    return exc.advised(f"add {it} first (`{add}`), or {again}")


def describe_skipped(skipped: list[str]) -> list[str]:
    lines = [f"left out {counted(rows_named(skipped), 'row')}:"] if skipped else []
    lines += [f"  {problem}" for problem in skipped[:SKIPPED_SHOWN]]
    if len(skipped) > SKIPPED_SHOWN:
        lines.append(f"  … and {len(skipped) - SKIPPED_SHOWN:,} more (see --json)")
    return lines


def describe_unusable(unusable: list[str]) -> list[str]:
    """The rows left out because they name a file the scan skips (``rows.unusable``)."""
    return unusable_rows_note(unusable, SKIPPED_SHOWN, " (see --json)")


def cmd_import(args: argparse.Namespace) -> Output:
    from labeldesk.core.label_files import apply_label_rows
    from labeldesk.core.label_notes import (
        applied_said,
        by_name_notice,
        old_names_note,
        unchanged_in,
    )

    skipped: list[str] | None = [] if args.skip_bad_rows else None
    with open_existing(args.project) as project, TerminalProgress() as progress:
        fmt, rows = read_label_source(args.file, args.format, args, progress)
        file = f"{args.file.name} ({rows.read_as or fmt})"
        try:
            applied = apply_label_rows(
                project,
                rows,
                source="import",  # the person's own: a plain undo takes it back
                file=file,
                create_classes=args.new_class,
                description=f"labels from {file}",
                skipped=skipped,
                progress=progress,  # a folder of images is matched by their bytes
            )
        except LabelFileError as exc:
            raise unknown_classes_advised(exc, args.project) from None
    data = {
        "format": fmt,
        "applied": applied,
        "batch": rows.applied.batch,  # what `labeldesk undo` takes back (None: none)
        "skipped": skipped or [],
        "unmatched": rows.unmatched,
        "skipped_files": rows.unusable,  # rows naming a file the scan skips: not applied
        "matched_by_file_name": rows.by_name,
        "status_note": rows.status_note,
        "changed": rows.applied.by_kind(),
        "unchanged": unchanged_in(rows),  # images already as the file says
        "old_class_names": rows.old_names,
        "empty_labels": rows.empty_labels,  # rows whose label cell is empty: unlabeled
        "notes": reading_notes(rows),
    }
    lines = [f"read {args.file} as {rows.read_as or fmt}: {applied_said(rows, bool(skipped))}"]
    lines[0] += undo_hint(args.project, rows.applied.batch)
    lines += reading_notes(rows)
    lines += describe_skipped(skipped or [])
    lines += describe_unusable(rows.unusable)
    if rows.status_note:
        lines.append(rows.status_note)
    if rows.old_names:
        lines.append(old_names_note(rows.old_names))
    if rows.unmatched:  # a Label Studio export names images of other projects too
        n = len(rows.unmatched)
        lines += [f"{counted(n, 'row')} {'names' if n == 1 else 'name'} no image in this project:"]
        lines += [f"  {row}" for row in rows.unmatched[:SKIPPED_SHOWN]]
        if len(rows.unmatched) > SKIPPED_SHOWN:
            lines.append(f"  … and {len(rows.unmatched) - SKIPPED_SHOWN:,} more (see --json)")
    if rows.by_name:
        history = f"`labeldesk history {shlex.quote(str(args.project))}`"
        lists = f" ({history} lists the changes)" if applied else ""  # (none: no batch)
        lines.append(f"{by_name_notice(rows.by_name)}{lists}")
    return Output(data, "\n".join(lines))
