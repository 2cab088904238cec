"""Commands that set labels and edit classes: label, classes."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable

from labeldesk.cli._base import (
    IMAGE_PATH_HELP,
    PROJECT_HELP,
    OptionsError,
    Output,
    image_path,
    open_existing,
    path_arg,
    undo_hint,
)
from labeldesk.cli.imports import add_empty_labels_argument
from labeldesk.core.classes import names_to_add
from labeldesk.core.display import counted, quoted_names
from labeldesk.core.errors import LabelDeskError


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("label", "set labels: one image, or many from a CSV/JSON file (all or nothing)")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument("path", nargs="?", help=IMAGE_PATH_HELP)
    p.add_argument("label", nargs="?", help="class name; '-' removes the label")
    p.add_argument(
        "--csv",
        type=path_arg,
        metavar="FILE",
        help="labels file: CSV (path,label[,split]; a header may add a status column, "
        "verified or excluded) or JSON; every problem is listed by line",
    )
    for name, what in (("path", "paths"), ("label", "labels"), ("split", "splits")):
        p.add_argument(
            f"--{name}-column",
            metavar="COL",
            help=f"with --csv: the column with {what}, when the header names it otherwise",
        )
    add_empty_labels_argument(p, "with --csv: ")
    p.add_argument("--new-class", action="store_true", help="allow labels that add classes")
    p.set_defaults(handler=cmd_label)

    p = add("classes", "list classes with image counts; add, rename, merge or remove classes")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
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


def cmd_label(args: argparse.Namespace) -> Output:
    from labeldesk.cli.imports import describe_unusable, reading_notes, unknown_classes_advised
    from labeldesk.core.classes import class_name_problem
    from labeldesk.core.errors import CaseTwinError, LabelFileError, UnknownClassError
    from labeldesk.core.label_file_formats import Columns
    from labeldesk.core.label_files import apply_label_rows, read_label_file
    from labeldesk.core.label_notes import applied_said, old_names_note, unchanged_in

    columns = Columns(args.path_column, args.label_column, args.split_column)
    if any(columns) and not args.csv:  # (a column of PATH LABEL means nothing)
        raise OptionsError("--path-column, --label-column and --split-column go with --csv")
    with open_existing(args.project) as project:
        if args.csv:
            if args.path or args.label:
                raise OptionsError("give either PATH LABEL or --csv FILE, not both")
            from labeldesk.interop.formats.export_paths import as_project_paths

            rows = as_project_paths(args.csv, read_label_file(args.csv, columns))
            rows.empty_labels_ok = args.empty_labels
            file = f"{args.csv.name} ({rows.read_as or 'csv'})"  # as `import` names it
            try:
                applied = apply_label_rows(
                    project,
                    rows,
                    source="import",  # a file the person brings: a plain undo takes it back
                    file=file,
                    create_classes=args.new_class,
                    description=f"labels from {file}",
                )
            except LabelFileError as exc:
                raise unknown_classes_advised(exc, args.project) from None
            text = applied_said(rows) + undo_hint(args.project, rows.applied.batch)
            text += f"; {rows.status_note}" if rows.status_note else ""
            text += f"; {old_names_note(rows.old_names)}" if rows.old_names else ""
            text = "\n".join([text, *reading_notes(rows), *describe_unusable(rows.unusable)])
            data = {
                "applied": applied,
                "batch": rows.applied.batch,  # what `labeldesk undo` takes back (None: none)
                "status_note": rows.status_note,
                "changed": rows.applied.by_kind(),
                "unchanged": unchanged_in(rows),  # images already as the file says
                "old_class_names": rows.old_names,
                "skipped_files": rows.unusable,  # rows naming a file the scan skips
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
            path = image_path(project, args.path)
            reason = project.skip_reason(path) if label is not None else None
            if reason:  # a label there counts nowhere: not "1 label applied"
                raise LabelDeskError(
                    f"{path} is a file the scan skips ({reason}); a label there would count "
                    "nowhere (`labeldesk stats` lists the skipped files)"
                )
            try:
                changed = project.set_label(path, label, create_class=args.new_class)
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
    text = f"{counted(applied, 'label')} {done}{undo_hint(args.project, changed.batch_id)}"
    return Output({"applied": applied, "batch": changed.batch_id}, text)


def cmd_classes(args: argparse.Namespace) -> Output:
    from labeldesk.core.portable_names import class_name_notes
    from labeldesk.core.stats import class_totals

    with open_existing(args.project) as project:
        batch, done, named = None, "", []
        # `is not None`: an empty NAME ('') is refused, not read as "just list them".
        if args.add is not None:
            added, batch = project.add_classes_batch(names_to_add(args.add))
            done = f"added {quoted_names(added)}" if added else "no new class to add"
            named = added
        elif args.rename is not None:
            batch = project.rename_class(*args.rename).batch_id
            done = "renamed {} to {}".format(*map(repr, args.rename))
            named = [args.rename[1].strip()]
        elif args.merge is not None:
            batch = project.merge_classes(*args.merge).batch_id
            done = "merged {} into {}".format(*map(repr, args.merge))
        elif args.remove is not None:
            batch = project.remove_class(args.remove).batch_id
            done = f"removed {args.remove!r}; its images are unlabeled"
        try:
            counts = class_totals(project)
        except Exception as exc:  # (a damaged page found by the listing, after the change)
            if batch is not None:
                exc.add_note(f"the change was saved before that was found ({done})")
            raise
    notes = class_name_notes(named)
    data = {"classes": counts, "batch": batch, "done": done, "warnings": notes}
    lines = [done + undo_hint(args.project, batch)] if done else []
    lines += [f"note: {n}" for n in notes]
    lines += [f"{n}\t{c}" for n, c in counts.items()] or ["no classes yet"]
    return Output(data, "\n".join(lines))
