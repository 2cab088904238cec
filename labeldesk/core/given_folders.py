"""What a folder a person gave is, when it is not what was asked for: a folder opened as a
project that is none (a typo, the image folder, the database file, a folder holding
projects: :func:`not_a_project`), and a project folder given as an image folder
(:func:`project_folder_problem`). Each answer says what to give instead. They look at
the folder only (a project's database is read, read-only, for the folder it indexes),
never at an open project."""

from __future__ import annotations

import os
import shlex
import sqlite3
from pathlib import Path

from .db import DB_FILENAME
from .errors import ImageRootError


def not_a_project(given: Path, resolved: Path) -> str:
    """Why ``given`` (``resolved``) cannot be opened as a project, and what to give
    instead: the likely mistakes are a typo, the image folder where the project was meant,
    the project's database file, or another file. For a folder of images, the command
    that makes a project for them names the folder ``labeldesk new`` would take: the one
    below, for a folder :func:`~.layout_check.one_level_too_high` (as ``new`` says)."""
    plain = f"{resolved} is not a LabelDesk project"
    if resolved.is_file() and resolved.name == DB_FILENAME:
        return (
            f"{resolved} is the database file of a LabelDesk project, not the project: "
            f"give its folder instead: {resolved.parent}"
        )
    if resolved.exists() and not resolved.is_dir():
        return f"{plain}: it is a file, and a project is a folder (the one `labeldesk new` made)"
    if not resolved.exists():
        return f"{plain}: there is no such folder"
    projects, images = _look_inside(resolved)
    if projects:
        names = ", ".join(shlex.quote(str(given / name)) for name in projects[:3])
        more = ", …" if len(projects) > 3 else ""
        return f"{plain} (no {DB_FILENAME}), but it holds projects: {names}{more}"
    if images:
        from .layout_check import one_level_too_high

        # the folder `new` would refuse as one level too high names the one it would take
        too_high = one_level_too_high(resolved)
        inner = too_high.suggested_root if too_high is not None else None
        folder = given / inner.relative_to(resolved) if inner is not None else given
        why = (
            f"; `new` refuses {shlex.quote(str(given))} itself: {too_high.problem}"
            if too_high is not None
            else ""
        )
        return (
            f"{plain} (no {DB_FILENAME}); it holds images: to make a project for them, run "
            f"`labeldesk new PROJECT --images {shlex.quote(str(folder))}` (or New project… "
            f"in the app){why}"
        )
    return f"{plain} (no {DB_FILENAME})"


def _look_inside(folder: Path, budget: int = 2000) -> tuple[list[str], bool]:
    """The projects directly inside ``folder`` (by name, sorted), and whether an image
    file is among its first ``budget`` entries two levels of subfolders deep (hidden
    folders and projects' own thumbnails skipped): cheap, even on a huge folder."""
    from .file_kinds import IMAGE_EXTENSIONS

    projects: list[str] = []
    images = False
    pending = [(folder, 0)]
    while pending and budget > 0:
        here, depth = pending.pop(0)
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    budget -= 1
                    if budget < 0:
                        break  # (not on to the end of a flat folder of a million images)
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if os.path.isfile(os.path.join(entry.path, DB_FILENAME)):
                            if depth == 0:
                                projects.append(entry.name)
                        elif depth < 2:
                            pending.append((Path(entry.path), depth + 1))
                    elif os.path.splitext(entry.name)[1].lower() in IMAGE_EXTENSIONS:
                        images = True
        except OSError:
            continue
        if images:
            break  # the top level, listed first, named the projects; one image is enough
    return sorted(projects), images


def check_images_folder(images: Path | str) -> Path:
    """The image folder, resolved; a clear error when it is missing or not a folder."""
    path = Path(images)
    if path.exists() and not path.is_dir():
        raise ImageRootError(f"{images} is a file; --images takes the folder that holds the images")
    if not path.is_dir():
        raise ImageRootError(f"image folder not found: {images}")
    problem = project_folder_problem(path)
    if problem is not None:
        raise ImageRootError(problem)
    return path.resolve()


def project_folder_problem(images: Path | str) -> str | None:
    """Why ``images`` cannot be an image folder because it is a LabelDesk project folder
    itself (it holds the database), else None: its thumbnail cache would be indexed as
    a dataset, one class named ``thumbs``. ``labeldesk new``, ``scan --images`` and the
    app's new-project form refuse it with these words."""
    db_file = Path(images) / DB_FILENAME
    if not db_file.is_file():
        return None
    indexed = _indexed_folder(db_file)
    use = f"the image folder that project indexes ({indexed})" if indexed else "its image folder"
    return (
        f"{images} is a LabelDesk project folder (it holds {DB_FILENAME}), not a folder of "
        f"images: its thumbnails would be indexed as a class 'thumbs'. Use {use} instead"
    )


def _indexed_folder(db_file: Path) -> str | None:
    """The image folder another project's database names (read-only; None if unread)."""
    try:
        conn = sqlite3.connect(f"{db_file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'image_root'").fetchone()
        finally:
            conn.close()
    except (sqlite3.Error, OSError, ValueError):
        return None
    return str(row[0]) if row and row[0] else None
