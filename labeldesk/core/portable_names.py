"""Names Windows, and FAT and exFAT drives (most USB sticks), cannot hold as file or
folder names: ``< > : " | ? * \\`` or a control character, a trailing dot or space, a
device name (``CON``, ``nul.txt``, ``COM1``). A class so named is fine in a project; an
export of it as a folder to such a disk is refused, asking for another name
(:mod:`labeldesk.interop.export_portable`), so adding or renaming one says so at once."""

from __future__ import annotations

import re

NOT_ON_WINDOWS = re.compile(r'[<>:"|?*\\\x00-\x1f\x7f]')
RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
     *(f"LPT{i}" for i in range(10)), "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"]
)  # fmt: skip


def windows_problem(name: str) -> str | None:
    """Why Windows (and FAT, exFAT) cannot hold a file or folder called ``name``, or None."""
    odd = sorted(set(NOT_ON_WINDOWS.findall(name)))
    if odd:
        shown = " ".join(c if c.isprintable() else repr(c) for c in odd)
        return f"it holds {shown}"
    if name.endswith((".", " ")):
        return "it ends with a dot or a space"
    if name.split(".")[0].rstrip(" ").upper() in RESERVED:
        return "it is a name Windows keeps for a device"
    return None


def class_name_notes(names: list[str]) -> list[str]:
    """A note for each class name an export to Windows or a USB stick cannot use as a
    folder name (empty for the usual names)."""
    notes = []
    for name in names:
        why = windows_problem(name)
        if why is not None:
            notes.append(
                f"class {name!r} cannot be a folder name on Windows or on most USB sticks "
                f"({why}): an export there as class folders will ask for another name"
            )
    return notes
