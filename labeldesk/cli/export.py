"""The export command."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from labeldesk.cli._base import (
    PROJECT_HELP,
    OptionsError,
    Output,
    TerminalProgress,
    non_negative_int,
    open_existing,
    path_arg,
    positive_int,
)
from labeldesk.core.display import counted, shown_path

if TYPE_CHECKING:
    from labeldesk.interop.writing import ExportReport


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    from labeldesk.interop.export_formats import EXPORT_FORMATS  # (not the writers)

    # a format registered by code that ran first (a plugin, a script calling main) is
    # offered too; the registry is only read when that code has loaded it already
    registry = sys.modules.get("labeldesk.interop.writing")
    registered = list(getattr(registry, "EXPORTERS", {}))
    formats = [*EXPORT_FORMATS, *(name for name in registered if name not in EXPORT_FORMATS)]

    p = add(
        "export",
        "write a curated copy of the dataset (never changes the originals; see --hardlink)",
    )
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "out", type=path_arg, help="folder to create (new or empty; folders above it are made)"
    )
    p.add_argument(
        "--format",
        default="imagefolder",
        choices=formats,  # the registry's names, which the GUI dialog lists
        help="imagefolder: OUT/<split>/<class>/<file>; csv/parquet: a manifest with the "
        "model's columns + images/; hf: Hugging Face imagefolder; fiftyone; labelstudio: "
        "tasks + labeling config; webdataset: tar shards (see the README's table)",
    )
    links = p.add_mutually_exclusive_group()
    links.add_argument(
        "--hardlink",
        action="store_true",
        help="hard-link instead of copying (copies across drives). A hard-linked file is "
        "the original: editing an exported file in place changes the original image too",
    )
    links.add_argument(
        "--symlink",
        action="store_true",
        help="symbolic links to the originals instead of copies (the export then needs the "
        "image folder where it is)",
    )
    p.add_argument(
        "--exclude-flagged",
        action="store_true",
        help="leave out images `labeldesk issues` flags as likely mislabeled (the model's "
        "flags now, which judge a --version's labels too: a version records no flags)",
    )
    p.add_argument("--include-excluded", action="store_true", help="keep excluded images")
    p.add_argument("--include-unlabeled", action="store_true", help="also export unlabeled")
    p.add_argument(
        "--exclude-unverified",
        action="store_true",
        help="write only images a person verified (review: verified)",
    )
    p.add_argument(
        "--class-map",
        metavar="MAP",
        help="rename, merge or drop classes in the export only: old=new,x=new,junk=- "
        "(- leaves that class's images out; \\, or \\= inside a name; the project is "
        "not changed)",
    )
    p.add_argument(
        "--version",
        metavar="NAME",
        dest="dataset_version",
        help="export dataset version NAME as it was (labels, splits, statuses, images); "
        "model:N is the version model N trained on, current the state now",
    )
    p.add_argument(
        "--since",
        metavar="VERSION",
        help="only images whose label, split, status, content or path changed since "
        "VERSION (and images added since)",
    )
    p.add_argument(
        "--make-splits",
        metavar="TRAIN/VAL/TEST",
        help="write new stratified splits, e.g. 80/10/10, that keep exact and near "
        "duplicates in one split (the project's own splits are not changed)",
    )
    p.add_argument(
        "--seed", metavar="N", type=non_negative_int, help="seed for --make-splits (default 0)"
    )
    p.add_argument(
        "--shard-size",
        type=positive_int,
        metavar="N",
        help="webdataset: images per tar shard (default 10000)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace OUT if it holds an earlier LabelDesk export, exactly as it was written "
        "(any other folder is refused)",
    )
    p.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> Output:
    from labeldesk.core.errors import LabelDeskError
    from labeldesk.interop.export import ExportOptions, export, parse_class_map
    from labeldesk.ml.splits import parse_ratios

    try:  # a value that cannot be read is a usage error, before anything is done
        class_map = parse_class_map(args.class_map) if args.class_map is not None else ()
        make_splits = parse_ratios(args.make_splits) if args.make_splits else None
    except LabelDeskError as exc:
        raise OptionsError(str(exc)) from None
    if args.seed is not None and not args.make_splits:
        raise OptionsError("--seed goes with --make-splits")
    if args.shard_size is not None and args.format != "webdataset":
        raise OptionsError("--shard-size goes with --format webdataset")
    options = ExportOptions(
        link="hardlink" if args.hardlink else "symlink" if args.symlink else "copy",
        include_excluded=args.include_excluded,
        include_flagged=not args.exclude_flagged,
        include_unlabeled=args.include_unlabeled,
        include_unverified=not args.exclude_unverified,
        class_map=class_map,
        version=args.dataset_version,
        since=args.since,
        make_splits=make_splits,
        seed=args.seed or 0,
        shard_size=args.shard_size or ExportOptions.shard_size,
        overwrite=args.overwrite,
    )
    with open_existing(args.project) as project, TerminalProgress() as progress:
        report = export(project, args.out, args.format, options, progress=progress)
    return Output(report.to_json(), export_text(report, args.project))


def export_text(report: ExportReport, project: object) -> str:
    """The export's summary in words (``project``: the PROJECT argument as typed, which
    the commands it suggests name)."""
    from labeldesk.interop.export_texts import (
        flags_text,
        gif_text,
        gone_since_text,
        leakage_text,
        left_out_text,
        missing_text,
        no_split_text,
        split_counts,
        statuses_not_written,
    )

    splits = split_counts(sorted(report.per_split.items()))
    state = f"version {report.version}" if report.version else "the current labels"
    lines = [
        f"exported {counted(report.written, 'image')} of {state} to {report.out}"
        f"{f' ({splits})' if splits else ''}; left out: {left_out_text(report)}"
    ]
    issues = f"`labeldesk issues {shlex.quote(str(project))}` lists them"
    if flags := flags_text(report, "--exclude-flagged", issues):
        lines.append(flags)
    if report.missing:
        lines.append(missing_text(report))
    if report.failed:
        first = report.failed[0]
        lines.append(
            f"{counted(len(report.failed), 'image')} could not be read and "
            f"{'was' if len(report.failed) == 1 else 'were'} left out (--json "
            f"lists them), e.g. {shown_path(first['path'])} ({first['reason']})"
        )
    if report.no_split:
        lines.append(no_split_text(report))
    if report.gif_as_png:
        lines.append(gif_text(report))
    if report.gone_since:
        lines.append(gone_since_text(report))
    if report.statuses_not_written:
        lines.append(statuses_not_written(report.statuses_not_written, report.format))
    if report.made_splits:
        lines.append(_made_splits_text(report.made_splits))
    duplicates = f"`labeldesk duplicates {shlex.quote(str(project))}`"
    leaks = leakage_text(
        report,
        see=f"{duplicates} shows the copies, leaking groups first; --json lists these images",
        search=f"{duplicates} makes one",
        in_copy="copy the project folder somewhere writable, run `labeldesk duplicates` on "
        "the copy and export from the copy",
        # (it said "the images have no embeddings" and stopped: the app names its menu)
        embed=f"run `labeldesk embed {shlex.quote(str(project))}` and export again",
    )
    if leaks:
        lines.append(leaks)
    return "\n".join(lines)


def _made_splits_text(made: dict) -> str:
    """The splits made, the groups kept together and the worst class's balance."""
    from labeldesk.interop.export_texts import split_counts

    sizes = split_counts(made["sizes"].items())
    groups, images = made["groups_kept_together"], made["images_in_groups"]
    kept = (
        f"{counted(groups, 'duplicate group')} ({counted(images, 'image')}) each kept in one split"
        if groups
        else "no duplicates to keep together"
    )
    return (
        f"splits made (seed {made['seed']}): {sizes}; {kept}; "
        f"largest class deviation from the ratios {made['max_class_deviation']:.1%}"
    )
