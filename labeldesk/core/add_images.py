"""Copy images from elsewhere into a project's image folder, as unlabeled images.

Used by the drift page's "Add to project": new images that look unlike the project are
the ones to label first, so they are copied (never moved: the source folder is left as
it was) to ``_unlabeled/<batch>/`` under the image folder, keeping their relative paths,
and the next scan indexes them. Nothing is overwritten: a name already taken gets a
numbered suffix, so a second copy of the same batch never replaces a file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import LabelDeskError

UNLABELED = "_unlabeled"


@dataclass
class Added:
    paths: list[str] = field(default_factory=list)  # new paths, relative to the image folder
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source path, why)


def batch_folder_name(source: Path) -> str:
    """A safe folder name for a batch copied from ``source`` (its own name, cleaned)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in source.name).strip("._")
    return cleaned or "new-images"


def copy_unlabeled(image_root: Path, source: Path, rels: Iterable[str], batch: str) -> Added:
    """Copy ``source/rel`` for each ``rel`` to ``image_root/_unlabeled/batch/rel``.

    A ``rel`` that leaves ``source`` (absolute, ``..``) or is not a file is skipped with
    the reason; the others are copied with their timestamps."""
    if not batch or batch != batch_folder_name(Path(batch)):
        raise LabelDeskError(f"not a usable folder name for new images: {batch!r}")
    source = source.resolve()
    target_root = image_root / UNLABELED / batch
    added = Added()
    for rel in rels:
        parts = PurePosixPath(rel.replace("\\", "/")).parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            added.skipped.append((rel, "not a path inside the folder"))
            continue
        origin = source.joinpath(*parts)
        if origin.is_symlink() or not origin.is_file():
            added.skipped.append((rel, "not a regular file (gone, or a link)"))
            continue
        target = _free_name(target_root.joinpath(*parts))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(origin, target)
        except OSError as exc:
            target.unlink(missing_ok=True)
            added.skipped.append((rel, f"could not be copied: {exc.strerror or exc}"))
            continue
        added.paths.append(target.relative_to(image_root).as_posix())
    return added


def _free_name(path: Path) -> Path:
    """``path``, or ``stem-2.ext``, ``stem-3.ext``, … when it is taken."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate
