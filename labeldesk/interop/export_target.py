"""Where an export may be written, and which folder it may replace.

LabelDesk deletes only what it created. An export may replace a folder only when that
folder is an earlier LabelDesk export exactly as LabelDesk wrote it: its manifest lists
how many files it wrote and a digest of their names, and the folder must hold those and
nothing else (a notes file or a project someone made inside it stops the replacement).
It is never the image folder, the project, a folder inside either, or a folder that
contains either. Anything else is refused with a message that says why, before a single
file is written, and checked again just before the old export is set aside.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core import exchange
from labeldesk.core.durable import sync_folder
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.mount_refusals import mount_point_refusal, system_folder_refusal
from labeldesk.core.same_folder import within as _within
from labeldesk.core.staging import (
    EXPORT_MANIFEST,
    MARKER,
    aside_name,
    delete_marked,
    finish_staging,
    mark_for_deletion,
)

if TYPE_CHECKING:
    from labeldesk.core.project import Project

MANIFEST = EXPORT_MANIFEST
# Not the export's: the manifest, and a staging marker a run killed just after putting
# the export in place may leave (the manifest leaves both out too)
NOT_EXPORTED = (MANIFEST, MARKER)


# Why an earlier export cannot be replaced, where the remedy is not to move files out
EDITED = "files in it were edited since it was exported"
OLDER = "it was exported by an older LabelDesk that did not record its files"


class ExportTargetError(LabelDeskError):
    """The folder given for an export cannot be used (or replaced) safely."""


def contents(folder: Path, leave_out: tuple[str, ...] = (MANIFEST,)) -> dict[str, Any]:
    """What an export folder holds: file count, a digest of the sorted relative paths,
    the top-level names (``leave_out``: the manifest itself) and the empty folders (an
    export leaves one where every image of a folder failed; a person may add one, which
    a replacing export must not delete). Links are not followed."""
    paths: list[str] = []
    empty: list[str] = []
    for parent, dirs, files in os.walk(folder):
        rel = os.path.relpath(parent, folder)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in files + [d for d in dirs if os.path.islink(os.path.join(parent, d))]:
            paths.append(prefix + name)
        if not dirs and not files and prefix:
            empty.append(prefix.rstrip("/"))
    paths = sorted(p for p in paths if p not in leave_out)
    digest = hashlib.sha256("\n".join(paths).encode("utf-8", "surrogateescape")).hexdigest()
    top = sorted({p.split("/", 1)[0] for p in paths})
    return {"files": len(paths), "sha256": digest, "top_level": top, "empty_folders": sorted(empty)}


def export_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of the LabelDesk export in ``folder``, or None when it is not one."""
    manifest = folder / MANIFEST
    if not manifest.is_file() or manifest.is_symlink():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    # manifest version 2 on (deterministic: no time); "exported_at" marks the first
    if (
        isinstance(data, dict)
        and "format" in data
        and ("manifest_version" in data or "exported_at" in data)
    ):
        return data
    return None


def is_export(folder: Path) -> bool:
    """Was ``folder`` written by a LabelDesk export (a readable manifest of one)?"""
    return export_manifest(folder) is not None


def changed_since_export(folder: Path) -> str | None:
    """Why ``folder`` is not exactly the export LabelDesk wrote, or None if it is."""
    data = export_manifest(folder)
    if data is None:
        return "it is not a LabelDesk export"
    written = data.get("contents")
    if not isinstance(written, dict):
        return OLDER
    now = contents(folder, NOT_EXPORTED)
    if (now["files"], now["sha256"]) == (written.get("files"), written.get("sha256")):
        return _added_folders(now, written) or _edited(folder, data.get("files"))
    extra = [n for n in now["top_level"] if n not in set(written.get("top_level", []))]
    if extra:
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        return f"it now also holds {shown}, which the export did not write"
    return (
        f"files were added, removed or renamed inside it since it was exported "
        f"({now['files']:,} files now, {written.get('files', 0):,} written)"
    )


def _added_folders(now: dict[str, Any], written: dict[str, Any]) -> str | None:
    """Why: empty folders made in the export since (a manifest written before LabelDesk
    listed them has no list, and nothing to compare)."""
    listed = written.get("empty_folders")
    if not isinstance(listed, list):
        return None
    added = sorted(set(now["empty_folders"]) - set(listed))
    if not added:
        return None
    more = f" and {len(added) - 3:,} more" if len(added) > 3 else ""
    shown = ", ".join(added[:3]) + more
    folders = "folder" if len(added) == 1 else "folders"
    return f"it now also holds the empty {folders} {shown}, which the export did not write"


def _edited(folder: Path, files: Any) -> str | None:
    """Why a file of an export with the names it was written with has been edited since
    (its size is not the manifest's, or it is newer than the manifest, written last; or
    it changed since, by its change time, which no one can set back, and its bytes are
    not the ones written: a file of the same size copied over it keeping its old time,
    as ``cp -p``, ``rsync -a`` and a Mac's Finder do)."""
    written = os.lstat(folder / MANIFEST).st_mtime
    listed = files if isinstance(files, list) else []  # an older manifest may lack them
    sizes = {f.get("path"): f.get("size") for f in listed if isinstance(f, dict)}
    digests = {f.get("path"): f.get("sha256") for f in listed if isinstance(f, dict)}
    edited: list[str] = []
    for parent, dirs, names in os.walk(folder):
        links = [d for d in dirs if os.path.islink(os.path.join(parent, d))]
        for name in names + links:
            path = os.path.join(parent, name)
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            if rel in NOT_EXPORTED:
                continue
            info = os.lstat(path)
            size = sizes.get(rel) if not os.path.islink(path) else None
            changed = info.st_mtime > written or (size is not None and size != info.st_size)
            # a change time after it: same-size bytes copied in with their old time?
            if changed or (
                size is not None
                and info.st_ctime > written
                and not _holds(path, info, digests.get(rel))
            ):
                edited.append(rel)
    if not edited:
        return None
    more = f" and {len(edited) - 3:,} more" if len(edited) > 3 else ""
    return f"{EDITED} ({', '.join(sorted(edited)[:3])}{more})"


def _holds(path: str, info: os.stat_result, sha256: Any) -> bool:
    """Does the file at ``path`` still hold the bytes the export wrote (``sha256``, from
    its manifest)? Only a regular file can (a FIFO put there is not opened: it would
    block); one that cannot be read is not known to, so it is not replaced. A manifest
    without digests cannot tell: yes, as before they were compared."""
    if not isinstance(sha256, str):
        return True
    if not stat.S_ISREG(info.st_mode):
        return False
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def resolved_target(out: Path | str) -> Path:
    """``out`` with its links followed, or ExportTargetError when a link on the way is
    broken (an unmounted drive: the export would go to the folder it names, made on
    the system disk) or loops."""
    given = Path(out).expanduser()
    for part in (given, *given.parents):  # before resolving, which follows links
        if part.is_symlink() and not part.exists():
            raise ExportTargetError(_unfollowable(part))
    try:
        return given.resolve()
    except (RuntimeError, OSError) as exc:  # a loop of links
        raise ExportTargetError(f"{given} cannot be followed to a folder: {exc}") from None


def _unfollowable(link: Path) -> str:
    """Why a symbolic link leads to no folder: a loop, or a target that is not there."""
    try:
        os.stat(link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{link} cannot be followed to a folder (a loop of symbolic links)"
    try:
        points_to = os.readlink(link)
    except OSError:
        points_to = "?"
    return (
        f"{link} is a broken symbolic link (to {points_to}): an unmounted drive? Mount it "
        "or pick another folder"
    )


def check_target(project: Project, out: Path | str, *, overwrite: bool) -> Path:
    """The resolved export folder, or ExportTargetError saying why it cannot be used."""
    target = resolved_target(out)
    for name, protected in (("image folder", project.root), ("project", project.path)):
        protected = protected.resolve()
        if _within(target, protected):
            # (the folder itself was said to be "inside the image folder (" itself ")")
            itself = target == protected or (target.exists() and target.samefile(protected))
            where = f"the {name} itself" if itself else f"inside the {name} ({protected})"
            raise ExportTargetError(
                f"{target} is {where}; export into a folder outside the image folder and "
                "the project"
            )
        if _within(protected, target):
            raise ExportTargetError(
                f"{target} contains the {name} ({protected}); LabelDesk never replaces it, "
                "pick a new folder for the export"
            )
    if not target.exists():
        refused = system_folder_refusal(target, "export")
        if refused is not None:
            raise ExportTargetError(refused)
        return target
    if not target.is_dir():
        raise ExportTargetError(f"{target} is a file; pick a new folder for the export")
    mounted = mount_point_refusal(target, "export", "export")
    if mounted is not None:
        raise ExportTargetError(mounted)
    if not any(target.iterdir()):
        return target  # an empty folder made for it
    if not is_export(target):
        raise ExportTargetError(
            f"{target} already exists and is not a LabelDesk export; LabelDesk replaces only "
            f"a folder it exported before (one holding {MANIFEST}). Pick a new folder."
        )
    if not overwrite:
        raise ExportTargetError(
            f"{target} holds an earlier export; replace it (--overwrite) or pick a new folder"
        )
    _check_unchanged(target)
    return target


def _check_unchanged(target: Path) -> None:
    problem = changed_since_export(target)
    if problem is not None:
        # the export's own files edited: moving them out would not make it whole again
        remedy = (
            "If it can go, copy what you changed elsewhere and delete it yourself, or pick "
            "a new folder."
            if problem.startswith((EDITED, OLDER))
            else "Move your files out of it or pick a new folder."
        )
        raise ExportTargetError(
            f"{target} holds an earlier export, but {problem}; LabelDesk replaces only an "
            f"export exactly as it wrote it. {remedy}"
        )


def put_in_place(staging: Path, target: Path, *, overwrite: bool) -> None:
    """Rename the finished export into place, and sync the folder it is in (the rename
    durable before the command says done). An earlier export there (checked again now:
    still exactly as written) is set aside and then deleted. If that sync fails (a disk
    error, Ctrl+C), the export is undone (:func:`_synced_or_undone`)."""
    if target.is_dir() and not target.is_symlink() and not any(target.iterdir()):
        target.rmdir()
    if not target.exists() and not target.is_symlink():
        try:
            os.replace(staging, target)
        except OSError as exc:  # made meanwhile by someone else
            raise ExportTargetError(
                f"{target} was created by someone else during the export; nothing replaced"
            ) from exc
        _synced_or_undone(staging, target, None)
        return
    if not overwrite:
        raise ExportTargetError(
            f"{target} was created by another export meanwhile; nothing replaced (pass "
            "--overwrite to replace it)"
        )
    _check_unchanged(target)
    finish_staging(target)  # a marker a killed run left in it: not one of a folder to delete
    old = _swap_in(staging, target)
    _synced_or_undone(staging, target, old)  # in place for good before the old one goes
    mark_for_deletion(old)  # a run killed mid-delete leaves it recognisable (remove_stale)
    delete_marked(old)


def _synced_or_undone(staging: Path, target: Path, old: Path | None) -> None:
    """Sync the folder the new export was just renamed into. Where that fails (EIO from a
    failing disk, Ctrl+C), undo the rename: the new export back to ``staging`` (still
    marked: the caller deletes it there) and the earlier one, set aside at ``old``, back
    in place, so ``target`` is as it was, as after any failed export. Before, the new
    export stayed in place with its staging marker while the command said it failed, and
    the earlier one stayed set aside, hidden and unmarked. The error says what is where;
    if the undo fails as well, both exports are kept and named."""
    try:
        sync_folder(target.parent)
    except BaseException as exc:
        try:
            _undo(staging, target, old)
        except OSError as again:
            if isinstance(exc, OSError):
                exc.add_note(_not_undone(target, old, again))
            raise exc from None
        if isinstance(exc, OSError):
            undone = (
                f"nothing was replaced: {target} holds the earlier export, as before"
                if old is not None
                else f"nothing was exported to {target}"
            )
            exc.add_note(undone)
        raise


def _undo(staging: Path, target: Path, old: Path | None) -> None:
    """Put the new export at ``target`` back at ``staging``, and the earlier one from
    ``old`` (None: there was none) back at ``target``: swapped back at once where the
    system can (Linux), else by two renames."""
    if old is None:
        os.replace(target, staging)
        return
    if exchange.swap(old, target):
        os.replace(old, staging)  # (now the new export, still marked as staging)
        return
    os.replace(target, staging)
    try:
        os.replace(old, target)
    except OSError:
        os.replace(staging, target)  # the new export back, rather than no export at all
        raise


def _not_undone(target: Path, old: Path | None, again: OSError) -> str:
    """What is where when an export could not be undone either (``again``: why)."""
    why = f"the export could not be undone either ({again.strerror or again})"
    if old is not None and not os.path.lexists(target):  # (half undone: the new one went)
        return (
            f"{why}: {target} is missing; the earlier export waits, whole, in the hidden "
            f"folder {old}, and the next export to {target} puts it back"
        )
    kept = (
        f"the earlier one waits, whole, in the hidden folder {old} (the next export to "
        f"{target} removes it; to keep it, move it out first)"
        if old is not None
        else "run the export again to be sure it is on the disk"
    )
    return f"{why}: the new export is in {target}, but may not be on the disk; {kept}"


def _swap_in(staging: Path, target: Path) -> Path:
    """Put the new export in ``staging`` where the earlier one at ``target`` is; return
    where the earlier one now waits to be deleted. ``target`` holds one whole export or
    the other at every moment: the new one is first renamed to a set-aside name (a run
    killed then leaves the earlier export in place, and this one, still marked as
    staging, for the next run to delete), then the two swap names at once (Linux's
    RENAME_EXCHANGE). Where that cannot be done, the earlier export is set aside and the
    new one renamed in, as before: a run killed between the two leaves no ``target``,
    and the next export beside it puts a whole one back."""
    waiting = aside_name(target)
    os.replace(staging, waiting)
    try:
        if exchange.swap(waiting, target):
            return waiting  # (now the earlier export)
        old = aside_name(target)
        os.replace(target, old)
    except OSError:
        os.replace(waiting, staging)  # the caller deletes it there
        raise
    try:
        os.replace(waiting, target)
    except OSError:
        os.replace(old, target)  # put the earlier export back
        os.replace(waiting, staging)
        raise
    return old
