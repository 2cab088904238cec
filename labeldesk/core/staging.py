"""Hidden staging folders: build something beside its target, then rename it into place.

An export or a new project is built in ``.NAME.partial-PID-XXXXXX`` beside ``NAME`` so a
crash or a cancel never leaves a half-written result (a NAME too long for that is cut and
followed by a digest of the whole: :func:`staged_name`). A process killed mid-way leaves its
staging folder behind; the next run beside the same target removes it, but only when the
process that made it is gone and the folder is one LabelDesk made (it holds the marker
file, or has the exact name older versions gave theirs). Those of other names beside it
go too when their marker names this computer's current boot and process namespace (a
shared folder may hold another computer's or container's export in progress, whose
process this one cannot see); one left before a restart waits for its own name.
LabelDesk deletes only what it created. A folder it deletes gets the marker first and
loses it last, so a run killed mid-delete leaves a folder the next run still recognises.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from .process_ids import process_alive, process_space

log = logging.getLogger(__name__)


MARKER = ".labeldesk-staging"
EXPORT_MANIFEST = "labeldesk-export.json"  # what makes a folder an export LabelDesk wrote
# A file copied into the image folder is written under this hidden name first (see
# labeldesk.core.add_images): the scan skips it and sweeps those killed runs left.
COPY_PREFIX = ".labeldesk-copy-"


# A file name may have 255 bytes. ".NAME.partial-PID-XXXXXX" adds 24 to NAME at most
# (process ids below MAX_PID have 7 digits or fewer), so NAME keeps 231 of them.
MAX_NAME_BYTES = 255
NAME_IN_STAGING = MAX_NAME_BYTES - len(".") - len(".partial-") - 7 - len("-123456")
DIGEST_SEP = "~"


def staged_name(name: str) -> str:
    """``name`` as staging and set-aside folder names hold it: as it is when it fits,
    else cut (between characters) and followed by a digest of the whole name, so that
    two long names with the same beginning still name their own folders."""
    if len(os.fsencode(name)) <= NAME_IN_STAGING:
        return name
    digest = hashlib.blake2b(os.fsencode(name), digest_size=6).hexdigest()
    room, cut, size = NAME_IN_STAGING - len(DIGEST_SEP) - len(digest), [], 0
    for char in name:
        size += len(os.fsencode(char))
        if size > room:
            break
        cut.append(char)
    return "".join(cut) + DIGEST_SEP + digest


def missing_parents(target: Path) -> list[Path]:
    """The folders above ``target`` that are not there yet, deepest first: what making
    its staging folder creates, and so what a failed run may remove again
    (:func:`remove_made_parents`)."""
    missing: list[Path] = []
    for parent in Path(target).parents:  # as ``mkdir(parents=True)`` walks them
        if os.path.lexists(parent):
            break
        missing.append(parent)
    return missing


def remove_made_parents(made: list[Path]) -> None:
    """Remove the folders a failed run created above its target (``made``, from
    :func:`missing_parents` before it began, deepest first), each only while it is
    empty: one that something else was put in since stays, and so do those above it.
    LabelDesk deletes only what it created."""
    for folder in made:
        try:
            os.rmdir(folder)  # an empty folder only; never a link or anything in one
        except OSError:
            return


def make_staging(target: Path) -> Path:
    """A new, empty, marked staging folder beside ``target`` (stale ones removed first;
    the folders above ``target`` that are missing are made: a failed run removes them
    with :func:`remove_made_parents`, as this does when it fails itself)."""
    remove_stale(target)
    made = missing_parents(target)
    name = staged_name(target.name)
    staging = target.with_name(f".{name}.partial-{os.getpid()}-{secrets.token_hex(3)}")
    info: dict[str, object] = {"pid": os.getpid(), "target": str(target)}
    info |= {"created_at": time.time(), "made_in": process_space()}
    try:
        staging.mkdir(parents=True)
        (staging / MARKER).write_text(json.dumps(info))
    except OSError as exc:  # a full or read-only disk: leave no empty hidden folder
        with contextlib.suppress(OSError):
            (staging / MARKER).unlink(missing_ok=True)
            staging.rmdir()
        remove_made_parents(made)
        # named by the target: which disk is full, not a hidden name the person never gave
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    return staging


def finish_staging(placed: Path) -> None:
    """Drop the marker from a staged folder once it has been renamed into place. Before,
    it went just before the rename, and a run killed between the two left a whole
    unmarked copy that no later run would remove; now such a run leaves a marked staging
    folder (removed by the next run), and one killed after the rename only a hidden
    marker file in the finished folder (which exports ignore, and a project deletes when
    it is next opened: :func:`drop_placed_marker`)."""
    with contextlib.suppress(OSError):
        (placed / MARKER).unlink(missing_ok=True)


MARKER_MAX_BYTES = 64 * 1024  # a marker is a line of JSON; a bigger file is not one


def drop_placed_marker(folder: Path) -> bool:
    """Delete the staging marker that a run killed between renaming ``folder`` into place
    and :func:`finish_staging` left in it (a whole project; called when it is opened).
    Only that file: the JSON :func:`make_staging` writes (naming its target, not a folder
    set aside for deletion), in a folder no longer named as a staging one (a project
    being built, opened in its staging folder, keeps its marker). A folder of that name,
    a link or any other file is left as it is."""
    if _STAGED.match(folder.name):
        return False
    marker = folder / MARKER
    try:
        if marker.is_symlink() or not marker.is_file():
            return False
        with open(marker, "rb") as f:
            info = json.loads(f.read(MARKER_MAX_BYTES))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(info, dict) or not {"pid", "target"} <= info.keys():
        return False
    if info.get("set_aside") is True:
        return False
    try:
        marker.unlink()
    except OSError:  # a read-only project: it stays, as harmless as before
        return False
    log.info("removed %s, left by a run killed as it finished", marker)
    return True


def aside_name(target: Path) -> Path:
    """Where a replaced folder waits (renamed away) until it is deleted."""
    name = staged_name(target.name)
    return target.with_name(f".{name}.old-{os.getpid()}-{secrets.token_hex(3)}")


def mark_for_deletion(folder: Path) -> None:
    """Write the marker into a folder LabelDesk set aside (a replaced export) before it is
    deleted: its manifest may go early in the delete, the marker goes last."""
    info: dict[str, object] = {"pid": os.getpid(), "set_aside": True}
    info |= {"created_at": time.time(), "made_in": process_space()}
    try:
        (folder / MARKER).write_text(json.dumps(info))
    except OSError:  # a full disk: the manifest, while it lasts, still identifies it
        log.warning("could not mark %s for deletion", folder)


DELETE_TRIES = 5
DELETE_RETRY_S = 0.1  # doubled before each further try: 1.5 s of waiting at most


def delete_marked(folder: Path, marker: str = MARKER) -> bool:
    """Delete a folder LabelDesk made, its ``marker`` last (see :func:`mark_for_deletion`):
    a run killed mid-delete leaves a marked folder, or at worst an empty one
    (:func:`remove_empty_leftover`). Never an error (a file it cannot delete is logged);
    whether the folder is gone.

    What will not go, or comes back (a killed run's worker still writing in the folder
    for a moment: the delete of its subfolder failed), is tried again a few times; a
    folder that still holds anything keeps its marker, so the next run recognises it and
    deletes it then. Before, the marker went whatever was left, and such a folder stayed
    for good: nothing said any more that LabelDesk had made it."""
    failed: list[str] = []
    for attempt in range(DELETE_TRIES + 1):
        try:
            with os.scandir(folder) as listing:
                entries = [entry for entry in listing if entry.name != marker]
        except OSError:  # gone already, or not a folder it can read: nothing to do
            return not os.path.lexists(folder)
        if not entries:
            break
        if attempt == DELETE_TRIES:
            for path in failed:
                log.warning("could not delete %s", path)
            log.warning("could not delete %s; the next run tries again", folder)
            return False
        if attempt:
            time.sleep(DELETE_RETRY_S * 2 ** (attempt - 1))
        failed = _delete_entries(entries)
    try:
        kept = (folder / marker).read_bytes()
    except OSError:  # none (a run killed mid-delete): nothing to put back
        kept = None
    try:
        (folder / marker).unlink(missing_ok=True)
        folder.rmdir()
    except OSError:
        # written to again since the last look (a worker's thumbnail folder): the
        # marker back, as it was, so that the next run still recognises the folder
        if kept is not None and os.path.isdir(folder):
            with contextlib.suppress(OSError):
                (folder / marker).write_bytes(kept)
        log.warning("could not delete %s; the next run tries again", folder)
        return False
    return True


def _delete_entries(entries: list[os.DirEntry[str]]) -> list[str]:
    """Delete these entries of a folder (a folder with all it holds, never through a
    link); the paths of those that would not go."""
    failed = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            failed.append(entry.path)
    return failed


EMPTY_LEFTOVER_AGE_S = 60


def remove_empty_leftover(folder: Path) -> bool:
    """Remove ``folder`` if it is empty and has not changed for a minute: what a run
    killed between deleting a folder's marker and the folder itself leaves (the marker,
    the proof LabelDesk made it, is gone). An empty folder holds nothing to lose, and no
    running process keeps its folder empty for a minute (it writes the marker just after
    making it, and removes the folder just after the marker)."""
    try:
        if time.time() - folder.lstat().st_mtime < EMPTY_LEFTOVER_AGE_S:
            return False
        folder.rmdir()  # only ever an empty folder
    except OSError:
        return False
    return True


MAX_PID = 1 << 22  # above every system's process ids (Linux's limit); a larger number
# in a folder's name is not one (os.kill raised OverflowError for 2**31 and more)
_STAGED = re.compile(r"^\.(.+)\.(partial|old)-(\d+)(-[0-9a-f]{6})?$")
_SHORTENED = re.compile(re.escape(DIGEST_SEP) + r"[0-9a-f]{12}$")  # staged_name's digest


def remove_stale(target: Path) -> list[Path]:
    """Delete staging folders left by processes that died: those for ``target``, and
    those for other names beside it that this computer made (its processes are the only
    ones whose death it can tell: a shared folder may hold another computer's live
    export). A replaced export set aside by a run that died before the new one took its
    place is put back (when its target is missing), else deleted."""
    removed: list[Path] = []
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return removed
    for path in siblings:
        match = _STAGED.match(path.name)
        if match is None or not path.is_dir() or path.is_symlink():
            continue
        name, kind, pid = match.group(1), match.group(2), int(match.group(3))
        if name in (".", "..") or not 0 < pid < MAX_PID:  # not a name LabelDesk gives
            continue
        if pid != os.getpid() and remove_empty_leftover(path):  # its marker went last
            log.info("removed %s, left empty by an interrupted run", path)
            removed.append(path)
            continue
        # the marker first (a folder named like ours, a timestamp for a pid, is left
        # alone before its "pid" is probed)
        if name != staged_name(target.name) and not _made_here(path):
            continue
        if not _made_by_labeldesk(path, kind, legacy=match.group(4) is None):
            continue
        if pid == os.getpid() or process_alive(pid):
            continue
        marked = (path / MARKER).is_file()
        deleting = marked and _set_aside_for_deletion(path)  # never put back
        if kind == "old" and not deleting:
            own = _folder_of(path, name, target)
            if own is None:
                continue  # an export to put back, but where only its marker could say
            if _put_back(path, own):
                continue
        if not marked:
            mark_for_deletion(path)
        if delete_marked(path):
            log.info("removed %s, left by an interrupted run", path)
            removed.append(path)
    return removed


def _put_back(folder: Path, own: Path) -> bool:
    """Rename a set-aside export back to ``own``, unless something took its place."""
    if own.exists() or own.is_symlink():
        return False
    try:
        os.replace(folder, own)
    except OSError:
        return False
    log.info("put back %s, set aside by an interrupted export", own)
    return True


def _folder_of(folder: Path, name: str, target: Path) -> Path | None:
    """The folder beside ``target`` that a staging or set-aside folder holding ``name``
    was made for: ``target`` itself, the target its marker records, or the folder of
    that name. None for a shortened name (:func:`staged_name`) no marker explains."""
    if name == staged_name(target.name):
        return target
    try:
        recorded = json.loads((folder / MARKER).read_text()).get("target")
    except (OSError, ValueError, RecursionError, AttributeError):
        recorded = None
    if isinstance(recorded, str) and staged_name(Path(recorded).name) == name:
        return target.with_name(Path(recorded).name)
    return None if _SHORTENED.search(name) else target.with_name(name)


def _set_aside_for_deletion(folder: Path) -> bool:
    """Whether the folder's marker is :func:`mark_for_deletion`'s, not the staging marker
    (:func:`make_staging`'s, naming its ``target``) that a run killed just after putting
    an export in place left in it. Anything else, unreadable included, counts as a delete
    begun: putting that back could restore a partial export."""
    try:
        info = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError, RecursionError):
        return True
    staged = isinstance(info, dict) and "target" in info and info.get("set_aside") is not True
    return not staged


def _made_here(folder: Path) -> bool:
    """Does the folder's marker say this computer made it? (No marker, an unreadable one,
    or one written before markers named the computer: not known, so no.)"""
    try:
        info = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(info, dict) and info.get("made_in") == process_space()


def _made_by_labeldesk(path: Path, kind: str, *, legacy: bool) -> bool:
    if (path / MARKER).is_file():
        return True
    if kind == "old":  # a replaced export waiting to be deleted
        return (path / EXPORT_MANIFEST).is_file()
    return legacy  # ".NAME.partial-PID": the exact name older versions used
