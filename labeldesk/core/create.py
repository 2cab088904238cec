"""Making a project: an empty one for the app, or ``labeldesk new`` (create and index).

A project is built in a hidden staging folder beside its target and renamed into place,
so a crash, a cancel or a bad labels file leaves nothing half-made behind.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from . import classes as class_table
from .class_colours import colours_in_list_order
from .display import quoted_names
from .errors import DiskFull, ProjectError
from .failures import is_disk_full, write_refused
from .given_folders import check_images_folder
from .mount_refusals import mount_point_refusal, system_folder_refusal
from .progress import CancelToken, ProgressCallback, no_progress
from .project import Project
from .staging import (
    delete_marked,
    finish_staging,
    make_staging,
    missing_parents,
    remove_made_parents,
)

if TYPE_CHECKING:
    from .label_files import LabelFile
    from .scanner import ScanCounts


def create_empty(path: Path | str, images: Path | str, classes: Iterable[str] = ()) -> Path:
    """An empty project for ``images``, built beside ``path`` and renamed into place (a
    crash leaves nothing half-made). The GUI opens it at once and indexes it in the
    background, so the browser fills in as images arrive; a later scan resumes."""
    target = _free_target(path)
    with _staged(target) as staging:
        Project.create(staging, images, classes).close()
    return target.resolve()


def _free_target(path: Path | str) -> Path:
    target = Path(path)
    if target.is_symlink():
        raise ProjectError(f"{target} is a symbolic link; pick a new folder for the project")
    if target.exists() and not target.is_dir():
        raise ProjectError(f"{target} is a file; pick a new folder for the project")
    refused = mount_point_refusal(target, "project", "project") or system_folder_refusal(
        target, "project"
    )
    if refused is not None:
        raise ProjectError(refused)
    if target.exists() and any(target.iterdir()):
        raise ProjectError(f"{target} already exists and is not empty; pick a new project folder")
    return target


@contextmanager
def _staged(target: Path) -> Iterator[Path]:
    """A hidden folder beside ``target`` (never walked by a scan) to build a project in:
    renamed into place when the block ends, deleted if it raises (a cancel included).
    A folder that cannot be written (permissions, a full disk) raises ProjectError."""
    made = missing_parents(target)  # removed again (while empty) if it fails
    try:
        staging = make_staging(target)
    except OSError as exc:
        raise _not_created(target, exc) from exc
    try:
        yield staging
        if target.exists():
            target.rmdir()  # an empty folder the person made for it
        os.replace(staging, target)
        finish_staging(target)
    except (OSError, sqlite3.DatabaseError) as exc:
        delete_marked(staging)  # its marker last: a kill mid-way leaves it recognisable
        remove_made_parents(made)
        raise _not_created(target, exc) from exc
    except BaseException:
        delete_marked(staging)
        remove_made_parents(made)
        raise


def _not_created(target: Path, exc: OSError | sqlite3.DatabaseError) -> ProjectError:
    holding = target  # the disk to free is named by the nearest folder there (as others do)
    while not holding.is_dir() and holding.parent != holding:
        holding = holding.parent
    refused = write_refused(exc, holding)
    message = f"cannot create a project at {target}: {refused}; nothing was created"
    return DiskFull(message, disk=holding) if is_disk_full(exc) else ProjectError(message)


def create_and_index(
    path: Path | str,
    images: Path | str,
    *,
    classes: Iterable[str] = (),
    labels_file: Path | str | LabelFile | None = None,
    new_classes: bool = False,
    skipped: list[str] | None = None,
    labels_only: bool = False,
    empty_labels: bool = False,
    follow_outside_links: bool = False,
    refuse_too_high: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    project_type: type[Project] = Project,
) -> tuple[Project, ScanCounts]:
    """``labeldesk new``: build the project beside ``path`` and rename it into place.

    With ``classes`` given, a labels file may use only those (unless ``new_classes``).
    ``labels_file``: a CSV/JSON file, or rows another format's importer read
    (:mod:`labeldesk.interop.formats`). A failure (a bad labels file, a cancel) leaves
    nothing behind; with ``skipped`` (a list), bad rows are left out and listed there.
    ``labels_only``: the labels file is the whole truth (another tool's export, whose
    folders are a layout, not classes): images it does not label are unlabeled. Either
    way, classes taken from folder names that end up with no image are not kept.
    ``empty_labels``: a file whose every label is empty unlabels the images it names
    (``--empty-labels``; the API's ``empty_labels=True``), not refused.

    ``refuse_too_high`` (``labeldesk new`` without ``--force``): a folder one level too
    high (every image would get one class from the folder name:
    :func:`~.layout_check.one_level_too_high`) raises :class:`~.layout_check.OneLevelTooHigh`
    and nothing is made: before indexing, or with a labels file (that may label every
    image itself) once it is applied, if any image still has that class. Off for other
    callers, which may apply labels themselves afterwards (a re-imported export).

    ``project_type``: the class of the project returned, open (the Python API's
    ``NotebookProject``: a :class:`Project` whose errors name the API's keywords).
    """
    from .label_file_formats import refuse_no_rows
    from .label_files import LabelFile, apply_label_rows, read_label_file
    from .layout_check import OneLevelTooHigh, one_level_too_high

    target = _free_target(path)
    check_images_folder(images)
    too_high = one_level_too_high(images) if refuse_too_high and not labels_only else None
    if too_high is not None and labels_file is None:
        raise OneLevelTooHigh(too_high)
    # In NFC, as add_classes stores them: the check for classes added below compares.
    classes = [class_table.nfc(class_table.validate_class_name(c)) for c in classes]
    # An unreadable file fails here; its rows are checked against the project after the
    # scan, so that every problem is listed in one run (in the staging folder: a failure
    # leaves nothing behind).
    if isinstance(labels_file, LabelFile) or labels_file is None:
        rows = labels_file
    else:
        rows = read_label_file(Path(labels_file))
    if rows is not None:  # a file of no rows fails before the scan, not after it
        refuse_no_rows(rows.source, rows.rows, rows.problems, rows.refused, rows.content_files)
        rows.empty_labels_ok = rows.empty_labels_ok or empty_labels
    with _staged(target) as staging:
        project = Project.create(staging, images, classes)
        if follow_outside_links:
            project.db.set_meta("follow_outside_links", "1")
        counts = project.scan(progress=progress, cancel=cancel, workers=workers)
        if counts.cancelled:
            raise ProjectError("cancelled: no project was created")
        if rows is not None:
            if labels_only:  # folder names say nothing here: start from no labels
                found = project.images(include_skipped=False)
                labeled = found[found.label.notna()]
                given = dict(zip(labeled.path, labeled.label, strict=True))
                # (but a label the file gives again stays: no "removed, then given" pair
                # in every image's history, when the file's folders are the classes; the
                # file changed nothing there, and its summary counts such an image among
                # those "already as it says", not as a label applied)
                again = restated_labels(project.root, rows)
                dropped = [p for p, c in given.items() if again.get(p) != c]
                project.set_labels(
                    dict.fromkeys(dropped),
                    source="import",
                    description="folder names are a layout here, not classes",
                )
                with project.db.write() as conn:  # nor classes: 'Bag' rows beside a bag/
                    class_table.drop_unused_found(conn)  # folder are no case-only twin
            if not _any_labeled(project):  # a file of nulls takes no label away here
                rows.empty_labels_ok = True  # (an export of images not labeled yet)
                rows.nothing_to_unlabel = True  # and the summary says they stay so
            # With --classes the file may only use those classes (and the ones the
            # folders hold), unless --new-class: every problem is listed in one run.
            apply_label_rows(
                project,
                rows,
                source="import",
                create_classes=new_classes or not classes,
                description=f"labels from {Path(rows.source).name}",
                skipped=skipped,
            )
            if labels_only:  # (those the file labels otherwise count among "applied")
                rows.folder_labels_dropped = _unlabeled_among(project, dropped)
            with project.db.write() as conn:
                class_table.drop_unused_found(conn)
        if too_high is not None and too_high.class_name is not None:
            still = project.count_labeled(class_table.nfc(too_high.class_name.strip()))
            if still:
                project.close()
                raise OneLevelTooHigh(too_high, still)
        inside = project_inside_images(target, project.root)
        if inside is not None:
            counts.warnings.append(inside)
        with project.db.write() as conn:  # found in any order: coloured in list order
            colours_in_list_order(conn)
        extra = [c for c in project.classes() if c not in classes]
        if classes and extra:
            counts.warnings.append(f"classes not in --classes were added: {quoted_names(extra)}")
        project.close()
    return project_type(target), counts


def _unlabeled_among(project: Project, paths: list[str]) -> int:
    """How many of the images at ``paths`` hold no label now."""
    if not paths:
        return 0
    found = project.images(include_skipped=False)
    return int(found[found.path.isin(paths)].label.isna().sum())


def _any_labeled(project: Project) -> bool:
    """Whether some image of ``project`` holds a label (one a file's empty labels would
    take away: :func:`.empty_labels.refuse_empty_label_column` guards only those)."""
    return bool(
        project.db.scalar(
            "SELECT 1 FROM images WHERE label IS NOT NULL AND removed_at IS NULL LIMIT 1"
        )
    )


def restated_labels(root: Path, rows: LabelFile) -> dict[str, str]:
    """Each image path a row names exactly (its only spelling) -> the class the row gives
    it; rows giving a split only or no label are left out, and so is a path two rows
    give different classes (a bad row, skipped or refused). Rows found by their bytes
    (a folder's files, as ``--labels-format imagefolder`` reads them) count only when
    that folder is the image folder itself: their paths are then the images'."""
    from .label_paths import spellings

    if rows.content_files and not _same_folder(Path(rows.source), root):
        return {}
    found: dict[str, str] = {}
    torn: set[str] = set()
    for row in rows.rows:
        if row.label is None or row.keep_label:
            continue
        path = spellings(root, row.path)
        if isinstance(path, str):
            label = class_table.nfc(row.label)
            if found.setdefault(path, label) != label:
                torn.add(path)
    for path in torn:
        del found[path]
    return found


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.is_dir() and a.samefile(b)
    except OSError:
        return False


def project_inside_images(project: Path | str, images: Path | str) -> str | None:
    """The warning for a project folder inside its image folder (None when it is not):
    ``labeldesk new`` prints it and the app's new-project form shows it."""
    if not _inside(Path(project), Path(images)):
        return None
    return (
        f"the project folder {project} is inside the image folder: scans leave it out, "
        "but other tools reading the image folder (an ImageFolder loader) would take "
        "its thumbnails for a class; a folder beside the images is safer"
    )


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
