"""Walking a messy image folder without hanging or crashing.

Hidden files and folders are skipped, symlinked folders are followed once (loops are
cut), dangling links and unreadable folders are reported rather than raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .imageio import IMAGE_EXTENSIONS, OTHER_IMAGE_EXTENSIONS, is_candidate


@dataclass
class WalkResult:
    # relative path ("/" separators) -> (size, mtime_ns)
    files: dict[str, tuple[int, int]] = field(default_factory=dict)
    # relative path -> reason, for entries that are images-to-be but unusable before decoding
    problems: dict[str, str] = field(default_factory=dict)


def walk_images(root: Path, exclude: tuple[Path, ...] = ()) -> WalkResult:
    """List candidate image files under ``root`` with their size and mtime."""
    result = WalkResult()
    excluded = {_identity(p) for p in exclude if p.exists()}
    seen_dirs: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        directory, prefix = stack.pop()
        ident = _identity(directory)
        if ident in seen_dirs or ident in excluded:
            continue
        seen_dirs.add(ident)
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
                continue
            rel = prefix + entry.name
            try:
                if entry.is_dir():  # follows symlinks; loops are cut by seen_dirs
                    stack.append((Path(entry.path), rel + "/"))
                    continue
                if not entry.is_file():
                    dangling = entry.is_symlink() and not os.path.exists(entry.path)
                    if dangling and is_candidate_name(entry.name):
                        result.problems[rel] = "broken symbolic link"
                    continue
                if not is_candidate(Path(entry.path)):
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
            result.files[rel] = (st.st_size, st.st_mtime_ns)
    return result


def is_candidate_name(name: str) -> bool:
    """Extension-only check, for entries whose content cannot be read (dangling links)."""
    ext = os.path.splitext(name)[1].lower()
    return ext in IMAGE_EXTENSIONS or ext in OTHER_IMAGE_EXTENSIONS


def _identity(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, hash(str(path)))
    return (st.st_dev, st.st_ino)
