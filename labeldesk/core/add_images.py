"""Copy images from elsewhere into a project's image folder, as unlabeled images.

Used by the drift page's "Add to project": new images that look unlike the project are
the ones to label first, so they are copied (never moved: the source folder is left as
it was) to ``_unlabeled/<batch>/`` under the image folder, keeping their relative paths,
and the next scan indexes them. Nothing is overwritten: a name already taken gets a
numbered suffix, so a second copy of the same batch never replaces a file.

An exact copy (same bytes) of an image the project already holds is not copied again:
an unlabeled twin of a labeled image would only leak across splits. Each file is hashed
first (cheap next to the copy) and looked up in the index. A folder inside the image
folder (or the project's own folder) is refused outright: its images are the project's.

Cancelled between two files, the copies this call made (and the folders it made for
them) are deleted again: a cancelled *Add* adds nothing.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from typing import TYPE_CHECKING

from .copy_stat import copy_stat
from .copy_temps import sweep_copies, temp_name
from .errors import Cancelled, LabelDeskError
from .file_kinds import open_regular
from .image_rows import USABLE
from .indexed_files import hash_file
from .no_replace import rename_no_replace
from .progress import CancelToken, Progress, ProgressCallback, no_progress
from .same_folder import within

if TYPE_CHECKING:
    from .project import Project

UNLABELED = "_unlabeled"
ALREADY = "already in the project as "  # the reason an exact copy is skipped, then its path


@dataclass
class Added:
    paths: list[str] = field(default_factory=list)  # new paths, relative to the image folder
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source path, why)
    # (source path, project path) of the exact copies left out (also in ``skipped``)
    already: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a person: what was added, what was left out and why."""
        text = f"Added {len(self.paths)} image{'s' if len(self.paths) != 1 else ''} as unlabeled"
        copies = self.already
        if copies:
            rel, there = copies[0]
            text += f"; {len(copies)} already in the project (e.g. {rel} is {there})"
        copied = {rel for rel, _ in copies}
        others = [(rel, why) for rel, why in self.skipped if rel not in copied]
        if others:
            text += f"; {len(others)} skipped ({others[0][0]}: {others[0][1]})"
        return text


def batch_folder_name(source: Path) -> str:
    """A safe folder name for a batch copied from ``source`` (its own name, cleaned)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in source.name).strip("._")
    return cleaned or "new-images"


def check_source(project: Project, source: Path) -> None:
    """Refuse a folder whose images the project holds already: one inside its image
    folder (a link to one counts) or inside the project's own folder; and any folder
    when the project cannot be written (its scan could not index the copies)."""
    project.require_writable()
    where = source.resolve()
    for inside, what in ((project.root, "image folder"), (project.path, "project folder")):
        if within(where, inside.resolve()):
            raise LabelDeskError(
                f"{source} is inside the project's {what} ({inside}): its images are "
                "already in the project, so there is nothing to add"
            )


def copy_unlabeled(
    project: Project,
    source: Path,
    rels: Iterable[str],
    batch: str,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> Added:
    """Copy ``source/rel`` for each ``rel`` to ``_unlabeled/batch/rel`` in the project's
    image folder (the next scan indexes them).

    A ``rel`` that leaves ``source`` (absolute, ``..``), is not a file, or holds the same
    bytes as a usable image of the project (or as a file copied just before) is skipped
    with the reason; the others are copied with their timestamps. A file of the same
    bytes already at the name a copy would take (or a numbered one) is one an earlier
    call copied before its scan could index it (killed, cancelled): it counts as added,
    and no second copy is made. ``cancel`` (checked between files) deletes the copies
    this call made and raises :class:`~.errors.Cancelled`."""
    check_source(project, source)
    if not batch or batch != batch_folder_name(Path(batch)):
        raise LabelDeskError(f"not a usable folder name for new images: {batch!r}")
    source = source.resolve()
    image_root = project.root
    target_root = image_root / UNLABELED / batch
    if target_root.is_dir():
        sweep_copies(target_root)  # a copy into this batch killed half-way
    added = Added()
    copied: dict[str, str] = {}  # hash -> the new path of a file copied in this call
    made: list[Path] = []  # files and folders this call created, in order
    listings: dict[Path, dict[str, list[str]]] = {}  # see _copied_before
    rels = list(rels)
    for done, rel in enumerate(rels):
        progress(Progress(done, len(rels), "Copying new images"))
        if cancel is not None and cancel.cancelled:
            _delete_made(made)
            raise Cancelled("cancelled; nothing was added")
        parts = PurePosixPath(rel.replace("\\", "/")).parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            added.skipped.append((rel, "not a path inside the folder"))
            continue
        origin = source.joinpath(*parts)
        if origin.is_symlink() or not origin.is_file():
            added.skipped.append((rel, "not a regular file (gone, or a link)"))
            continue
        try:
            digest = hash_file(origin)
        except OSError as exc:
            added.skipped.append((rel, f"could not be read: {exc.strerror or exc}"))
            continue
        there = copied.get(digest) or _indexed_as(project, digest)
        if there is not None:
            added.skipped.append((rel, ALREADY + there))
            added.already.append((rel, there))
            continue
        wanted = target_root.joinpath(*parts)
        try:
            new_folders = [d for d in (wanted.parent, *wanted.parent.parents) if not d.exists()]
            wanted.parent.mkdir(parents=True, exist_ok=True)
            made.extend(reversed(new_folders))
            size = origin.stat().st_size
            target = _copied_before(wanted, digest, size, listings)
            if target is None:
                target = _copy_to_free_name(origin, wanted)
                made.append(target)
        except OSError as exc:
            added.skipped.append((rel, f"could not be copied: {exc.strerror or exc}"))
            continue
        added.paths.append(target.relative_to(image_root).as_posix())
        copied[digest] = added.paths[-1]
    progress(Progress(len(rels), len(rels), "Copying new images"))
    return added


def _delete_made(made: list[Path]) -> None:
    """Delete the copies and the (then empty) folders a cancelled call made, newest
    first; a folder something else has put a file into since stays."""
    for path in reversed(made):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        except OSError:
            pass


def _copied_before(
    path: Path, digest: str, size: int, listings: dict[Path, dict[str, list[str]]]
) -> Path | None:
    """The file at ``path`` or at one of its numbered names (``stem-2.ext``, …) that holds
    these bytes already: a copy an earlier *Add* made whose scan never ran (killed,
    cancelled). It is the copy wanted; copying again would put a twin beside it.

    Every numbered name in the folder is looked at, not only those up to the first free
    one: ``x.png`` deleted since leaves ``x-2.png`` the copy. ``listings`` holds each
    folder's names by the name they number (listed once per call)."""
    folder = path.parent
    if folder not in listings:
        listings[folder] = _numbered_names(folder)
    for name in listings[folder].get(path.name, ()):
        candidate = folder / name
        try:
            st = os.lstat(candidate)
            # a link or a folder is never taken for a copy
            if stat.S_ISREG(st.st_mode) and st.st_size == size and hash_file(candidate) == digest:
                return candidate
        except OSError:
            continue  # (gone since the listing, or unreadable: not the copy)
    return None


_NUMBERED = re.compile(r"(.+)-([1-9][0-9]*)")


def _numbered_names(folder: Path) -> dict[str, list[str]]:
    """The names in ``folder`` under the name each is, or numbers (``x-2.png`` and
    ``x-10.png`` under ``x.png``, as :func:`_free_names` gives them), lowest first."""
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    found: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        found.setdefault(name, []).append((1, name))
        parts = PurePosixPath(name)
        match = _NUMBERED.fullmatch(parts.stem)
        if match is None or (n := int(match[2])) < 2:
            continue
        base = match[1] + parts.suffix
        if _numbered(PurePosixPath(base), n) == name:  # (a name such as "a.b-2")
            found.setdefault(base, []).append((n, name))
    return {base: [name for _, name in sorted(named)] for base, named in found.items()}


def _indexed_as(project: Project, digest: str) -> str | None:
    """The path of a usable image of the project with these bytes (a labeled one first)."""
    rows = project.db.query(
        f"SELECT path FROM images WHERE hash = ? AND {USABLE} ORDER BY label IS NULL, path LIMIT 1",
        (digest,),
    )
    return str(rows[0][0]) if rows else None


def _copy_to_free_name(origin: Path, path: Path) -> Path:
    """Copy ``origin`` (bytes and times) to ``path``, or ``stem-2.ext``, ``stem-3.ext``, …
    when that name is taken; returns where it went. Nothing there is written through or
    replaced (a file, a link, even a dangling one).

    The bytes go to a hidden temporary first (:func:`.copy_temps.temp_name`, which the
    scan skips) and get their name only when complete, so a process killed mid-copy
    never leaves a truncated image in the folder; the next copy into that folder, or the
    next scan, removes such a temporary (:func:`.copy_temps.sweep_copy`). The temporary
    is linked to its name; where the file system has no hard links, renamed to it with a
    rename that never replaces (:func:`.no_replace.rename_no_replace`); where that is
    missing too (exFAT through Linux's FUSE driver), renamed over an empty file this
    call created, exclusively, to claim the name (:func:`_claim_and_rename`)."""
    temp = path.with_name(temp_name())
    try:
        _copy_into(origin, temp)
        try:
            return _link_to_free_name(temp, path)
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
        renamed = _rename_to_free_name(temp, path)
        return renamed if renamed is not None else _claim_and_rename(temp, path)
    finally:
        temp.unlink(missing_ok=True)  # ours: created by _copy_into (gone once renamed)


# What link() says where the file system has no hard links: FAT and exFAT on Linux EPERM,
# macOS ENOTSUP, a FUSE mount without the call (rclone, sshfs) ENOSYS, Windows on FAT
# ERROR_INVALID_FUNCTION (EINVAL to Python). The fallbacks never replace a file either.
_NO_LINKS = (
    errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS,
    errno.EINVAL,
)  # fmt: skip


def _free_names(path: Path) -> Iterator[Path]:
    yield path
    n = 1
    while True:
        n += 1
        yield path.with_name(_numbered(path, n))


def _numbered(path: PurePath, n: int) -> str:
    """``stem-n.ext``: the name a copy takes when ``path``'s and its lower numbers are."""
    return f"{path.stem}-{n}{path.suffix}"


def _link_to_free_name(temp: Path, path: Path) -> Path:
    for candidate in _free_names(path):
        try:
            os.link(temp, candidate)  # never replaces: FileExistsError when taken
        except FileExistsError:
            continue
        return candidate
    raise AssertionError("unreachable")


def _rename_to_free_name(temp: Path, path: Path) -> Path | None:
    """Rename the finished ``temp`` to the first free name; None where that cannot be
    done without the risk of replacing a file (nothing done)."""
    for candidate in _free_names(path):
        try:
            if not rename_no_replace(temp, candidate):
                return None
        except FileExistsError:
            continue
        return candidate
    raise AssertionError("unreachable")


def _claim_and_rename(temp: Path, path: Path) -> Path:
    """Rename the finished ``temp`` to the first free name where the file system can
    neither link nor rename without replacing: the name is claimed by creating it,
    empty and exclusively (a file, a link, a folder there is passed over), and the
    temporary renamed over that claim, this call's own file. Only a kill between those
    two calls, microseconds apart, leaves the empty claim (a scan lists it as skipped,
    "empty file"); a kill while the bytes are copied leaves only the temporary."""
    for candidate in _free_names(path):
        try:
            open(candidate, "xb").close()  # O_EXCL: never follows a link
        except FileExistsError:
            continue
        try:
            os.replace(temp, candidate)
        except BaseException:
            candidate.unlink(missing_ok=True)  # ours: the empty claim
            raise
        return candidate
    raise AssertionError("unreachable")


def _copy_into(origin: Path, target: Path) -> None:
    """Copy bytes and times into ``target``, created exclusively (FileExistsError when
    it exists; never follows a link); removed again when the copy fails."""
    out = open(target, "xb")  # noqa: SIM115 (O_EXCL: never follows a link)
    try:
        with out, open_regular(origin) as src:
            shutil.copyfileobj(src, out)
        copy_stat(origin, target)  # (a FAT stick refuses the permission bits)
    except BaseException:
        target.unlink(missing_ok=True)  # ours: created above
        raise
