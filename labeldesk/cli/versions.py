"""The ``version`` command: name the dataset as it is now, list the names, compare two,
check an export (``verify``).

    labeldesk version PROJECT create NAME [--note TEXT]
    labeldesk version PROJECT list
    labeldesk version PROJECT diff A [B]
    labeldesk version PROJECT verify [NAME] OUT

A version can be exported again at any later time with ``labeldesk export PROJECT OUT
--version NAME``. In ``diff`` and ``export --version``, ``current`` names the state now
and ``model:N`` the version model version N was trained on (every training run records
one: ``auto-model-N``, or an existing version with the same state).

``--json`` output:

- ``create``: ``{"name", "note", "created_at", "author", "label_event_id", "images",
  "automatic", "models", "files_since_scan": {"checked", "changed", "gone",
  "changed_paths", "gone_paths", "root_missing"}, "warnings"}`` (``models``: ids of the
  model versions trained on it; ``files_since_scan``: the version's files that no longer
  hold what the last scan indexed, edited or touched (``changed``) or moved, renamed or
  deleted (``gone``), counted, with the first 100 paths of each; a version records them
  as indexed, so its export lists them under failed or missing: rescan first).
- ``list``: a list of those, newest first.
- ``diff``: ``{"a", "b", "counts": {kind: n}, "labels_changed": [{"path", "old", "new"}],
  "classes_renamed": [{"old", "new", "images"}], "splits_changed": [{"path", "old",
  "new"}], "added": [{"path", "label"}], "removed": [{"path", "label"}], "moved": [{"path",
  "old_path"}], "excluded": [{"path", "label"}], "included": [{"path", "label"}],
  "verified": [{"path", "label"}], "unverified": [{"path", "label"}], "content_changed":
  [{"path"}]}``; the kinds are the
  keys of ``counts``, every list of images is in path order; ``excluded`` are images
  excluded in B but not in A, ``included`` the reverse (``verified``, ``unverified``
  likewise); a label changed only by a class rename in between is counted once per
  rename under ``classes_renamed``, not under ``labels_changed``; ``moved`` are images
  whose file was renamed or moved to another folder in between (``old_path``: A's path);
  paths are B's (A's for removed images).
- ``verify``: ``{"version", "out", "ok", "intact", "complete", "images", "options",
  "state", "files": [{"path", "why"}], "not_exported": [{"path", "hash", "label",
  "split", "listed"}], "not_in_version": [{"path", "hash"}], "labels": [{"path", "hash",
  "label", "split", "version_path", "version_label", "version_split"}], "notes"}`` (see
  :mod:`labeldesk.interop.export_check`); exit 1 when ``ok`` is false.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.cli._base import (
    PROJECT_HELP,
    Output,
    TerminalProgress,
    open_existing,
    path_arg,
    with_project_as_typed,
)
from labeldesk.core.display import counted, shown_path

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.core.version_diff import DiffListing
    from labeldesk.core.versions import DatasetVersion


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("version", "name the dataset as it is now, list versions, compare two, check an export")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        # SUPPRESS: `version P --json list` keeps the --json given before the action
        sub.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print one JSON document on stdout",
        )
        return sub

    create = action("create", "record the labels, splits, statuses and images now as NAME")
    create.add_argument(
        "name",
        help="the version's name (used by diff and export --version); no / or \\, not . or ..",
    )
    create.add_argument("--note", default="", help="what this version is for")
    action("list", "every version, newest first, with the models trained on it")
    diff = action("diff", "what changed from version A to version B (current: now)")
    diff.add_argument("a", help="a version's name, model:N (what model N trained on) or current")
    diff.add_argument(
        "b", nargs="?", default="current", help="the same; default: current (the state now)"
    )
    verify = action("verify", "is the export in OUT version NAME, every image there and unchanged?")
    verify.add_argument(
        "name",
        nargs="?",
        help="a version's name, model:N or current (default: the version the export's "
        "manifest names, or the labels now for an export of the labels of its day)",
    )
    verify.add_argument("out", type=path_arg, help="the folder `labeldesk export` wrote")
    p.set_defaults(handler=cmd_version)


def cmd_version(args: argparse.Namespace) -> Output:
    from labeldesk.core import versions

    with open_existing(args.project) as project:
        if args.action == "create":
            made = versions.create_version(project.db, args.name, args.note)
            return _created(made, project, args.project)
        if args.action == "list":
            found = versions.list_versions(project.db)
            text = "\n".join(_describe(v) for v in found) or "no versions yet"
            return Output([v.to_json() for v in found], text)
        if args.action == "verify":
            from labeldesk.interop.export_check import check_export, recorded_version

            # as the app's Verify an export… does: the manifest says which version it is
            name = args.name or recorded_version(Path(args.out)) or versions.CURRENT
            with TerminalProgress() as progress:
                checked = check_export(project, name, Path(args.out), progress)
            return Output(checked.to_json(), checked.to_text(), 0 if checked.complete else 1)
        from labeldesk.cli.json_document import document_text
        from labeldesk.core.version_diff import list_diff

        a, b = versions.find_state(project.db, args.a), versions.find_state(project.db, args.b)
        listing = list_diff(project.db, a, b)  # (its own scratch file: the project may close)
    if not getattr(args, "json", False):
        with listing:  # the text shows 20 rows of each kind: only those are read
            return Output(None, listing.to_text())
    pieces = document_text(listing.document())
    return Output(None, "", document=_written_then_closed(pieces, listing))


def _created(made: DatasetVersion, project: Project, typed: object) -> Output:
    """The new version, then whether its files still hold what the last scan found (a
    version names the indexed bytes: a file edited, moved or deleted since cannot be
    exported with it): a ``warning:`` line naming them and what to do, and in JSON
    ``files_since_scan`` and ``warnings``."""
    from labeldesk.core.version_files import stale_files

    with TerminalProgress() as progress:
        found = stale_files(project.db, project.root, progress)
    warnings = [with_project_as_typed(found.warning(), typed)] if not found.clean else []
    data = made.to_json() | {"files_since_scan": found.to_json(), "warnings": warnings}
    text = "\n".join([f"created version {_describe(made)}", *(f"warning: {w}" for w in warnings)])
    return Output(data, text)


def _written_then_closed(pieces: Iterator[str], listing: DiffListing) -> Iterator[str]:
    """``pieces``, then the listing closed (also when the writing stops early)."""
    with listing:
        yield from pieces


def _describe(version: DatasetVersion) -> str:
    import datetime as dt

    when = dt.datetime.fromtimestamp(version.created_at).strftime("%Y-%m-%d %H:%M")
    parts = [f"{version.name}: {when}", counted(version.images, "image")]
    if version.classes is not None:  # (the label event's id is for --json, not people)
        parts.append(counted(len(version.classes), "class"))
    if version.author:
        parts.append(f"by {version.author}")
    if version.models:
        parts.append("models " + ", ".join(f"#{m}" for m in version.models))
    text = ", ".join(parts)
    # anyone sharing the project writes notes: a line break in one is shown as \n (the
    # note quoted, as a file name with one is), so it cannot make up another version line
    return f"{text}: {shown_path(version.note)}" if version.note else text
