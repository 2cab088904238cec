"""Commands that build and edit the project store.

new, scan, stats, label, classes, undo, history.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any

from labeldesk.cli._base import Output, TerminalProgress, open_existing
from labeldesk.core.errors import LabelDeskError

AddParser = Callable[..., argparse.ArgumentParser]


def add_parsers(add: AddParser) -> None:
    from pathlib import Path

    p = add("new", "create a project for an image folder and index it")
    p.add_argument("project", type=Path, help="project folder to create")
    p.add_argument("--images", type=Path, required=True, help="image folder (never modified)")
    p.add_argument("--labels", type=Path, help="CSV (path,label[,split]) or JSON labels file")
    p.add_argument("--classes", help="comma-separated class names, defined up front")
    p.add_argument("--workers", type=int, help="decoding processes (default: all cores)")
    p.set_defaults(handler=cmd_new)

    p = add("scan", "re-index the image folder: added, removed, changed and moved files")
    p.add_argument("project", type=Path)
    p.add_argument("--images", type=Path, help="the image folder has moved here")
    p.add_argument("--workers", type=int, help="decoding processes (default: all cores)")
    p.set_defaults(handler=cmd_scan)

    p = add("stats", "image, label, class, split and skipped-file counts")
    p.add_argument("project", type=Path)
    p.set_defaults(handler=cmd_stats)

    p = add("label", "set labels: one image, or many from a CSV/JSON file (all or nothing)")
    p.add_argument("project", type=Path)
    p.add_argument("path", nargs="?", help="image path relative to the image folder")
    p.add_argument("label", nargs="?", help="class name; '-' removes the label")
    p.add_argument("--csv", type=Path, metavar="FILE", help="labels file: path,label per row")
    p.add_argument("--new-class", action="store_true", help="allow labels that add classes")
    p.set_defaults(handler=cmd_label)

    p = add("classes", "list classes with image counts, or add new ones")
    p.add_argument("project", type=Path)
    p.add_argument("--add", metavar="A,B,C", help="comma-separated class names to add")
    p.set_defaults(handler=cmd_classes)

    p = add("undo", "undo the most recent labeling action (one label, or a whole file)")
    p.add_argument("project", type=Path)
    p.add_argument(
        "--include-imports",
        action="store_true",
        help="may also undo imported labels (folder names, labels files)",
    )
    p.set_defaults(handler=cmd_undo)

    p = add("history", "label history, newest first")
    p.add_argument("project", type=Path)
    p.add_argument("path", nargs="?", help="only this image")
    p.add_argument("-n", type=int, default=50, help="how many events (default 50)")
    p.set_defaults(handler=cmd_history)


def _split_names(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _index_output(project: Any, counts: Any) -> Output:
    from labeldesk.core.stats import index_summary

    data = {
        **index_summary(project),
        "added": counts.added,
        "removed": counts.removed,
        "changed": counts.changed,
        "moved": counts.moved,
        "unchanged": counts.unchanged,
        "seconds": round(counts.seconds, 3),
    }
    lines = [
        f"{data['images']} images, {data['labeled']} labeled, {len(data['classes'])} classes "
        f"({counts.seconds:.1f} s)",
        f"added {counts.added}, removed {counts.removed}, changed {counts.changed}, "
        f"moved {counts.moved}, unchanged {counts.unchanged}",
    ]
    if data["skipped"]:
        lines.append(f"skipped {len(data['skipped'])} file(s):")
        lines += [f"  {s['path']}: {s['reason']}" for s in data["skipped"][:20]]
        if len(data["skipped"]) > 20:
            lines.append(f"  … and {len(data['skipped']) - 20} more (see --json)")
    return Output(data, "\n".join(lines))


def cmd_new(args: argparse.Namespace) -> Output:
    from labeldesk.core.project import create_and_index

    with TerminalProgress() as progress:
        project, counts = create_and_index(
            args.project,
            args.images,
            classes=_split_names(args.classes),
            labels_file=args.labels,
            progress=progress,
            workers=args.workers,
        )
    with project:
        return _index_output(project, counts)


def cmd_scan(args: argparse.Namespace) -> Output:
    with open_existing(args.project) as project:
        if args.images:
            project.relocate(args.images)
        with TerminalProgress() as progress:
            counts = project.scan(progress=progress, workers=args.workers)
        return _index_output(project, counts)


def cmd_stats(args: argparse.Namespace) -> Output:
    with open_existing(args.project) as project:
        stats = project.stats()
    lines = [
        f"images {stats['images']}  labeled {stats['labeled']}  unlabeled {stats['unlabeled']}"
        f"  excluded {stats['excluded']}  skipped {stats['skipped']}",
        "splits: " + ", ".join(f"{k} {v}" for k, v in stats["splits"].items()),
    ]
    if stats["classes"]:
        width = max(len(n) for n in stats["classes"]) + 2
        lines.append(f"{'class':<{width}}{'total':>7}{'train':>7}{'val':>7}{'test':>7}")
        for name, c in stats["classes"].items():
            lines.append(
                f"{name:<{width}}{c['total']:>7}{c['train']:>7}{c['val']:>7}{c['test']:>7}"
            )
    if stats["imbalance_ratio"]:
        lines.append(f"imbalance (largest / smallest class): {stats['imbalance_ratio']:.2f}")
    for reason, n in stats["skipped_by_reason"].items():
        lines.append(f"skipped, {reason}: {n}")
    size = stats["image_size"]
    if size:
        lines.append(
            f"width {size['width']['min']}–{size['width']['max']}"
            f" (median {size['width']['median']:.0f}),"
            f" height {size['height']['min']}–{size['height']['max']}"
            f" (median {size['height']['median']:.0f}), {size['bytes']['total'] / 2**20:.1f} MB"
        )
    return Output(stats, "\n".join(lines))


def cmd_label(args: argparse.Namespace) -> Output:
    from labeldesk.core.label_files import apply_label_rows, normalise_path, read_label_file

    with open_existing(args.project) as project:
        if args.csv:
            if args.path or args.label:
                raise LabelDeskError("give either PATH LABEL or --csv FILE, not both")
            rows = read_label_file(args.csv)
            applied = apply_label_rows(
                project,
                rows,
                create_classes=args.new_class,
                description=f"labels from {args.csv.name}",
            )
        else:
            if not (args.path and args.label):
                raise LabelDeskError("give PATH and LABEL (or --csv FILE)")
            label = None if args.label == "-" else args.label
            project.set_label(
                normalise_path(project, args.path), label, create_class=args.new_class
            )
            applied = 1
    return Output({"applied": applied}, f"{applied} label(s) applied")


def cmd_classes(args: argparse.Namespace) -> Output:
    with open_existing(args.project) as project:
        if args.add:
            project.add_classes(_split_names(args.add))
        counts = project.stats()["classes"]
    data = {name: c["total"] for name, c in counts.items()}
    return Output(data, "\n".join(f"{n}\t{c}" for n, c in data.items()) or "no classes yet")


def cmd_undo(args: argparse.Namespace) -> Output:
    with open_existing(args.project) as project:
        if args.include_imports:
            from labeldesk.core.labels import SOURCES

            batch, events = project.undo(sources=SOURCES)
        else:
            batch, events = project.undo()
    return Output({"batch": batch, "events": events}, f"undid {events} change(s)")


def cmd_history(args: argparse.Namespace) -> Output:
    with open_existing(args.project) as project:
        events = project.history(args.path, limit=args.n)
    data = [
        {
            "path": e.path,
            "old": e.old_label,
            "new": e.new_label,
            "old_status": e.old_status,
            "new_status": e.new_status,
            "source": e.source,
            "author": e.author,
            "time": e.created_at,
            "batch": e.batch_id,
        }
        for e in events
    ]
    lines = []
    for e in events:
        when = dt.datetime.fromtimestamp(e.created_at).strftime("%Y-%m-%d %H:%M:%S")
        change = f"{e.old_label or '∅'} → {e.new_label or '∅'}"
        if e.old_status != e.new_status:
            change += f"  [{e.old_status or '-'} → {e.new_status or '-'}]"
        lines.append(f"{when}  {e.author or '?':<12} {e.source:<10} {e.path}  {change}")
    return Output(data, "\n".join(lines) or "no label events")
