"""The export command."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from labeldesk.cli._base import Output, TerminalProgress, open_existing


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    from labeldesk.interop.export import EXPORTERS  # light: no numpy, no torch

    p = add("export", "write a curated copy of the dataset (never touches the originals)")
    p.add_argument("project", type=Path)
    p.add_argument("out", type=Path, help="folder to create (new or empty)")
    p.add_argument(
        "--format",
        default="imagefolder",
        choices=EXPORTERS.names(),  # the registry the GUI dialog lists too
        help="imagefolder: OUT/<split>/<class>/<file>; csv: OUT/labels.csv + images/",
    )
    p.add_argument("--hardlink", action="store_true", help="hard-link instead of copying")
    p.add_argument(
        "--exclude-flagged",
        action="store_true",
        help="leave out images `labeldesk issues` flags as likely mislabeled",
    )
    p.add_argument("--include-excluded", action="store_true", help="keep excluded images")
    p.add_argument("--include-unlabeled", action="store_true", help="also export unlabeled")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace OUT if it holds an earlier LabelDesk export, exactly as it was written "
        "(any other folder is refused)",
    )
    p.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> Output:
    from labeldesk.interop.export import ExportOptions, export

    options = ExportOptions(
        link="hardlink" if args.hardlink else "copy",
        include_excluded=args.include_excluded,
        include_flagged=not args.exclude_flagged,
        include_unlabeled=args.include_unlabeled,
        overwrite=args.overwrite,
    )
    with open_existing(args.project) as project, TerminalProgress() as progress:
        report = export(project, args.out, args.format, options, progress=progress)
    left = ", ".join(f"{n} {why}" for why, n in report.left_out.items() if n) or "nothing"
    splits = ", ".join(f"{s} {n}" for s, n in sorted(report.per_split.items()))
    return Output(
        report.to_json(),
        f"exported {report.written} images to {report.out} ({splits}); left out: {left}",
    )
