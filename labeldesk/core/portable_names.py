"""Names Windows, and FAT and exFAT drives (most USB sticks), cannot hold as file or
folder names: ``< > : " | ? * \\`` or a control character; a trailing dot or space, which
Windows refuses and FAT drops but an exFAT stick written from Linux holds as written; and
names Windows keeps for devices (``CON``, ``nul.txt``, ``COM1``), which Windows refuses on
any disk but an exFAT stick written from Linux holds. A class so named is fine in a
project; an export of it as a folder to a disk that cannot hold it is refused, asking for
another name (:mod:`labeldesk.interop.export_portable` tries the names on the disk), so
adding or renaming one says so at once."""

from __future__ import annotations

import re

NOT_ON_WINDOWS = re.compile(r'[<>:"|?*\\\x00-\x1f\x7f]')
RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
     *(f"LPT{i}" for i in range(10)), "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"]
)  # fmt: skip

DEVICE = "it is a name Windows keeps for a device"
TRAILING = "it ends with a dot or a space"


def windows_problem(name: str) -> str | None:
    """Why Windows (and FAT, exFAT, but for a device name) cannot hold a file or folder
    called ``name``, or None."""
    odd = sorted(set(NOT_ON_WINDOWS.findall(name)))
    if odd:
        shown = " ".join(c if c.isprintable() else repr(c) for c in odd)
        return f"it holds {shown}"
    if name.endswith((".", " ")):
        return TRAILING
    if name.split(".")[0].rstrip(" ").upper() in RESERVED:
        return DEVICE
    return None


def class_name_notes(names: list[str]) -> list[str]:
    """A note for each class name an export to Windows or a USB stick cannot use as a
    folder name (empty for the usual names)."""
    notes = []
    for name in names:
        why = windows_problem(name)
        if why == DEVICE:  # Windows refuses it, a stick (exFAT) written from Linux holds it
            notes.append(
                f"class {name!r} cannot be a folder name on Windows ({why}): an export as "
                "class folders onto a disk that refuses it (a Windows share) will ask for "
                "another name; a USB stick written from Linux may hold it, but Windows "
                "may not open that folder there"
            )
        elif why == TRAILING:  # Windows refuses it, FAT drops the end, exFAT from Linux holds it
            notes.append(
                f"class {name!r} cannot be a folder name on Windows ({why}): an export as "
                "class folders onto a disk that refuses it or drops the end (a Windows "
                "share, a FAT stick) will ask for another name; a USB stick written from "
                "Linux (exFAT) may hold it, but Windows may not open that folder there"
            )
        elif why is not None:
            notes.append(
                f"class {name!r} cannot be a folder name on Windows or on most USB sticks "
                f"({why}): an export there as class folders will ask for another name"
            )
    return notes
