"""Pointing a project at a moved image folder, and refusing one that is not it.

``labeldesk scan P --images NEW`` says the image folder moved. Three kinds of folder are
refused, nothing changed (``--force`` takes them anyway):

- one that holds none of the project's indexed images (a typo, another dataset): every
  image would be marked removed and the other folder's files indexed in their place,
  their folder names becoming classes. Images indexed before count too (a folder
  pointed back after a mistake), found as a scan would find them: at their relative
  path, or by their bytes under another name (a scan follows a moved file by content).
- one whose files at the project's paths mostly hold other bytes: another dataset with
  the same file names, or this one with most images edited since. A scan takes each
  such file as the image at its path, edited, so every label and "verified" mark would
  stay on a picture nobody looked at. Up to ``SAMPLE`` indexed images found at their
  path, spread across the index, are compared by size and content hash; at least half
  of those that could be read must hold bytes the project indexed (theirs, or another
  image's: a scan follows those as moves).
- one a level too high, holding the image folder as its one class folder (as ``new``
  refuses it): every image would move into that one class. A project indexed at that
  level already (made with ``new --force``) may move on to such a folder.
- one that holds fewer than half of the project's images: a folder with a few of them
  (a subset copied elsewhere, a backup) would leave most of the project marked removed.
  Counted from above without reading any file: the images at their path (images marked
  removed too: they would come back), plus the
  folder's files elsewhere that have the size of an indexed image (a scan may follow
  those as moves). When most of ``QUICK_LOOKS`` paths spread across the index answer,
  nothing is listed.

A folder that moved while a few files were added, edited or deleted is still a move,
and the scan reports those as usual.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .display import counted
from .errors import ImageRootError
from .indexed_files import hash_file
from .labels import RETIRED
from .layout_check import LayoutWarning, one_level_too_high
from .walk import WalkResult, walk_images

if TYPE_CHECKING:
    from .interfaces import IndexedFolder

QUICK_LOOKS = 200  # indexed paths looked up one by one before the folder is listed
SAMPLE = 32  # images found at their path whose bytes are compared, at most
MAX_HASHED = 1000  # files of a fitting size whose bytes are read, at most

# An indexed image: path, size, hash, usable now.
Row = tuple[str, int, "str | None", int]


class NotTheImageFolder(ImageRootError):
    """A new image folder holds none of the project's images (nothing was changed)."""

    def __init__(self, folder: Path, current: Path, images: int):
        self.folder, self.current, self.images = folder, current, images
        super().__init__(
            f"none of the project's {counted(images, 'image')} "
            f"{'is' if images == 1 else 'are'} in {folder} (looked for by path and by "
            f"content): is it the right folder? Nothing was changed; the project still "
            f"uses {current}."
        )


class OtherDataset(ImageRootError):
    """Too few of the files at the project's paths in a new image folder hold the bytes
    the project indexed (nothing was changed). ``sampled``: files compared;
    ``matched``: those holding indexed bytes."""

    def __init__(self, folder: Path, current: Path, sampled: int, matched: int):
        self.folder, self.current = folder, current
        self.sampled, self.matched = sampled, matched
        which = "none" if matched == 0 else f"only {matched:,}"
        verb = "holds" if matched <= 1 else "hold"
        super().__init__(
            f"{folder} looks like another dataset with the same file names, or this one "
            f"with most images edited since they were indexed: {which} of the "
            f"{counted(sampled, 'image')} compared there (at the project's paths) {verb} "
            f"the bytes the project indexed. Nothing was changed; the project still uses "
            f"{current}."
        )


class MovedOneLevelTooHigh(ImageRootError):
    """A new image folder holds the image folder as its one class folder (nothing was
    changed). ``warning.suggested_root``: the folder probably meant."""

    def __init__(self, warning: LayoutWarning, current: Path):
        self.warning, self.current = warning, current
        super().__init__(
            f"{warning.problem}. Nothing was changed; the project still uses {current}."
        )


class MostImagesMissing(ImageRootError):
    """A new image folder holds fewer than half of the project's images (nothing was
    changed). ``found``: an upper bound on the images there; ``images``: the project's
    images a scan would look for."""

    def __init__(self, folder: Path, current: Path, found: int, images: int):
        self.folder, self.current, self.found, self.images = folder, current, found, images
        super().__init__(
            f"at most {found:,} of the project's {counted(images, 'image')} "
            f"{'is' if found == 1 else 'are'} in {folder}: scanning it would mark at "
            f"least {counted(images - found, 'image')} as removed. Is it the right folder? "
            f"Nothing was changed; the project still uses {current}."
        )


def check_moved_folder(project: IndexedFolder, folder: Path) -> None:
    """Raise :class:`MovedOneLevelTooHigh`, :class:`OtherDataset`,
    :class:`NotTheImageFolder` or :class:`MostImagesMissing` when ``folder``
    (resolved) is another folder than the project's and not the project's images moved;
    a project that has indexed nothing yet may go anywhere."""
    if _same_folder(folder, project.root):
        return
    with project.db.reading() as conn:
        rows: list[Row] = conn.execute(
            "SELECT path, size, hash, removed_at IS NULL AND skip_reason IS NULL FROM images "
            "ORDER BY path"
        ).fetchall()
    if not rows:
        return
    too_high = one_level_too_high(folder)
    if too_high is not None and too_high.class_name is not None:
        inside = too_high.class_name + "/"
        if not any(r[0].startswith(inside) for r in rows):
            raise MovedOneLevelTooHigh(too_high, project.root)
    comparable = [r for r in rows if r[2] and not r[0].startswith(RETIRED)]
    sample, walked = _at_their_paths(project, folder, comparable)
    if sample:
        judged, matched = _compare(folder, sample, rows)
        if matched * 2 < judged:  # (none could be read: the scan will say why)
            raise OtherDataset(folder, project.root, judged, matched)
        _check_most_there(project, folder, rows, walked)
        return
    if walked is None:
        walked = _walk(project, folder)
    if any(r[0] in walked.problems for r in rows) or _found_by_content(folder, rows, walked):
        _check_most_there(project, folder, rows, walked)
        return
    images = sum(1 for r in rows if r[3]) or len(rows)
    raise NotTheImageFolder(folder, project.root, images)


def _check_most_there(
    project: IndexedFolder, folder: Path, rows: list[Row], walked: WalkResult | None
) -> None:
    """Raise :class:`MostImagesMissing` when ``folder`` can hold fewer images of the
    project (usable ones, or removed ones that would come back) than half of those
    usable now."""
    usable = [r for r in rows if r[3]]
    n = len(usable)
    if n == 0:
        return
    looks = min(n, QUICK_LOOKS)
    hits = sum(os.path.lexists(folder / usable[i * n // looks][0]) for i in range(looks))
    if hits * 4 >= looks * 3:  # most answer at their path: a move
        return
    if walked is None:
        walked = _walk(project, folder)
    at_path = sum(1 for r in rows if r[0] in walked.files)  # removed ones come back
    indexed = {r[0] for r in rows}
    sizes = {r[1] for r in rows}
    elsewhere = sum(
        1 for rel, (size, *_) in walked.files.items() if rel not in indexed and size in sizes
    )
    found = min(n, at_path + elsewhere)
    if found * 2 < n:
        raise MostImagesMissing(folder, project.root, found, n)


def _at_their_paths(
    project: IndexedFolder, folder: Path, rows: list[Row]
) -> tuple[list[Row], WalkResult | None]:
    """Up to ``SAMPLE`` of ``rows`` (sorted by path) that have a file at their path in
    ``folder``, spread across them; and the folder's listing if it had to be made."""
    n = len(rows)
    looks = min(n, QUICK_LOOKS)
    spots = [i * n // looks for i in range(looks)]
    stride = -(-looks // SAMPLE)  # each pass over the spots spans the whole index
    found = []
    for start in range(stride):
        for i in spots[start::stride]:
            if os.path.lexists(folder / rows[i][0]):  # a real move answers at once
                found.append(rows[i])
                if len(found) == SAMPLE:
                    return found, None
    if found:
        return found, None
    walked = _walk(project, folder)
    there = [r for r in rows if r[0] in walked.files]
    if len(there) > SAMPLE:
        there = [there[i * len(there) // SAMPLE] for i in range(SAMPLE)]
    return there, walked


def _compare(folder: Path, sample: list[Row], rows: list[Row]) -> tuple[int, int]:
    """How many files of ``sample`` could be read, and how many of those hold bytes the
    project indexed: the image's own, or another image's (moved there)."""
    sizes: set[int] | None = None
    digests: set[str] | None = None
    judged = matched = 0
    for rel, size, digest, _ in sample:
        try:
            here = os.stat(folder / rel).st_size
            if here != size:
                if sizes is None:
                    sizes = {r[1] for r in rows if r[2]}
                if here not in sizes:
                    judged += 1
                    continue
            now = hash_file(folder / rel)
        except OSError:
            continue  # unreadable: neither the image nor another
        judged += 1
        if now != digest:
            if digests is None:
                digests = {r[2] for r in rows if r[2]}
            if now not in digests:
                continue
        matched += 1
    return judged, matched


def _walk(project: IndexedFolder, folder: Path) -> WalkResult:
    return walk_images(
        folder, exclude=project.scan_excludes(), follow_outside=project.follows_outside_links
    )


def _found_by_content(folder: Path, rows: list[Row], walked: WalkResult) -> bool:
    by_size: dict[int, set[str]] = {}
    for _, size, digest, _ in rows:
        if digest and size is not None:
            by_size.setdefault(size, set()).add(digest)
    hashed = 0
    for rel, (size, *_) in walked.files.items():
        digests = by_size.get(size)
        if not digests:
            continue
        try:
            if hash_file(folder / rel) in digests:
                return True
        except OSError:
            pass
        hashed += 1
        if hashed >= MAX_HASHED:
            break
    return False


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False
