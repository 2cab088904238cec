"""Walking a messy image folder without hanging or crashing.

Hidden files and folders are skipped, symlinked folders are followed once (loops are
cut; a folder reached both by its own path and through a link is indexed at its own
path, whatever order the file system lists them in: links are walked last), dangling
links and unreadable folders are reported rather than raised. Symbolic links that lead
out of the image folder are not followed (a link to ``/usr`` must not index or export
the system), unless asked; names that are not valid UTF-8 are reported with a readable
stand-in name, and the rest of the folder is indexed.

A folder LabelDesk made inside the image folder (another project, which holds
``labeldesk.db``, or an export, which holds its manifest) is left out: its thumbnails
and copies are not new images, and two projects in one image folder would otherwise
index each other's thumbnails, more of them at every scan.
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass, field
from pathlib import Path

from .db import DB_FILENAME
from .file_kinds import (
    IMAGE_EXTENSIONS,
    NON_IMAGE_EXTENSIONS,
    NOT_REGULAR,
    OTHER_IMAGE_EXTENSIONS,
    is_candidate,
)
from .staging import COPY_PREFIX, EXPORT_MANIFEST


@dataclass
class WalkResult:
    # relative path ("/" separators) -> (size, mtime_ns, ctime_ns)
    files: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # relative path -> reason, for entries that are images-to-be but unusable before decoding
    problems: dict[str, str] = field(default_factory=dict)
    # folders left out because LabelDesk made them (another project, an export)
    labeldesk_folders: list[str] = field(default_factory=list)
    # hidden copy temporaries (staging.COPY_PREFIX) a killed copy may have left
    copy_temporaries: list[str] = field(default_factory=list)
    # (a link inside the image folder, the folder it leads to): indexed at that path only
    linked_twice: list[tuple[str, str]] = field(default_factory=list)


OUTSIDE_LINK = "symbolic link to outside the image folder (not followed)"
BAD_NAME = "name is not valid UTF-8 (rename it to index it)"


def walk_images(
    root: Path, exclude: tuple[Path, ...] = (), *, follow_outside: bool = False
) -> WalkResult:
    """List candidate image files under ``root`` with their size, mtime and change time."""
    result = WalkResult()
    real_root = os.path.realpath(root)
    excluded = {_identity(p) for p in exclude if p.exists()}
    seen_dirs: dict[tuple[int, int], str | None] = {}  # -> its path as indexed (None: left out)
    stack: list[tuple[Path, str]] = [(root, "")]
    linked: list[tuple[str, Path]] = []  # symlinked folders, walked once the rest is
    bad_names: list[str] = []  # not valid UTF-8: listed once every other path is known
    while stack or linked:
        if not stack:  # the first by name: the same folder whichever way it is listed
            rel_link, path = heapq.heappop(linked)
            stack.append((path, rel_link + "/"))
            indexed_at = seen_dirs.get(_identity(path))
            if indexed_at is not None and not (rel_link + "/").startswith(indexed_at):
                result.linked_twice.append((rel_link, indexed_at.rstrip("/")))  # not a loop
        directory, prefix = stack.pop()
        ident = _identity(directory)
        if ident in seen_dirs or ident in excluded:
            continue
        seen_dirs[ident] = prefix
        if prefix and made_by_labeldesk(directory):
            result.labeldesk_folders.append(prefix.rstrip("/"))
            seen_dirs[ident] = None
            continue
        try:
            entries = list(os.scandir(directory))
        except PermissionError:
            result.problems[prefix.rstrip("/") or "."] = "folder not readable: permission denied"
            continue
        except OSError as exc:
            result.problems[prefix.rstrip("/") or "."] = f"folder not readable: {exc.strerror}"
            continue
        for entry in entries:
            if entry.name.startswith("."):
                if entry.name.startswith(COPY_PREFIX):
                    result.copy_temporaries.append(entry.path)
                continue
            rel = prefix + entry.name
            if not _valid_utf8(entry.name):
                if entry.is_dir(follow_symlinks=False) or is_candidate_name(entry.name):
                    bad_names.append(rel)
                continue
            if not follow_outside and entry.is_symlink() and _outside(entry.path, real_root):
                if _looks_relevant(entry):
                    result.problems[rel] = OUTSIDE_LINK
                continue
            try:
                if entry.is_dir():  # follows symlinks; loops are cut by seen_dirs
                    if entry.is_symlink():  # after every folder's own path
                        heapq.heappush(linked, (rel, Path(entry.path)))
                    else:
                        stack.append((Path(entry.path), rel + "/"))
                    continue
                if not entry.is_file():
                    if is_candidate_name(entry.name):  # never opened: a FIFO would block
                        dangling = entry.is_symlink() and not os.path.exists(entry.path)
                        result.problems[rel] = "broken symbolic link" if dangling else NOT_REGULAR
                    continue
                if not _is_candidate_entry(entry):
                    continue
                st = entry.stat()
            except FileNotFoundError:
                continue  # vanished while we looked; it is simply not there
            except PermissionError:
                result.problems[rel] = "permission denied"
                continue
            except OSError as exc:
                result.problems[rel] = f"could not be read: {exc.strerror}"
                continue
            result.files[rel] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    _list_bad_names(result, bad_names)
    return result


def _list_bad_names(result: WalkResult, bad_names: list[str]) -> None:
    """List each name that is not valid UTF-8 under a stand-in that no other entry has:
    ``x<U+FFFD>.png`` is also a valid name, of a file that may be there too (whose row
    the stand-in's would otherwise take), and ``x\\xff.png`` and ``x\\xfe.png`` share one."""
    for rel in sorted(bad_names):
        stand_in = shown = _printable(rel)
        count = 1
        while stand_in in result.files or stand_in in result.problems:
            count += 1
            stand_in = f"{shown} ({count})"
        result.problems[stand_in] = BAD_NAME


def made_by_labeldesk(directory: Path) -> bool:
    """A project or an export folder (one or two stats per folder, not per file)."""
    return any(os.path.isfile(os.path.join(directory, n)) for n in _LABELDESK_FILES)


_LABELDESK_FILES = (DB_FILENAME, EXPORT_MANIFEST)


def _valid_utf8(name: str) -> bool:
    if name.isascii():  # nearly every name: one C scan, no encoded copy
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept as surrogates by os.scandir
        return False
    return True


def _printable(rel: str) -> str:
    """A stand-in for a path with undecodable bytes (U+FFFD where they were)."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _outside(path: str, real_root: str) -> bool:
    target = os.path.realpath(path)
    try:
        return os.path.commonpath([target, real_root]) != real_root
    except ValueError:  # another drive (Windows)
        return True


def _looks_relevant(entry: os.DirEntry) -> bool:
    """A link worth mentioning in the scan report: to a folder, or to an image name."""
    try:
        return entry.is_dir() or is_candidate_name(entry.name)
    except OSError:
        return is_candidate_name(entry.name)


def _is_candidate_entry(entry: os.DirEntry) -> bool:
    """:func:`is_candidate` decided on the name where the extension settles it: building a
    Path for each of a million files cost more than stat-ing them (and os.path.splitext,
    a third of the walk's own time at 1M, more than the rfind that gives the same)."""
    ext = _extension(entry.name)
    if ext in IMAGE_EXTENSIONS or ext in OTHER_IMAGE_EXTENSIONS:
        return True
    if ext in NON_IMAGE_EXTENSIONS:
        return False
    return is_candidate(Path(entry.path))  # unclear: the content decides


def _extension(name: str) -> str:
    """``os.path.splitext(name)[1].lower()`` for a file name (no separators): from the
    last dot, none for a name whose only dot leads it (".profile")."""
    dot = name.rfind(".")
    if dot <= 0 or name[:dot].strip(".") == "":
        return ""
    return name[dot:].lower()


def is_candidate_name(name: str) -> bool:
    """Extension-only check, for entries whose content cannot be read (dangling links)."""
    ext = _extension(name)
    return ext in IMAGE_EXTENSIONS or ext in OTHER_IMAGE_EXTENSIONS


def _identity(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, hash(str(path)))
    return (st.st_dev, st.st_ino)
