"""Targets a staged folder must not be renamed onto: a mount point (the rename would fail,
or hide what is mounted) and a folder on a system file system (/proc, /sys, …), read from
the mount table. Refused up front, with a message that says why, by an export
(:mod:`labeldesk.interop.export_target`) and a new project (:mod:`labeldesk.core.create`)
before anything is built beside them (:mod:`labeldesk.core.staging`)."""

from __future__ import annotations

import os
import re
from pathlib import Path


def mount_point_refusal(target: Path, what: str, example: str) -> str | None:
    """Why ``target`` cannot become a ``what`` built beside it and renamed into place: it
    is the top folder of a mounted drive (a USB stick at /media/me/USB), which cannot be
    renamed or removed (EBUSY); and the staging folder beside it would sit on another
    disk, the parent's. None when it is not one. ``example``: a folder name to suggest
    on the drive. Asked before anything is written, as the rename failed only after the
    whole export or index had been built on the wrong disk."""
    try:
        if not target.is_dir() or target.is_symlink():
            return None
        mounted = os.path.ismount(target) or _listed_as_mounted(target.resolve())
    except OSError:
        return None
    if not mounted:
        return None
    return (
        f"{target} is the top folder of a drive (a mount point): LabelDesk builds the "
        f"{what} beside its folder and renames it into place, which cannot be done to a "
        f"drive's top folder; use a new folder on the drive, e.g. {target / example}"
    )


def _listed_as_mounted(folder: Path) -> bool:
    """Is ``folder`` a mount point in this process's mount table (Linux)? It also names a
    folder mounted from the same disk (``mount --bind``, a container's volume), which has
    its parent's device number, so ``os.path.ismount`` does not see it."""
    wanted = os.fsencode(folder)
    return any(point == wanted for point, _ in _mounts())


def _mounts() -> list[tuple[bytes, bytes]]:
    """This process's mount table (Linux; empty elsewhere): each mount point, as bytes,
    with the type of its file system (``b"proc"``, ``b"ext4"``), in the table's order."""
    try:
        with open("/proc/self/mountinfo", "rb") as table:
            lines = table.read().splitlines()
    except OSError:  # not Linux
        return []
    mounts = []
    for line in lines:
        fields = line.split(b" ")
        if b"-" not in fields[6:]:  # the optional fields end at "-", then the type
            continue
        # the mount point, with space, tab, newline and backslash written in octal
        mounts.append((_unescape(fields[4]), fields[fields.index(b"-", 6) + 1]))
    return mounts


# File systems through which the operating system shows itself (its running programs,
# devices, kernel settings): folders there are not on a disk, and none can be made in
# them, even by root (mkdir under /proc fails with "No such file or directory", under
# /sys with a bare "Operation not permitted"). Not those where a new folder means
# something to the system (cgroup, configfs, tracefs, bpf) or root may make one (/dev).
SYSTEM_FILE_SYSTEMS = {
    b"proc": "the running programs",
    b"sysfs": "the devices and drivers",
    b"devpts": "the terminals",
    b"debugfs": "the kernel's debugging settings",
    b"securityfs": "the security settings",
    b"pstore": "the kernel's crash logs",
    b"efivarfs": "the firmware settings",
}


def system_folder_refusal(target: Path, what: str) -> str | None:
    """Why a new folder ``target`` cannot be made where it would be: its nearest
    existing folder is on a file system through which the system shows itself (/proc,
    /sys, /dev: :data:`SYSTEM_FILE_SYSTEMS`), where it cannot be created; None
    elsewhere, for a ``target`` that exists, and where there is no mount table to read
    (not Linux). Before, a ``what`` (an export) there failed after its images were
    chosen with "not found: /proc/x" (or "operation not permitted"), as if a folder
    were missing."""
    if os.path.lexists(target):
        return None
    existing = next((p for p in target.parents if os.path.isdir(p)), None)
    if existing is None:
        return None
    wanted, best, kind = os.fsencode(existing), b"", b""
    for point, fs_type in _mounts():
        inside = wanted == point or wanted.startswith(point.rstrip(b"/") + b"/")
        if inside and len(point) >= len(best):  # the last of equals: mounted over
            best, kind = point, fs_type
    shows = SYSTEM_FILE_SYSTEMS.get(kind)
    if shows is None:
        return None
    return (
        f"{target} cannot be created: {existing} is not a folder on a disk but one through "
        f"which the system shows {shows} (the {os.fsdecode(kind)} file system), and no "
        f"folder can be made in it; pick a folder on a disk for the {what}, such as one "
        "in your home folder"
    )


def _unescape(field: bytes) -> bytes:
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), field)
