"""Commands that take labeling actions back, make them again and list them: undo,
redo, history."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

from labeldesk.cli._base import (
    PROJECT_HELP,
    Output,
    image_path,
    non_negative_int,
    open_existing,
    path_arg,
    positive_int,
)
from labeldesk.core.display import counted, label_change, shown_path

if TYPE_CHECKING:
    from labeldesk.core.project import Project


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("undo", "undo your most recent labeling action (one label, a file, a class change)")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--batch",
        metavar="ID",
        type=positive_int,
        help="undo this batch (see `history`), whoever made it",
    )
    p.add_argument(
        "--include-imports",
        action="store_true",
        help="may also undo imported labels (folder names, labels files)",
    )
    p.set_defaults(handler=cmd_undo)

    p = add("redo", "make again what your last undo took back (if you changed nothing since)")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--include-imports",
        action="store_true",
        help="may also redo an undone import (folder names, labels files)",
    )
    p.set_defaults(handler=cmd_redo)

    p = add("history", "label and class history, newest first")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "path",
        nargs="?",
        help="only this image (one a scan removed too): its path relative to the image "
        "folder, or the file's path from the current folder or its full path",
    )
    p.add_argument(
        "-n", type=non_negative_int, default=50, help="how many events (default 50; 0: all)"
    )
    p.set_defaults(handler=cmd_history)


def _import_to_undo(project: Project) -> str | None:
    """What ``undo --include-imports`` would take back, with how many labels; or None."""
    from labeldesk.core.labels import SOURCES
    from labeldesk.core.undo import pending_description, pending_size

    if (description := pending_description(project.db, sources=SOURCES)) is None:
        return None
    size = pending_size(project.db, sources=SOURCES)  # 0: a class change only
    return f"“{description}”" + (f", taking back its {counted(size, 'label')}" if size else "")


def cmd_undo(args: argparse.Namespace) -> Output:
    from labeldesk.core.errors import NothingToUndoError
    from labeldesk.core.labels import SOURCES, USER_SOURCES, where_it_was
    from labeldesk.core.undo import batch_source

    with open_existing(args.project) as project:
        sources = SOURCES if args.include_imports else USER_SOURCES
        try:
            undone = project.undo(args.batch, sources=sources)  # the current user's own
        except NothingToUndoError as exc:
            if exc.holder is not None:  # undone, then made again: the command to run
                raise NothingToUndoError(
                    f"{exc} (`labeldesk undo PROJECT --batch {exc.holder}`)", holder=exc.holder
                ) from exc
            if exc.others:
                raise NothingToUndoError(
                    f"{exc}; undo one of them with --batch ID (see `labeldesk history PROJECT`)",
                    exc.others,
                ) from exc
            imported = None if args.include_imports or args.batch else _import_to_undo(project)
            if imported is None:
                raise
            raise NothingToUndoError(
                f"{exc}: labels from the folder or a file (imports) stay unless asked; "
                f"--include-imports undoes the newest, {imported}"
            ) from exc
        paths = [where_it_was(p) for p in project.paths_of(undone.image_ids[:20])]
        source = batch_source(project.db, undone.undone_batch_id)
    # how to make it again, as a change says how to undo it (an import's redo is asked for)
    redo = ["labeldesk", "redo", str(args.project)]
    redo += [] if source in USER_SOURCES else ["--include-imports"]
    summary = f"{undone.summary()} (redo with `{shlex.join(redo)}`)"
    data = {
        # "batch": the one taken back, as it always said (elsewhere "batch" is the new one:
        # the name of each is "undone_batch", and the undo's own, "undo_batch")
        "batch": undone.undone_batch_id,
        "undone_batch": undone.undone_batch_id,
        "undo_batch": undone.batch_id,
        "description": undone.description,
        "author": undone.author,
        "events": undone.events,
        "kept": undone.kept,
        "classes_restored": list(undone.classes_restored),
        "classes_removed": list(undone.classes_removed),
        "classes_kept": list(undone.classes_kept),
        "case_twins": [list(pair) for pair in undone.case_twins],  # (not made, the class)
        # (old, new): renames left, a class of the old name made since
        "not_renamed_back": [list(pair) for pair in undone.names_taken],
        "paths": paths,
    }
    return Output(data, _with_paths(summary, paths, undone.events))


def _with_paths(summary: str, paths: list[str], events: int) -> str:
    """An undo's or redo's summary, then the first images it changed, one per line."""
    lines = [summary] + [f"  {shown_path(p)}" for p in paths]
    if events > len(paths):
        lines.append(f"  … and {events - len(paths):,} more")
    return "\n".join(lines)


def cmd_redo(args: argparse.Namespace) -> Output:
    from labeldesk.core.errors import NothingToRedoError
    from labeldesk.core.labels import SOURCES, USER_SOURCES, where_it_was
    from labeldesk.core.redo import pending_redo_description

    with open_existing(args.project) as project:
        sources = SOURCES if args.include_imports else USER_SOURCES
        try:
            redone = project.redo(sources=sources)  # the current user's own newest undo
        except NothingToRedoError as exc:
            # `undo --batch` takes back an import, which redo passes over: say so
            undone_import = (
                None
                if args.include_imports
                else pending_redo_description(project.db, sources=SOURCES)
            )
            if undone_import is None:
                raise
            raise NothingToRedoError(
                f"{exc}; your last undo took back an import (“{undone_import}”): "
                "redo it with --include-imports"
            ) from None
        paths = [where_it_was(p) for p in project.paths_of(redone.image_ids[:20])]
    data = {
        "batch": redone.redone_batch_id,  # (as undo's: the one made again, "redone_batch")
        "redone_batch": redone.redone_batch_id,
        "undo_batch": redone.undo_batch_id,
        "redo_batch": redone.batch_id,
        "description": redone.description,
        "events": redone.events,
        "kept": redone.kept,
        "classes_back": list(redone.classes_back),
        "classes_renamed": [list(pair) for pair in redone.classes_renamed],
        "classes_removed": list(redone.classes_gone),
        "classes_kept": list(redone.classes_kept),
        "case_twins": [list(pair) for pair in redone.case_twins],
        "undo_changed_nothing": redone.undo_changed_nothing,
        "paths": paths,
    }
    return Output(data, _with_paths(redone.summary(), paths, redone.events))


def cmd_history(args: argparse.Namespace) -> Output:
    with open_existing(args.project) as project:
        path = image_path(project, args.path, current=False) if args.path else None
        events = project.history(path, limit=args.n or None)  # 0: all, as outliers -n
        # The whole history holds the class changes too, in time order.
        class_events = [] if path else project.class_history(limit=args.n or None)
    rows: list[tuple[float, int, dict, str]] = []
    for e in events:
        when = dt.datetime.fromtimestamp(e.created_at).strftime("%Y-%m-%d %H:%M:%S")
        parts = []
        if e.old_label != e.new_label:
            parts.append(label_change(e.old_label, e.new_label))
        if e.old_status != e.new_status:
            parts.append(f"[{e.old_status or 'unreviewed'} → {e.new_status or 'unreviewed'}]")
        if e.old_split != e.new_split:
            parts.append(f"split {e.old_split or 'none'} → {e.new_split or 'none'}")
        change = "  ".join(parts)
        shown = shown_path(e.path) + (" (removed from the folder)" if e.removed else "")
        line = (
            f"{when}  #{e.batch_id:<5} {e.author or '?':<12} {e.shown_source:<10} {shown}  {change}"
        )
        item = {
            "kind": "label",
            "path": e.path,
            "old": e.old_label,
            "new": e.new_label,
            "old_status": e.old_status,
            "new_status": e.new_status,
            "old_split": e.old_split,
            "new_split": e.new_split,
            "source": e.source,
            "author": e.author,
            "time": e.created_at,
            "batch": e.batch_id,
            "removed": e.removed,
        }
        if e.redoes is not None:  # a redo's batch ("source": the batch it made again)
            item["redoes"] = e.redoes
        rows.append((e.created_at, e.batch_id, item, line))
    for c in class_events:
        when = dt.datetime.fromtimestamp(c.created_at).strftime("%Y-%m-%d %H:%M:%S")
        line = f"{when}  #{c.batch_id:<5} {c.author or '?':<12} {c.shown_source:<10} {c.what()}"
        item = {
            "kind": "class",
            "path": None,  # (a class change names no image; readers of "path" still find it)
            "op": c.op if c.undoes is None else "undo",
            "class": c.name,
            "target": c.target,
            "description": c.description,
            "source": c.source,
            "author": c.author,
            "time": c.created_at,
            "batch": c.batch_id,
        }
        if c.undoes is not None:  # the change batch ``undoes`` made, taken back
            item |= {"undoes": c.undoes, "undone_op": c.op}
        if c.redoes is not None:
            item["redoes"] = c.redoes
        rows.append((c.created_at, c.batch_id, item, line))
    # Newest batch first (batch numbers follow the order of the writes, also when clocks
    # of people sharing a project differ); in a batch, its class change first: it names
    # what the label lines after it follow from (stable: each list's order kept)
    rows.sort(key=lambda r: (r[1], r[2]["kind"] == "class"), reverse=True)
    rows = rows[: args.n] if args.n else rows
    return Output([r[2] for r in rows], "\n".join(r[3] for r in rows) or "no label events")
