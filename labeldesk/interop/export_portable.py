"""Export names that every disk holds apart: USB sticks (FAT32, exFAT), Windows shares
and macOS disks ignore case (``Cat`` and ``cat`` are one folder, ``a.png`` and ``A.png``
one file), macOS the Unicode form too, Windows drops a trailing dot or space, Windows,
FAT and exFAT refuse names holding ``< > : " | ? *`` or a control character, and Windows
device names (``CON``, ``nul.txt``, ``COM1``; an exFAT stick mounted on Linux holds
them).

Two rules keep every image of an export in a file of its own, there and on any disk the
export is copied to later:

- **Always** (whatever the destination, so the export is the same everywhere): no two
  names of one folder are alike in that sense. A folder spelt two ways (the project's
  ``Cat/`` and ``cat/``) is written once, spelt as first met, and a file name alike to
  one taken (``A.png`` beside ``a.png``) gets a digest, as a repeated name does
  (:mod:`.export_names`). Class folders so alike are refused
  (:func:`labeldesk.interop.selection.refuse_folder_twins`): one folder would mix two
  classes.
- **Where the destination cannot hold a name** (found out by a probe in the export's own
  staging folder: the name created and listed, the probe deleted): a class whose
  folder it would be is refused before a file is written, naming the classes and what to
  do; an image's file or folder name there is written made safe (``what?.png``:
  ``what_--<digest>.png``). The manifest's ``renamed`` leads each file back to its
  image, so importing the export into its project finds every image again.

Names LabelDesk writes for normal image names are unchanged, and no probe runs then.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.portable_names import NOT_ON_WINDOWS, RESERVED, windows_problem

# Where a name in "/<name>/<name>/" may be one windows_problem() finds (a superset;
# three patterns that each start with one character to look for: fast)
_MAYBE_DOUBTFUL = (
    NOT_ON_WINDOWS,
    re.compile(r"[. ]/"),
    re.compile(r"/(?i:con|prn|aux|nul|com.|lpt.) *[./]"),
)
MAX_PROBES = 64  # distinct names tried on the destination; the rest are judged alike
# Errors that say the disk cannot take any file (not that it refuses this name)
_DISK_ERRNOS = (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO)


class ExportNameError(LabelDeskError):
    """Class names that cannot be folder names on the export's destination."""


def fold(name: str) -> str:
    """What Windows and macOS compare names by: case and Unicode form ignored, trailing
    dots and spaces dropped."""
    if name.isascii():  # the usual case, quick: one form, and casefold() is lower()
        return name.rstrip(". ").lower()
    nfc = unicodedata.normalize
    return nfc("NFC", nfc("NFC", name).rstrip(". ").casefold())


def fold_path(path: str) -> str:
    return "/".join(fold(part) for part in path.split("/"))


def safe_name(name: str, unique_by: str, *, is_file: bool) -> str:
    """``name`` as every disk holds it, with a digest of ``unique_by`` (the path it
    stands for): ``what?.png``: ``what_--1a2b3c4d.png``; ``CON``: ``_CON--…``."""
    cleaned = NOT_ON_WINDOWS.sub("_", name).rstrip(". ") or "_"
    stem, suffix = cleaned, ""
    if is_file:
        parsed = PurePosixPath(cleaned)
        if parsed.suffix and len(parsed.suffix) <= 16:
            stem, suffix = parsed.stem, parsed.suffix
    if stem.split(".")[0].rstrip(" ").upper() in RESERVED:
        stem = "_" + stem
    stem = stem.encode()[:200].decode(errors="ignore")
    digest = hashlib.blake2b(unique_by.encode(), digest_size=4).hexdigest()
    return f"{stem}--{digest}{suffix}"


@dataclass
class PortableFolders:
    """The folders of one export as written: spelt as first met whatever their case,
    a name the destination cannot hold (``unwritable``) made safe."""

    unwritable: frozenset[str] = frozenset()
    spelling: dict[str, str] = field(default_factory=dict)  # fold_path -> as written

    def folder(self, folder: str) -> str:
        if not folder:
            return folder
        written = ""
        for part in folder.split("/"):
            if part in self.unwritable:
                part = safe_name(part, f"{written}/{part}", is_file=False)
            path = f"{written}/{part}" if written else part
            written = self.spelling.setdefault(fold_path(path), path)
        return written

    def file(self, name: str, source: str) -> str:
        """``name`` (a path: folder/file) with its file name made safe when the
        destination cannot hold it; ``source``: the image's project path."""
        folder, _, base = name.rpartition("/")
        if base not in self.unwritable:
            return name
        safe = safe_name(base, source, is_file=True)
        return f"{folder}/{safe}" if folder else safe


def check_names(
    folder: Path, paths: Collection[str], class_folders: Iterable[str], *, project: str = "PROJECT"
) -> frozenset[str]:
    """The names among ``paths``' folders and files and ``class_folders`` that the disk
    of ``folder`` (a folder of the export's own, e.g. its staging folder) cannot hold as
    they are. A class among them is refused (:class:`ExportNameError`). Only names that
    Windows cannot hold are tried; none (the usual case): nothing is tried at all.
    ``project``: the project's folder, for the message."""
    classes = set(class_folders)
    # one scan of every name (a million paths in well under a second), the usual answer
    joined = "/" + "/".join([*paths, *classes]) + "/"
    if not any(pattern.search(joined) for pattern in _MAYBE_DOUBTFUL):
        return frozenset()
    names: set[str] = set(classes)
    for path in set(paths):
        names.update(path.split("/"))
    doubtful = sorted(n for n in names if windows_problem(n))
    if not doubtful:
        return frozenset()
    tried = doubtful[:MAX_PROBES]
    refused = {name for name in tried if not holds(folder, name)}
    if refused and len(doubtful) > MAX_PROBES:  # the rest judged by the ones tried
        refused.update(doubtful[MAX_PROBES:])
    bad_classes = sorted(refused & classes)
    if bad_classes:
        raise ExportNameError(_class_message(bad_classes, folder.parent, classes, project))
    return frozenset(refused)


def holds(folder: Path, name: str) -> bool:
    """Whether the disk of ``folder`` holds a file called ``name`` as it is: created in a
    new probe folder of ours, then listed (FAT drops a trailing dot without a word). The
    probe folder and what it holds are deleted; nothing else is touched."""
    probe = folder / f".labeldesk-name-probe-{secrets.token_hex(4)}"
    probe.mkdir()
    try:
        try:
            with open(probe / name, "xb"):
                pass
        except OSError as exc:
            if exc.errno in _DISK_ERRNOS:
                raise
            return False
        except ValueError:  # a NUL in the name: no disk holds it
            return False
        listed = os.listdir(probe)
        return [unicodedata.normalize("NFC", n) for n in listed] == [
            unicodedata.normalize("NFC", name)
        ]
    finally:
        for made in os.listdir(probe):  # the one file created in it (as the disk names it)
            os.unlink(probe / made)
        probe.rmdir()


def _class_message(bad: list[str], where: Path, classes: set[str], project: str) -> str:
    listed = "; ".join(f"{c!r} ({windows_problem(c)})" for c in bad)
    taken = {fold(c) for c in classes}
    renames = {}
    for name in bad:
        renames[name] = new = suggested(name, taken)
        taken.add(fold(new))
    class_map = ",".join(f"{_escaped(old)}={_escaped(new)}" for old, new in renames.items())
    first = bad[0]
    return (
        f"nothing was exported: the disk at {where} cannot hold a folder named as the "
        f"class{'es' if len(bad) > 1 else ''} {listed} (Windows, and FAT and exFAT "
        'drives such as most USB sticks, refuse names holding < > : " | ? * and drop a '
        "trailing dot or space; Windows refuses device names such as CON too). Give them "
        "other names "
        "for this export with "
        f"--class-map {_shell(class_map)} (beside any renames it already holds), or "
        f"rename them in the project (labeldesk classes {_shell(project)} --rename "
        f"{_shell(first)} {_shell(renames[first])}); "
        "or export to a disk that holds such names"
    )


def suggested(name: str, taken: set[str]) -> str:
    """A name like ``name`` that every disk holds and no class in ``taken`` (their
    :func:`fold`) is alike to (for the messages)."""
    base = NOT_ON_WINDOWS.sub("-", name).rstrip(". -") or "class"
    if base.split(".")[0].rstrip(" ").upper() in RESERVED:
        base += "-class"
    candidate, n = base, 2
    while fold(candidate) in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _escaped(name: str) -> str:
    """``name`` as --class-map takes it (a comma or an equals sign escaped)."""
    return name.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _shell(text: str) -> str:
    import shlex

    return shlex.quote(text)
