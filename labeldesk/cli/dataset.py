"""Commands that build and edit the project store.

new, scan, stats, label, classes, undo, redo, history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labeldesk.cli._base import (
    OptionsError,
    Output,
    TerminalProgress,
    image_path,
    non_negative_int,
    open_existing,
    path_arg,
    positive_int,
)
from labeldesk.cli.imports import add_label_source_arguments, describe_skipped, read_label_source
from labeldesk.core.classes import names_to_add, split_names
from labeldesk.core.display import counted, label_change, quoted_names, shown_path
from labeldesk.core.errors import ImageRootError, LabelDeskError

if TYPE_CHECKING:
    from labeldesk.core.project import Project

AddParser = Callable[..., argparse.ArgumentParser]


def add_parsers(add: AddParser) -> None:

    p = add("new", "create a project for an image folder and index it")
    p.add_argument("project", type=path_arg, help="project folder to create")
    p.add_argument("--images", type=path_arg, required=True, help="image folder (never modified)")
    p.add_argument(
        "--labels",
        type=path_arg,
        help="a labels file or folder from another tool (CSV, Parquet, Hugging Face, "
        "FiftyOne, Label Studio, WebDataset, class folders; the format is detected and "
        "named in the output)",
    )
    add_label_source_arguments(p, flag="--labels-format")
    p.add_argument(
        "--classes",
        help="comma-separated class names, defined up front (keys 1, 2, … in order; "
        "\\, for a comma in a name)",
    )
    p.add_argument(
        "--new-class",
        action="store_true",
        help="with --classes: let the labels file add classes not in the list",
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
    p.add_argument("--workers", type=positive_int, help="decoding processes (default: all cores)")
    p.set_defaults(handler=cmd_new)

    p = add("scan", "re-index the image folder: added, removed, changed and moved files")
    p.add_argument("project", type=path_arg)
    p.add_argument("--images", type=path_arg, help="the image folder has moved here")
    p.add_argument(
        "--force",
        action="store_true",
        help="with --images: use the folder even if none of the project's images are in it, "
        "the files at their paths hold other pictures, or it looks one level too high",
    )
    p.add_argument(
        "--follow-links",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="index files that symbolic links lead to outside the image folder (remembered)",
    )
    p.add_argument("--workers", type=positive_int, help="decoding processes (default: all cores)")
    p.set_defaults(handler=cmd_scan)

    p = add("stats", "image, label, class, split and skipped-file counts")
    p.add_argument("project", type=path_arg)
    p.set_defaults(handler=cmd_stats)

    p = add("label", "set labels: one image, or many from a CSV/JSON file (all or nothing)")
    p.add_argument("project", type=path_arg)
    p.add_argument("path", nargs="?", help="image path relative to the image folder")
    p.add_argument("label", nargs="?", help="class name; '-' removes the label")
    p.add_argument(
        "--csv",
        type=path_arg,
        metavar="FILE",
        help="labels file: CSV (path,label[,split]; a header may add a status column, "
        "verified or excluded) or JSON; every problem is listed by line",
    )
    p.add_argument("--new-class", action="store_true", help="allow labels that add classes")
    p.set_defaults(handler=cmd_label)

    p = add("classes", "list classes with image counts; add, rename, merge or remove classes")
    p.add_argument("project", type=path_arg)
    ops = p.add_mutually_exclusive_group()
    ops.add_argument(
        "--add", metavar="A,B,C", help="comma-separated class names to add (\\, for a comma in one)"
    )
    ops.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), help="rename a class")
    ops.add_argument(
        "--merge", nargs=2, metavar=("FROM", "INTO"), help="move FROM's images into INTO"
    )
    ops.add_argument("--remove", metavar="NAME", help="remove a class (its images: unlabeled)")
    p.set_defaults(handler=cmd_classes)

    p = add("undo", "undo your most recent labeling action (one label, a file, a class change)")
    p.add_argument("project", type=path_arg)
    p.add_argument(
        "--batch", type=positive_int, help="undo this batch (see `history`), whoever made it"
    )
    p.add_argument(
        "--include-imports",
        action="store_true",
        help="may also undo imported labels (folder names, labels files)",
    )
    p.set_defaults(handler=cmd_undo)

    p = add("redo", "make again what your last undo took back (if you changed nothing since)")
    p.add_argument("project", type=path_arg)
    p.add_argument(
        "--include-imports",
        action="store_true",
        help="may also redo an undone import (folder names, labels files)",
    )
    p.set_defaults(handler=cmd_redo)

    p = add("history", "label and class history, newest first")
    p.add_argument("project", type=path_arg)
    p.add_argument("path", nargs="?", help="only this image")
    p.add_argument(
        "-n", type=non_negative_int, default=50, help="how many events (default 50; 0: all)"
    )
    p.set_defaults(handler=cmd_history)


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
            lines.append(f"  … and {len(data['skipped']) - 20} more (see --json)")
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
    folder) and remove the class the wrong level made, once it is left empty."""
    from labeldesk.core.layout_check import ONE_LEVEL_TOO_HIGH

    if warning.kind != ONE_LEVEL_TOO_HIGH or warning.suggested_root is None:
        return str(warning)
    project_arg, folder = shlex.quote(str(project)), shlex.quote(str(warning.suggested_root))
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


def _new(args: argparse.Namespace) -> Output:
    from labeldesk.core.create import create_and_index

    fmt, rows = (
        read_label_source(args.labels, args.labels_format, args) if args.labels else ("", None)
    )
    skipped: list[str] | None = [] if args.skip_bad_rows else None
    with TerminalProgress() as progress:
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
            "status_note": rows.status_note,
        }
        found = [
            f"labels read from {args.labels} as {rows.read_as or fmt}: {rows.applied.describe()}"
        ]
        if rows.status_note:
            found.append(rows.status_note)
        if rows.unmatched:
            n = len(rows.unmatched)
            verb = "names" if n == 1 else "name"
            found.append(f"{counted(n, 'row')} {verb} no image in the folder (--json)")
        output.text = "\n".join([*found, output.text, *describe_skipped(skipped or [])])
    return output


def cmd_scan(args: argparse.Namespace) -> Output:
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
    from labeldesk.ml.unfinished import unfinished_embeddings

    with open_existing(args.project) as project:
        stats = project.stats()
        unfinished = unfinished_embeddings(project)
        note = None if unfinished is None else unfinished.command_text(project)
    stats = {**stats, "unfinished_embeddings": unfinished and unfinished.to_json()}
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
    if note:  # a fine-tune stopped before its embeddings were whole
        lines.append(f"note: {note}")
    return Output(stats, "\n".join(lines))


def cmd_label(args: argparse.Namespace) -> Output:
    from labeldesk.core.classes import class_name_problem
    from labeldesk.core.errors import CaseTwinError, UnknownClassError
    from labeldesk.core.label_file_formats import old_names_note
    from labeldesk.core.label_files import apply_label_rows, read_label_file

    with open_existing(args.project) as project:
        if args.csv:
            if args.path or args.label:
                raise OptionsError("give either PATH LABEL or --csv FILE, not both")
            from labeldesk.interop.formats.export_paths import as_project_paths

            rows = as_project_paths(args.csv, read_label_file(args.csv))
            applied = apply_label_rows(
                project,
                rows,
                create_classes=args.new_class,
                description=f"labels from {args.csv.name}",
            )
            text = rows.applied.describe()
            text += f"; {rows.status_note}" if rows.status_note else ""
            text += f"; {old_names_note(rows.old_names)}" if rows.old_names else ""
            data = {
                "applied": applied,
                "status_note": rows.status_note,
                "changed": rows.applied.by_kind(),
                "old_class_names": rows.old_names,
            }
            return Output(data, text)
        else:
            if not args.path or args.label is None:
                raise OptionsError("give PATH and LABEL (or --csv FILE)")
            label = None if args.label == "-" else args.label
            if label is not None and (problem := class_name_problem(label)):
                # --new-class cannot help here: say why, and how to remove a label
                hint = "; to remove the label, give - as LABEL" if not label.strip() else ""
                raise LabelDeskError(f"invalid class name {label!r}: {problem}{hint}")
            try:
                changed = project.set_label(
                    image_path(project, args.path), label, create_class=args.new_class
                )
            except CaseTwinError:
                raise  # its own message says what to do; --new-class cannot help
            except UnknownClassError as exc:
                name = str(label).replace(",", "\\,")  # as --add reads a comma in a name
                add = shlex.join(["labeldesk", "classes", str(args.project), "--add", name])
                raise UnknownClassError(
                    f"{exc}; add it first (`{add}`) or allow new classes (--new-class)"
                ) from None
            applied = len(changed.image_ids)  # 0 when the image had that label already
    done = "applied" if label is not None else "removed"
    return Output({"applied": applied}, f"{counted(applied, 'label')} {done}")


def cmd_classes(args: argparse.Namespace) -> Output:
    with open_existing(args.project) as project:
        batch, done = None, ""
        # `is not None`: an empty NAME ('') is refused, not read as "just list them".
        if args.add is not None:
            added, batch = project.add_classes_batch(names_to_add(args.add))
            done = f"added {quoted_names(added)}" if added else "no new class to add"
        elif args.rename is not None:
            batch = project.rename_class(*args.rename).batch_id
            done = "renamed {} to {}".format(*map(repr, args.rename))
        elif args.merge is not None:
            batch = project.merge_classes(*args.merge).batch_id
            done = "merged {} into {}".format(*map(repr, args.merge))
        elif args.remove is not None:
            batch = project.remove_class(args.remove).batch_id
            done = f"removed {args.remove!r}; its images are unlabeled"
        counts = {name: c["total"] for name, c in project.stats()["classes"].items()}
    data = {"classes": counts, "batch": batch, "done": done}
    undo = f" (undo with `labeldesk undo {shlex.quote(str(args.project))}`)" if batch else ""
    lines = [done + undo] if done else []
    lines += [f"{n}\t{c}" for n, c in counts.items()] or ["no classes yet"]
    return Output(data, "\n".join(lines))


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

    with open_existing(args.project) as project:
        sources = SOURCES if args.include_imports else USER_SOURCES
        try:
            undone = project.undo(args.batch, sources=sources)  # the current user's own
        except NothingToUndoError as exc:
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
    data = {
        "batch": undone.undone_batch_id,
        "undo_batch": undone.batch_id,
        "description": undone.description,
        "author": undone.author,
        "events": undone.events,
        "kept": undone.kept,
        "classes_restored": list(undone.classes_restored),
        "classes_removed": list(undone.classes_removed),
        "classes_kept": list(undone.classes_kept),
        "case_twins": [list(pair) for pair in undone.case_twins],  # (not made, the class)
        "paths": paths,
    }
    return Output(data, _with_paths(undone.summary(), paths, undone.events))


def _with_paths(summary: str, paths: list[str], events: int) -> str:
    """An undo's or redo's summary, then the first images it changed, one per line."""
    lines = [summary] + [f"  {shown_path(p)}" for p in paths]
    if events > len(paths):
        lines.append(f"  … and {events - len(paths)} more")
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
        "batch": redone.redone_batch_id,
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
