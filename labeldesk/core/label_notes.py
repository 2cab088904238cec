"""What an import says of its rows, for ``labeldesk import`` and the app's import form
alike: the rows its problems are about, the rows naming a file the scan skips, class
names applied by their old names, images found by file name alone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .display import counted
from .empty_labels import empty_labels_note

if TYPE_CHECKING:
    from .label_read import LabelFile


def rows_named(problems: Sequence[str]) -> int:
    """How many rows (lines, entries) ``problems`` ("line 3: …" texts) are about: one row
    may have several."""
    named = {m.group(0) for text in problems if (m := _ROW.match(text))}
    return len(named) + sum(1 for text in problems if not _ROW.match(text))


_ROW = re.compile(r"\S+ \d+:")


def unusable_rows_note(unusable: Sequence[str], shown: int, more: str = "") -> list[str]:
    """The lines that list the rows not applied because they name a file the scan skips
    (``rows.unusable``, each with the scan's reason: a label there would count nowhere),
    for ``labeldesk import`` and the app's import form alike: the first ``shown`` of
    them, then "… and N more" followed by ``more`` (the command line's " (see --json)")."""
    if not unusable:
        return []
    n = rows_named(unusable)
    lines = [
        f"{counted(n, 'row')} {'names' if n == 1 else 'name'} a file the scan skips (not applied):"
    ]
    lines += [f"  {problem}" for problem in unusable[:shown]]
    if len(unusable) > shown:
        lines.append(f"  … and {len(unusable) - shown:,} more{more}")
    return lines


def old_names_note(old_names: dict[str, str]) -> str:
    """What to tell a person whose rows named classes by their old names ("" if none)."""
    if not old_names:
        return ""
    shown = ", ".join(f"{old!r} → {new!r}" for old, new in sorted(old_names.items())[:10])
    more = f" and {len(old_names) - 10} more" if len(old_names) > 10 else ""
    return (
        f"{counted(len(old_names), 'class name')} in the file "
        f"{'is an old name' if len(old_names) == 1 else 'are old names'} of renamed or merged "
        f"classes, applied to the class each became: {shown}{more}"
    )


def by_name_notice(count: int) -> str:
    """What to tell a person whose rows matched images by file name alone."""
    one = count == 1
    its, each = ("its", "it is") if one else ("their", "each is")
    return (
        f"{counted(count, 'image')} {'was' if one else 'were'} found by file name alone, "
        f"not by {its} folder in the project or {its} bytes (a Label Studio upload names "
        f"no folder, a re-encoded copy has other bytes): {each} the project's one image of "
        f"that name; if the labels mix datasets, check {'that image' if one else 'those images'}"
    )


def unchanged_images(matched: int, changed: int) -> int:
    """Of the ``matched`` images a file's rows name, those it did not change: the
    project held them as the rows say already (a file imported a second time)."""
    return max(matched - changed, 0)


def already_as_said(matched: int, left_out: bool = False) -> str:
    """What an import that changes none of the ``matched`` images it names says of them
    (a re-import), after "nothing changed": "0 labels applied" alone read as if the
    rows had not been read, or not matched. ``left_out``: bad rows were skipped, so the
    file names more images than the ``matched`` it applies to."""
    if left_out:  # (counted: "the image it names" would read as the file's only one)
        them = f"the {counted(matched, 'image')} it applies to {'is' if matched == 1 else 'are'}"
    else:
        them = "the image it names is" if matched == 1 else f"the {matched:,} images it names are"
    return f"{them} already as it says"


def applied_said(rows: LabelFile, left_out: bool = False) -> str:
    """What a file applied, as ``labeldesk import``, ``label --csv`` and ``new --labels``
    all say it: :meth:`BatchCounts.describe`, and of a file that changed none of the
    images it names, ": nothing changed (…)" with :func:`already_as_said` (``left_out``:
    bad rows were skipped)."""
    said = rows.applied.describe()
    if not rows.applied.images and rows.matched:  # (a re-import: all held already)
        said += f": nothing changed ({already_as_said(rows.matched, left_out)})"
    return said


def unchanged_in(rows: LabelFile) -> int:
    """``--json``'s ``unchanged`` of an applied file: :func:`unchanged_images` of what
    its rows named and what the batch changed."""
    return unchanged_images(rows.matched, rows.applied.images)


def reading_notes(rows: LabelFile) -> list[str]:
    """What an import says of how the file was read, for ``labeldesk import`` (``notes``)
    and the app's import form alike: a column chosen by its exact case, a label column
    (or a file's labels) empty in most rows."""
    note = empty_labels_note(rows)
    return [*rows.column_notes, *([note] if note else [])]


def folder_labels_dropped_note(dropped: int) -> str:
    """What ``new --labels`` over another tool's export says of the images whose folder
    label it dropped (their folders are that tool's layout, not classes) and that the
    file labels not at all: they are unlabeled now ("" if none). Before, only the
    project's "N labeled" line showed them."""
    if not dropped:
        return ""
    one = dropped == 1
    return (
        f"{counted(dropped, 'folder label')} dropped: the file gives "
        f"{'that image' if one else 'those images'} no label (the folders of another "
        f"tool's export are its layout, not classes), so {'it is' if one else 'they are'} "
        "unlabeled"
    )
