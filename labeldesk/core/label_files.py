"""Applying label rows to a project, all or nothing.

A label file is read into a :class:`~.label_read.LabelFile` by :mod:`.label_read`
(re-exported here, where callers import it). A person fixes a label file in one go only
if every problem is listed at once, so :func:`apply_label_rows` lists the problems of
single rows that reading kept together with the ones only the project can tell (unknown
paths and classes, one image given two labels however its path is written) before it
changes anything.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .batch_counts import BatchCounts, batch_counts
from .classes import NameIndex, case_twin_problem, nfc
from .display import KNOWN_CLASSES_SHOWN, quoted_names
from .empty_labels import refuse_empty_label_column
from .errors import LabelFileError, UnknownPathError
from .exported_rows import copies_problem, follow_pictures, same_folder
from .image_rows import live_paths, skipped_files
from .label_bound import BoundStatuses
from .label_content import Ambiguity, ByContent
from .label_file_formats import LABEL_COLUMNS, PATH_COLUMNS, refuse_no_rows
from .label_paths import Spellings, listed, spellings
from .label_paths import candidates as _candidates
from .label_paths import exact as _exact
from .label_paths import file_uri_path as _file_uri_path
from .label_paths import is_file_uri as _is_file_uri
from .label_paths import relative as _relative
from .label_paths import tidy as _tidy
from .label_read import LabelFile, checked_rows, read_label_file
from .label_rows import LabelRow, RowTable
from .label_status import status_to_set
from .label_stems import StemMatches
from .label_suffixes import SuffixMatches
from .progress import CancelToken, ProgressCallback, no_progress
from .rows_elsewhere import in_another_project
from .upload_names import UploadNameMatches

if TYPE_CHECKING:
    from .project import Project

__all__ = [
    "LABEL_COLUMNS",
    "PATH_COLUMNS",
    "LabelFile",
    "LabelRow",
    "apply_label_rows",
    "checked_rows",
    "normalise_path",
    "read_label_file",
]


LOOKUP_CHUNK = 50_000  # paths looked up at a time: a million rows' lookup stays small


def _known(project: Project, paths: Iterable[str]) -> set[str]:
    """Those of ``paths`` that are an image's stored path, exactly (the strings given, not
    copies; a stored path is relative: an absolute one, which ``ids_for`` also takes, is
    not one)."""
    known: set[str] = set()
    chunk: list[str] = []
    for path in itertools.chain(paths, [""]):  # ("": the end)
        if path and not os.path.isabs(path):
            chunk.append(path)
        if chunk and (len(chunk) == LOOKUP_CHUNK or not path):
            try:
                found = project.ids_for(chunk)
            except UnknownPathError as exc:
                known.update(set(chunk).difference(exc.paths))
            else:
                known.update(p for p in chunk if p in found)
            chunk = []
    return known


def normalise_path(project: Project, path: str) -> str:
    """``path`` as the project stores it: relative to the image root, ``/`` separators
    (``./x.png``, ``x.png``, ``ROOT/x.png`` and ``.\\x.png`` are all ``x.png``)."""
    candidates = _candidates(project.root, path) or [path]
    return _exact(path, candidates, _known(project, candidates)) or candidates[0]


# -- applying ------------------------------------------------------------------------
def apply_label_rows(
    project: Project,
    rows: LabelFile | Sequence[LabelRow],
    *,
    source: str = "human",
    file: str | None = None,
    create_classes: bool = False,
    description: str = "",
    skipped: list[str] | None = None,
    dry_run: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> int:
    """Apply the rows as one batch; returns the number of images whose label or split
    changed (rows that repeat what the project holds change nothing). ``dry_run``: check
    everything as for real, write nothing, and return how many images would change
    (what a form shows before the person imports).

    Every row is checked first: bad rows, paths not in the project, unknown classes
    (unless ``create_classes``) and an image given two labels or splits (however its
    path is spelt) are all raised together as one :class:`LabelFileError`, by line,
    and then nothing is applied. The same image twice with the same label is fine.
    A path that names no image may name one by its stem (:mod:`.label_stems`) or its
    path suffix (:mod:`.label_suffixes`). A row with a content file names its image by
    the file's bytes (:class:`.label_content.ByContent`). With ``unmatched_ok`` a row
    that names no image is listed in ``rows.unmatched`` instead (an error only if no row
    names one).

    ``file``: a person imported the rows from that file ("NAME (FORMAT)"; see
    :meth:`Project.set_labels`).

    ``skipped``: a list to receive those problems instead; the good rows are applied
    and every image with a bad row is left out (the person asked to skip bad rows).
    """
    if isinstance(rows, LabelFile):  # a file of no rows: refused, not "0 labels applied"
        refuse_no_rows(rows.source, rows.rows, rows.problems, rows.refused, rows.content_files)
        refuse_empty_label_column(rows)  # (a wrong --label-column would unlabel them all)
    found = rows if isinstance(rows, LabelFile) else LabelFile("labels", list(rows))
    _in_source_project(found, project)
    in_another_project(found, project.db, lambda paths: _known(project, paths), project.root)
    # (what matching the rows held is let go before the write)
    chosen = _chosen(project, found, create_classes, skipped, progress, cancel)
    found.applied = found.would_change = BatchCounts()
    found.matched = len(chosen)
    if not chosen:
        return 0
    labels: dict[str, str | None] = {}
    splits: dict[str, str | None] = {}
    statuses: dict[str, str | None] = {}
    bound = BoundStatuses(project)
    for path, held in chosen.items():
        row = found.rows[held] if isinstance(held, int) else held
        if not row.keep_label:
            labels[path] = row.label
        if row.split:
            splits[path] = row.split
        if row.status:
            statuses[path] = status_to_set(row.status)
            bound.see(path, row)
    del chosen
    bound.drop_stale(statuses)  # ("verified" for a label the image no longer has)
    found.status_note = bound.noted(found.status_note)
    if dry_run:  # what would change, by kind, as ``applied`` says it once applied
        found.would_change = project.would_change_counts(labels, splits=splits, statuses=statuses)
        return found.would_change.images
    # One batch: labels, splits and statuses land together, and one undo takes them back.
    changes = project.set_labels(
        labels,
        splits=splits,
        statuses=statuses,
        source=source,
        create_classes=create_classes,
        description=description or f"{len(labels)} labels from file",
        file=file,
    )
    found.applied = batch_counts(project.db, changes.batch_id)
    return len(changes.image_ids)  # what changed: a row that repeats the state is no news


def _chosen(
    project: Project,
    found: LabelFile,
    create_classes: bool,
    skipped: list[str] | None,
    progress: ProgressCallback,
    cancel: CancelToken | None,
) -> dict[str, int | LabelRow]:
    """The image each row names -> its row (its number in ``found.rows``, or the row
    itself when changed: rows of one image merged, a class renamed since), as
    :func:`apply_label_rows` applies them; raises :class:`LabelFileError` listing every
    problem (``skipped``: lists them there, and leaves out the images of bad rows)."""
    problems = list(found.problems)
    by_content = (
        ByContent(
            project.db,
            found,
            lambda p: _candidates(project.root, p),
            lambda p: _unknown(project, p, found.quoted),
            progress,
            cancel,
        )
        if found.content_files
        else None
    )
    per_row = [spellings(project.root, row.path) for row in found.rows]
    # rows found by their bytes need no path, and bad rows of such a file are left out
    # by their bytes: only the paths below are looked up
    looked_up: list[Spellings] = (
        [*by_content.paths_needed([listed(c) for c in per_row])] if by_content else per_row
    )
    refused = [] if by_content else [_candidates(project.root, p) for _, p in found.refused]
    known = _known(project, (p for c in (*looked_up, *refused) for p in listed(c)))
    unknown = [
        listed(c)
        for c in (*looked_up, *refused)
        if c and (c not in known if isinstance(c, str) else not known.intersection(c))
    ]
    paths = live_paths(project.db) if unknown else []  # read once, only when needed
    stems, suffixes = StemMatches.find(paths, unknown), SuffixMatches.find(paths, unknown)
    uploads = UploadNameMatches.find(paths, _uploads(found, per_row) if paths else [])

    def image_of(written: str, spelt: Spellings) -> tuple[str | None, bool]:
        """(the image a row names, whether exactly): exactly; else the one whose path
        ends with it (an image of exactly that file name beats another whose name without
        its extension is that: ``x.jpg`` is ``val/x.jpg``, not ``train/x.jpg.png``); else
        by stem."""
        if written in known:  # (most rows)
            return written, True
        candidates = listed(spelt)
        exact = _exact(written, candidates, known)
        if exact is not None or suffixes.ambiguity(candidates):
            return exact, True
        return suffixes.unique(candidates) or stems.unique(candidates), False

    unmatched: list[tuple[int, str]] = []
    by_name: set[str] = set()
    # an image's row as its number in found.rows, or as changed (a class renamed since,
    # rows of one image merged): a million images keep no tuple each
    chosen: dict[str, int | LabelRow] = {}
    lines_of: dict[str, list[int]] = {}  # of an image more than one row names
    classes = NameIndex(project.classes())  # a label finds its class in any Unicode form
    renamed = _renamed_classes(project, classes)
    new_classes: dict[str, str] = {}  # the classes the rows would add, by folded name
    found.old_names = {}
    lacking: dict[str, None] = {}  # the classes rows name that the project lacks, in order
    for i, (row, candidates) in enumerate(zip(found.rows, per_row, strict=True)):
        read = row
        if row.label is not None and not row.keep_label and classes.find(row.label) is None:
            now = renamed.get(nfc(row.label))  # a class renamed (or merged) since
            if now is not None:
                found.old_names[row.label] = now
                row = row._replace(label=now)
        if row.label is not None and not row.keep_label and classes.find(row.label) is None:
            # A new class, unless it differs from a class (or an earlier row's) in case.
            problem = case_twin_problem(row.label, classes, new_classes if create_classes else {})
            if problem or not create_classes:
                problems.append((row.line, problem or f"unknown class {found.quoted(row.label)}"))
                lacking.update({} if problem else {row.label: None})
        if by_content is not None:
            path, problem = by_content.image(i, image_of, _ambiguity(suffixes, stems))
            if problem:
                problems.append((row.line, problem))
                continue
            assert path is not None
            if by_content.by_name[i]:
                by_name.add(path)
        else:
            path, exact = image_of(row.path, candidates)
            upload = row.line in found.upload_lines
            if path is None and upload:  # stored by Label Studio under a safe name
                path = uploads.unique(listed(candidates))
            if path is not None and not exact and "/" in path and "/" not in _tidy(row.path):
                by_name.add(path)  # a bare file name found an image in a folder
            if path is None:
                ambiguity = _ambiguity(suffixes, stems)(listed(candidates)) or (
                    uploads.ambiguity(listed(candidates)) if upload else None
                )
                missing = unmatched if found.unmatched_ok and not ambiguity else problems
                missing.append((row.line, ambiguity or _unknown(project, row.path, found.quoted)))
                continue
        entry = i if row is read else row
        held = chosen.setdefault(path, entry)
        if held is entry:
            continue
        first = found.rows[held] if isinstance(held, int) else held
        # (the image's first row is still as it was read: rows are merged from the second)
        lines_of.setdefault(path, [first.line]).append(row.line)
        conflict = _conflict(first, row, found)
        if conflict:
            problems.append((row.line, f"{found.quoted(path)} {conflict}"))
        elif first.keep_label and not row.keep_label:
            # (a status taken from the other row keeps the label it was bound to)
            status = row if row.status else first
            chosen[path] = row._replace(
                split=row.split or first.split,
                status=status.status,
                verified_label=status.verified_label,
            )
        elif (row.split and not first.split) or (row.status and not first.status):
            status = first if first.status else row
            chosen[path] = first._replace(
                split=first.split or row.split,
                status=status.status,
                verified_label=status.verified_label,
            )
    if unmatched and not chosen:
        problems.extend(unmatched)  # nothing matches: not a file for this project
    elif unmatched:
        found.unmatched = found.describe(unmatched)
    found.unknown_classes = list(lacking)
    if problems and skipped is None:  # (how to add unknown classes: the caller's words)
        note = _known_classes(project) if lacking else ""
        raise LabelFileError(found.source, found.describe(problems), note, list(lacking))
    if problems and skipped is not None:
        bad = {line for line, _ in problems}
        named_by_bad: set[str | None]
        if by_content is not None:
            named_by_bad = set(by_content.held_by_bad())
        else:
            named_by_bad = {
                image_of(path, candidates)[0]
                for (_, path), candidates in zip(found.refused, refused, strict=True)
            }

        def lines(p: str, held: int | LabelRow) -> Sequence[int]:
            """The lines of the rows that name the image ``p``."""
            row = found.rows[held] if isinstance(held, int) else held
            return lines_of.get(p) or (row.line,)

        kept = {
            p: r
            for p, r in chosen.items()
            if not bad.intersection(lines(p, r)) and p not in named_by_bad
        }
        # a good row of an image a bad row names is left out too, and said so
        with_bad = [
            (n, f"{found.quoted(p)} left out with the bad row of that image")
            for p, r in chosen.items()
            if p not in kept
            for n in lines(p, r)
            if n not in bad
        ]
        skipped.extend(found.describe([*problems, *with_bad]))
        chosen = kept
    _leave_out_unusable(project, found, chosen, lines_of)
    found.by_name = len(by_name.intersection(chosen))
    return chosen


def _leave_out_unusable(
    project: Project,
    found: LabelFile,
    chosen: dict[str, int | LabelRow],
    lines_of: dict[str, list[int]],
) -> None:
    """Take the files the scan skips out of ``chosen`` and list their rows in
    ``found.unusable`` with the scan's reason: a label there is counted nowhere (not in
    ``stats``, not exported), so it is not applied and not reported as applied."""
    found.unusable = []
    if not chosen:
        return
    reasons = skipped_files(project.db)
    left_out: list[tuple[int, str]] = []
    for path in [p for p in chosen if p in reasons]:
        held = chosen.pop(path)
        row = found.rows[held] if isinstance(held, int) else held
        text = f"{found.quoted(path)}: {reasons[path]}"  # (as the scan says it)
        left_out += [(n, text) for n in lines_of.get(path) or (row.line,)]
    found.unusable = found.describe(left_out)


def _renamed_classes(project: Project, classes: NameIndex) -> dict[str, str]:
    """Old class name (NFC) -> the class it became, for a renamed or merged class: an
    older file's rows still name their class (a removed class's name is not one)."""
    found: dict[str, str] = {}
    for old, target in project.class_aliases().items():
        now = classes.find(target) if target is not None else None
        if now is not None:
            found[nfc(old)] = now
    return found


def _uploads(found: LabelFile, per_row: Sequence[Spellings]) -> list[list[str]]:
    """The spellings of each row that names a Label Studio upload (none: no list)."""
    if not found.upload_lines:
        return []
    rows = zip(found.rows, per_row, strict=True)
    return [listed(spelt) for row, spelt in rows if row.line in found.upload_lines]


def _ambiguity(suffixes: SuffixMatches, stems: StemMatches) -> Ambiguity:
    """Why a row's spellings fit several images (by suffix, else by stem), or None."""
    return lambda candidates: suffixes.ambiguity(candidates) or stems.ambiguity(candidates)


def _in_source_project(found: LabelFile, project: Project) -> None:
    """Make each row of ``found`` name the image it was exported from, when it is a
    LabelDesk export read back into the project it came from (once: the rows stay so)."""
    if found.exported_from is None or not (
        same_folder(found.exported_from, project.root)
        or same_folder(found.exported_project, project.path)
    ):
        return
    led_back = [bool(p) for p in found.source_paths]
    paths, refused = found.source_paths, found.source_refused
    if not found.content_files:  # (rows read by their bytes need no hash: they have them)
        followed = follow_pictures(
            project.db,
            (paths, found.source_hashes),
            (refused, found.source_refused_hashes),
        )
        paths, refused = followed.paths, followed.refused
        found.problems += [
            (found.rows[i].line, copies_problem(paths[i], holders))
            for i, holders in followed.ambiguous.items()
        ]
    led = zip(found.rows, paths, strict=True)
    found.rows = RowTable(r._replace(path=p or r.path) for r, p in led)
    found.refused = [
        (n, p or written) for (n, written), p in zip(found.refused, refused, strict=True)
    ]
    found.led_back = led_back  # by its bytes (a file moved over another) or that path
    found.exported_from = None


def _conflict(first: LabelRow, row: LabelRow, found: LabelFile) -> str | None:
    """Why ``row`` contradicts an earlier row for the same image (of ``found``), or None."""
    unit, shown = found.unit, found.quoted
    keep = first.keep_label or row.keep_label  # a split-only row says nothing of labels
    # (one class in either Unicode form)
    if not keep and nfc(first.label or "") != nfc(row.label or ""):
        given = shown(row.label) if row.label else "unlabeled"
        earlier = shown(first.label) if first.label else "unlabeled"
        return f"is labeled {given} here but {earlier} on {unit} {first.line}"
    if first.split and row.split and first.split != row.split:
        split, earlier_split = shown(row.split), shown(first.split)
        return f"is in split {split} here but {earlier_split} on {unit} {first.line}"
    if first.status and row.status and first.status != row.status:
        return f"is marked {row.status} here but {first.status} on {unit} {first.line}"
    return None


def _known_classes(project: Project) -> str:
    """The line after the problems of a file naming unknown classes, as `label PATH LABEL`
    names them: quoted, the first :data:`KNOWN_CLASSES_SHOWN` of a project with many."""
    return f"known classes: {quoted_names(project.classes(), KNOWN_CLASSES_SHOWN) or 'none yet'}"


def _unknown(project: Project, path: str, shown: Callable[[str], str] = repr) -> str:
    """Why ``path`` names no image (``shown``: how the file's paths are quoted)."""
    local = (_file_uri_path(path) if _is_file_uri(path) else path).strip()
    if Path(local).is_absolute() and _relative(project.root, local) is None:
        return f"{shown(path)} is outside the image folder {project.root}"
    if len(local) > 2 and local[0].isalpha() and local[1] == ":" and local[2] in "\\/":
        return (
            f"{shown(path)} is a Windows path with a drive, which is never matched by its ending: "
            f"name the image by its path in the image folder {project.root}, the drive and "
            "the folders above it taken off"
        )
    return f"{shown(path)} is not an image in the project"
