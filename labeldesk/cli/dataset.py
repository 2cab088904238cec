"""Commands that build the project store and report on it: new, scan, stats.

Labels and classes are set by :mod:`labeldesk.cli.labeling`; undo, redo and the
history are in :mod:`labeldesk.cli.history`.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from labeldesk.cli._base import (
    PROJECT_HELP,
    OptionsError,
    Output,
    TerminalProgress,
    open_existing,
    path_arg,
    positive_int,
)
from labeldesk.cli.imports import (
    add_label_source_arguments,
    describe_skipped,
    describe_unusable,
    read_label_source,
    reading_notes,
    unknown_classes_advised,
)
from labeldesk.core.classes import split_names
from labeldesk.core.display import counted, shown_path
from labeldesk.core.errors import ImageRootError, LabelFileError
from labeldesk.core.label_notes import applied_said, folder_labels_dropped_note, unchanged_in

AddParser = Callable[..., argparse.ArgumentParser]


def add_parsers(add: AddParser) -> None:
    p = add("new", "create a project for an image folder and index it")
    p.add_argument("project", type=path_arg, help="project folder to create")
    p.add_argument(
        "--images",
        metavar="FOLDER",
        type=path_arg,
        required=True,
        help="image folder (never modified)",
    )
    p.add_argument(
        "--labels",
        metavar="FILE",
        type=path_arg,
        help="a labels file or folder from another tool (CSV, Parquet, Hugging Face, "
        "FiftyOne, Label Studio, WebDataset, class folders; the format is detected and "
        "named in the output)",
    )
    add_label_source_arguments(p, flag="--labels-format")
    p.add_argument(
        "--classes",
        metavar="A,B,C",
        help="comma-separated class names, defined up front (keys 1, 2, … in order; "
        "\\, for a comma in a name)",
    )
    p.add_argument(
        "--new-class",
        action="store_true",
        help="with --labels and --classes: let the labels file add classes not in the list",
    )
    p.add_argument(
        "--follow-links",
        action="store_true",
        help="also index files that symbolic links lead to outside the image folder",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="index the folder even if it looks one level too high (every image would get "
        "one class from the folder name)",
    )
    p.add_argument(
        "--workers", metavar="N", type=positive_int, help="decoding processes (default: all cores)"
    )
    p.set_defaults(handler=cmd_new)

    p = add("scan", "re-index the image folder: added, removed, changed and moved files")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--images", metavar="FOLDER", type=path_arg, help="the image folder has moved here"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --images: use the folder even if it holds none or fewer than half of the "
        "project's images, the files at their paths hold other pictures, or it looks one "
        "level too high",
    )
    p.add_argument(
        "--follow-links",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="index files that symbolic links lead to outside the image folder (remembered)",
    )
    p.add_argument(
        "--workers", metavar="N", type=positive_int, help="decoding processes (default: all cores)"
    )
    p.set_defaults(handler=cmd_scan)

    p = add("stats", "image, label, class, split and skipped-file counts")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.set_defaults(handler=cmd_stats)


def _index_output(
    project: Any, counts: Any, layout: bool = True, labels_file: bool = False
) -> Output:
    """``layout``: check the folder layout (not when another tool's export gave the
    labels: its folders, ``images/`` or ``data/``, are not classes). ``labels_file``: a
    labels file gave labels, so a warning about a class no image has now is not true."""
    from labeldesk.core.layout_check import check_layout, still_true
    from labeldesk.core.stats import index_summary

    found = check_layout(project.root) if layout else []
    if labels_file:
        found = still_true(found, project.count_labeled)
    warnings = [_with_advice(w, project.path) for w in found] + list(counts.warnings)
    data = {
        **index_summary(project),
        "added": counts.added,  # usable images; new unusable files: added_skipped
        "added_skipped": counts.added_skipped,
        "removed": counts.removed,
        "removed_skipped": counts.removed_skipped,
        "changed": counts.changed,
        "moved": counts.moved,
        "unchanged": counts.unchanged,  # usable images; unusable files: unchanged_skipped
        "unchanged_skipped": counts.unchanged_skipped,
        "seconds": round(counts.seconds, 3),
        "warnings": warnings,
    }
    lines = [
        f"{counted(data['images'], 'image')}, {data['labeled']:,} labeled, "
        f"{counted(len(data['classes']), 'class')} ({counts.seconds:.1f} s)",
        f"added {counts.added:,}{_unusable(counts.added_skipped, 'cannot')}, "
        f"removed {counts.removed:,}{_unusable(counts.removed_skipped, 'could not')}, "
        f"changed {counts.changed:,}, moved {counts.moved:,}, unchanged {counts.unchanged:,}"
        f"{_unusable(counts.unchanged_skipped, 'cannot')}",
    ]
    if data["skipped"]:
        lines.append(f"skipped {counted(len(data['skipped']), 'file')}:")
        lines += [f"  {shown_path(s['path'])}: {s['reason']}" for s in data["skipped"][:20]]
        if len(data["skipped"]) > 20:
            lines.append(f"  … and {len(data['skipped']) - 20:,} more (see --json)")
    lines += [f"warning: {w}" for w in warnings]
    return Output(data, "\n".join(lines))


def _unusable(n: int, can: str) -> str:
    """What goes beside an added or removed count: " (and 6 files that cannot be used)"."""
    if not n:
        return ""
    return f" (and {counted(n, 'file')} that {can} be used)"


def _with_advice(warning: Any, project: Any) -> str:
    """A layout warning as ``new``/``scan`` print it: for a folder one level too high,
    the commands that re-point the project (a new project there would need a new
    folder) and remove the class the wrong level made, once it is left empty; for a
    ``dev/`` beside ``train/``, the scan after renaming it and the same removal."""
    from labeldesk.core.layout_check import ONE_LEVEL_TOO_HIGH, UNREAD_SPLIT

    project_arg = shlex.quote(str(project))
    if warning.kind == UNREAD_SPLIT:
        name = shlex.quote(warning.class_name or "")
        return (
            f"{warning}, then `labeldesk scan {project_arg}` (its images take the split and "
            "the class of their folders, unless you labeled them yourself) and "
            f"`labeldesk classes {project_arg} --remove {name}` removes the class left empty"
        )
    if warning.kind != ONE_LEVEL_TOO_HIGH or warning.suggested_root is None:
        return str(warning)
    folder = shlex.quote(str(warning.suggested_root))
    name = shlex.quote(warning.class_name or "")
    return (
        f"{warning.problem}. To index {warning.suggested_root} instead, re-point this "
        f"project: `labeldesk scan {project_arg} --images {folder}` (each image keeps its "
        "labels history and takes the class of its folder there, unless you labeled it "
        f"yourself), then `labeldesk classes {project_arg} --remove {name}` removes the "
        "class left empty"
    )


def cmd_new(args: argparse.Namespace) -> Output:
    from labeldesk.core.layout_check import OneLevelTooHigh

    try:
        return _new(args)
    except OneLevelTooHigh as exc:
        command = shlex.join(
            ["labeldesk", "new", str(args.project), "--images", str(exc.warning.suggested_root)]
        )
        raise ImageRootError(
            f"{exc}: `{command}` (with the same other options), or add --force to index "
            f"{args.images} as it is"
        ) from exc


# the options of `new` that say how to read --labels: nothing to read without it
_LABEL_FILE_OPTIONS = {
    "labels_format": "--labels-format",
    "path_column": "--path-column",
    "label_column": "--label-column",
    "split_column": "--split-column",
    "skip_bad_rows": "--skip-bad-rows",
    "new_class": "--new-class",
    "empty_labels": "--empty-labels",
}


@contextmanager
def _advised(args: argparse.Namespace) -> Iterator[None]:
    """A labels file naming classes that are not in ``--classes`` says to add them there
    (there is no project yet for `classes --add`); without --classes, `new` makes every
    class the file names."""
    try:
        yield
    except LabelFileError as exc:
        raise unknown_classes_advised(exc, args.project, split_names(args.classes)) from None


def _new(args: argparse.Namespace) -> Output:
    from labeldesk.core.create import create_and_index

    if not args.labels:  # refused, not ignored (the --labels forgotten)
        given = [flag for dest, flag in _LABEL_FILE_OPTIONS.items() if getattr(args, dest)]
        if given:
            raise OptionsError(
                f"{', '.join(given)} {'go' if len(given) > 1 else 'goes'} with --labels FILE"
            )
    fmt, rows = (
        read_label_source(args.labels, args.labels_format, args) if args.labels else ("", None)
    )
    skipped: list[str] | None = [] if args.skip_bad_rows else None
    with TerminalProgress() as progress, _advised(args):
        project, counts = create_and_index(
            args.project,
            args.images,
            classes=split_names(args.classes),
            labels_file=rows,
            new_classes=args.new_class,
            follow_outside_links=args.follow_links,
            refuse_too_high=not args.force,
            progress=progress,
            workers=args.workers,
            skipped=skipped,
            # Another tool's export: its folders are its layout; its file says it all.
            labels_only=rows is not None and fmt != "csv",
        )
    with project:
        output = _index_output(
            project, counts, layout=rows is None or fmt == "csv", labels_file=rows is not None
        )
    if rows is not None:
        output.data["labels"] = {
            "format": fmt,
            "rows": len(rows),
            "skipped": skipped or [],
            "unmatched": rows.unmatched,
            "skipped_files": rows.unusable,  # rows naming a file the scan skips
            "status_note": rows.status_note,
            "applied": rows.applied.images,  # images the file changed, as `import` says
            "changed": rows.applied.by_kind(),
            "unchanged": unchanged_in(rows),  # images already as the file says
            # folder labels dropped (another tool's export) on images the file leaves
            # unlabeled
            "folder_labels_dropped": rows.folder_labels_dropped,
            "notes": reading_notes(rows),
        }
        said = applied_said(rows, left_out=bool(skipped))
        found = [f"labels read from {args.labels} as {rows.read_as or fmt}: {said}"]
        if dropped := folder_labels_dropped_note(rows.folder_labels_dropped):
            found.append(dropped)
        found += reading_notes(rows)
        if rows.status_note:
            found.append(rows.status_note)
        if rows.unmatched:
            n = len(rows.unmatched)
            verb = "names" if n == 1 else "name"
            found.append(f"{counted(n, 'row')} {verb} no image in the folder (--json)")
        found += describe_unusable(rows.unusable)
        output.text = "\n".join([*found, output.text, *describe_skipped(skipped or [])])
    return output


def cmd_scan(args: argparse.Namespace) -> Output:
    if args.force and not args.images:  # (a plain scan has nothing to force)
        raise OptionsError("--force goes with --images FOLDER (the image folder has moved)")
    with open_existing(args.project) as project:
        if args.images:
            _relocate(project, args)
        if args.follow_links is not None:
            project.follow_outside_links(args.follow_links)
        with TerminalProgress() as progress:
            counts = project.scan(progress=progress, workers=args.workers)
        return _index_output(project, counts)


def _relocate(project: Any, args: argparse.Namespace) -> None:
    from labeldesk.core.relocation import (
        MostImagesMissing,
        MovedOneLevelTooHigh,
        NotTheImageFolder,
        OtherDataset,
    )

    again = shlex.join(["labeldesk", "scan", str(args.project), "--images", str(args.images)])
    try:
        project.relocate(args.images, force=args.force)
    except NotTheImageFolder as exc:
        raise ImageRootError(
            f"{exc} If the images really are all new there, run `{again} --force`: the "
            f"{counted(exc.images, 'image')} not found {'is' if exc.images == 1 else 'are'} "
            "then marked removed (labels kept: they come back if the project is pointed "
            "back) and the folder's files are indexed."
        ) from exc
    except MostImagesMissing as exc:
        raise ImageRootError(
            f"{exc} If the rest really are gone, run `{again} --force`: the images not "
            "found are then marked removed (labels kept: they come back if the project is "
            "pointed back)."
        ) from exc
    except OtherDataset as exc:
        raise ImageRootError(
            f"{exc} If it is this dataset, edited, run `{again} --force`: each file is then "
            "taken as the image at its path, edited, keeping that image's label, status "
            "and history."
        ) from exc
    except MovedOneLevelTooHigh as exc:
        meant = shlex.join(
            ["labeldesk", "scan", str(args.project), "--images", str(exc.warning.suggested_root)]
        )
        raise ImageRootError(
            f"{exc} Point it at the folder meant: `{meant}`, or run `{again} --force` to "
            f"take {args.images} as it is (every image then moves into the class "
            f"{exc.warning.class_name!r})."
        ) from exc


def cmd_stats(args: argparse.Namespace) -> Output:
    from labeldesk.ml.unfinished import stats_with_unfinished

    with open_existing(args.project) as project:
        stats, unfinished, coverage = stats_with_unfinished(project)
        note = None if unfinished is None else unfinished.command_text(project)
        embedded = None if coverage is None else coverage.command_text(project)
    return Output(stats, stats_text(stats, embedded, note))


def stats_text(stats: dict, embedded: str | None, note: str | None) -> str:
    """`stats`'s lines, counts written as `new` writes them ("2,000 images"; they read
    "images 2000")."""
    lines = [
        f"images {stats['images']:,}  labeled {stats['labeled']:,}  unlabeled "
        f"{stats['unlabeled']:,}  excluded {stats['excluded']:,}  skipped {stats['skipped']:,}",
        "splits: " + ", ".join(f"{k} {v:,}" for k, v in stats["splits"].items()),
    ]
    if stats["classes"]:
        width = max(len(n) for n in stats["classes"]) + 2
        lines.append(f"{'class':<{width}}{'total':>8}{'train':>8}{'val':>8}{'test':>8}")
        for name, c in stats["classes"].items():
            lines.append(
                f"{name:<{width}}{c['total']:>8,}{c['train']:>8,}{c['val']:>8,}{c['test']:>8,}"
            )
    if stats["imbalance_ratio"]:
        lines.append(f"imbalance (largest / smallest class): {stats['imbalance_ratio']:.2f}")
    for reason, n in stats["skipped_by_reason"].items():
        lines.append(f"skipped, {reason}: {n:,}")
    size = stats["image_size"]
    if size:
        lines.append(
            f"width {size['width']['min']}–{size['width']['max']}"
            f" (median {size['width']['median']:.0f}),"
            f" height {size['height']['min']}–{size['height']['max']}"
            f" (median {size['height']['median']:.0f}), {size['bytes']['total'] / 2**20:.1f} MB"
        )
    if embedded:  # a run stopped part-way kept what it embedded: how far, how to finish
        lines.append(f"embeddings: {embedded}")
    if note:  # a fine-tune stopped before its embeddings were whole
        lines.append(f"note: {note}")
    return "\n".join(lines)
