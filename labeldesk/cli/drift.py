"""The ``drift`` command: is a new folder of images like the project's labeled images?"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.cli._base import (
    DEVICE_HELP,
    PROJECT_HELP,
    OptionsError,
    Output,
    TerminalProgress,
    add_device,
    non_negative_int,
    open_existing,
    path_arg,
)
from labeldesk.core.display import counted, quoted_names, shown_path

if TYPE_CHECKING:
    from labeldesk.ml.drift import DriftReport

SHOWN = 15  # most novel images listed in the text output
NOVELTY_COLUMNS = "novelty (0-1, higher: less like the labeled images), path"


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add(
        "drift",
        "compare a new image folder with the project's labeled images: shift or not, the "
        "most novel new images, the model's view, copies of project images",
    )
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "new_folder",
        nargs="?",
        type=path_arg,
        metavar="NEW_FOLDER",
        help="the new image folder (same as --images)",
    )
    p.add_argument(
        "--images", metavar="NEW_FOLDER", type=path_arg, help="the new image folder (not added)"
    )
    p.add_argument(
        "--history", action="store_true", help="list the saved reports instead, oldest first"
    )
    p.add_argument(
        "--html",
        metavar="FILE",
        type=path_arg,
        help="also write a self-contained HTML report to this file (outside the image folder "
        "and the project; an existing file only when it is an earlier drift report)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="let --html replace an existing file that is not a drift report",
    )
    add_device(p, DEVICE_HELP)
    p.add_argument(
        "--runtime", default="auto", choices=["auto", "torch", "openvino", "onnx"],
        help="engine that embeds the new images (as for embed)",
    )  # fmt: skip
    p.add_argument(
        "--seed",
        metavar="N",
        type=non_negative_int,
        default=0,
        help="seed of the statistical tests' folds and permutations (default 0)",
    )
    p.set_defaults(handler=cmd_drift)


def cmd_drift(args: argparse.Namespace) -> Output:
    from labeldesk.ml.drift import drift_report
    from labeldesk.ml.drift_history import save_report

    if args.history:
        if args.new_folder is not None or args.images is not None or args.html:
            raise OptionsError(
                "--history lists the saved reports: it takes no new folder and no --html"
            )
        return _history(args.project)
    if args.overwrite and not args.html:
        raise OptionsError("--overwrite goes with --html FILE")
    if args.new_folder is not None:
        if args.images is not None and args.images != args.new_folder:
            raise OptionsError("name the new folder once: either NEW_FOLDER or --images")
        args.images = args.new_folder
    if args.images is None:
        raise OptionsError("name the new images with --images NEW_FOLDER (or use --history)")
    with open_existing(args.project) as project, TerminalProgress() as progress:
        if args.html:  # refused before the report is computed, not after
            from labeldesk.ml.drift_html import check_html_target

            check_html_target(args.html, project, overwrite=args.overwrite, checked=args.images)
        report = drift_report(
            project,
            args.images,
            device=args.device,
            runtime=args.runtime,
            seed=args.seed,
            progress=progress,
        )
        saved = save_report(project, report)
        if args.html:
            from labeldesk.ml.drift_html import check_html_target, write_html

            html = check_html_target(
                args.html, project, overwrite=args.overwrite, checked=args.images
            )  # again
            write_html(report, html, project)
    data = report.to_json()
    data["saved"] = None if saved is None else str(saved)
    if args.html:
        data["html"] = str(html)
    return Output(data, _text(report, data))


def verdict_line(verdict: str, summary: str) -> str:
    """``VERDICT: summary`` (the upper-case word is what scripts look for), without the
    summary's own opening words when they repeat it: "SHIFT: large difference; …", not
    "SHIFT: Shift (large difference): …"."""
    head, sep, rest = summary.partition(": ")
    if sep and head.lower().startswith(verdict):
        qualifier = head[len(verdict) :].strip().removeprefix("(").removesuffix(")")
        summary = f"{qualifier}; {rest}" if qualifier else rest
    return f"{verdict.upper()}: {summary}"


def _text(report: DriftReport, data: dict[str, Any]) -> str:
    lines = [verdict_line(report.verdict, report.summary)]
    out = report.outputs
    if out is not None and out.low_confidence_share is not None:
        lines.append(
            f"model: {out.low_confidence_share:.0%} of new images below confidence "
            f"{out.threshold:.2f} (project: {out.reference_low_share:.0%}); predicted-class "
            f"histogram chi-square p = {out.p_value:.3g}"
        )
    if report.copies_within_folder:
        lines.append(
            f"{report.copies_within_folder:,} of the {report.images:,} new files "
            f"{_is_a_copy(report.copies_within_folder)} of another file in the folder: the "
            f"tests compare {report.distinct_images:,} distinct images; every file is listed"
        )
    if report.reference_copies:
        lines.append(
            f"{counted(report.reference_copies, 'labeled image')} "
            f"{_is_a_copy(report.reference_copies)} of another labeled one: the project side "
            f"counts {report.reference:,} distinct images"
        )
    lines.append(  # what the number is (it stood there alone: "0.98  n00042.png")
        f"most novel of {counted(report.images, 'new image')}{_cut(report.novel)}: "
        f"{NOVELTY_COLUMNS}"
    )
    lines += [f"  {n['score']:.2f}  {shown_path(n['path'])}" for n in report.novel[:SHOWN]]
    if report.duplicates:
        what = counted(len(report.duplicates), "copy", "copies")
        lines.append(f"{what} of project images{_cut(report.duplicates)}:")
        lines += [
            f"  {d['kind']:5}  {shown_path(d['path'])}  =  {shown_path(d['project_path'])} "
            f"[{d['split'] or 'no split'}, "
            f"{'unlabeled' if d.get('label') is None else quoted_names([d['label']])}]"
            for d in report.duplicates[:SHOWN]
        ]
    if report.unreadable:
        what = counted(len(report.unreadable), "file")
        lines.append(f"{what} could not be read{_cut(report.unreadable)}:")
        lines += [f"  {shown_path(u['path'])}: {u['reason']}" for u in report.unreadable[:SHOWN]]
    html = f"; HTML: {data['html']}" if "html" in data else ""
    if data["saved"] is None:  # a read-only project keeps no history
        lines.append(f"not saved in the project's history: the project is read-only{html}")
    else:
        lines.append(f"saved to {data['saved']}{html}")
    return "\n".join(lines)


def _is_a_copy(n: int) -> str:
    return "is a copy" if n == 1 else "are copies"


def _cut(rows: list[Any]) -> str:
    """What a list cut at :data:`SHOWN` rows leaves out ("" when it is whole)."""
    return f" ({SHOWN} shown; --json lists all)" if len(rows) > SHOWN else ""


def _history(project_path: Path) -> Output:
    """The saved reports, oldest first: when, which folder, how many, the verdict."""
    from labeldesk.ml.drift_history import drift_history

    with open_existing(project_path) as project:
        keys = ("file", "created", "folder", "images", "verdict", "summary", "auc", "p_value")
        rows = [{k: r.get(k) for k in keys} for r in drift_history(project)]
    lines = [
        f"{r['created'] or '?'}  {r['folder']}  {_images(r['images'])}: {r['verdict']}"
        for r in rows
    ]
    return Output(rows, "\n".join(lines) or "no drift reports yet")


def _images(n: object) -> str:
    """A saved report's image count in words, "2,000 images" (a hand-edited report's odd
    value as it is)."""
    return counted(n, "image") if isinstance(n, int) else f"{n} images"
