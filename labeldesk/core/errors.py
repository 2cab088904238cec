"""Typed errors with messages a user can act on.

Core code raises these; the CLI prints ``str(error)`` and exits non-zero, the GUI shows it
as one notification. Anything else escaping core is a bug.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from .display import counted


class LabelDeskError(Exception):
    """Base class for every expected failure."""


class BadArgument(LabelDeskError, ValueError):
    """A value passed to a function is out of its range (a negative count, a similarity
    that is not a number): refused up front, rather than a quietly wrong answer."""


class ProjectError(LabelDeskError):
    """The project folder is missing, not a project, or from a newer LabelDesk."""


class DatabaseDamaged(ProjectError):
    """The project database cannot be read as a database (cut short by a full disk or a
    failed copy, overwritten, emptied to 0 bytes): nothing was written to it, so a copy
    of the folder still holds what a rescue needs."""


class ProjectClosed(ProjectError, sqlite3.ProgrammingError):
    """The project was used after ``close()`` (or after its ``with`` block ended): open it
    again. Also a ``sqlite3.ProgrammingError``, what SQLite raised for it before, so code
    that caught that still does."""


class ProjectReadOnly(ProjectError):
    """A write to a project opened read-only (its folder, its database file or the disk
    holding it cannot be written): refused before anything was changed. Reading works."""


class DiskFull(ProjectError):
    """A new project could not be made, or a scratch file written, for want of space
    (the kind a full disk reports everywhere else); nothing was changed. Through the
    notebook API, also every other full disk (a write of the project database, an export,
    embeddings), the ``OSError`` or ``sqlite3`` error chained as its ``__cause__``, its
    message saying what was kept (:func:`labeldesk.api_words.own_full_disk`). ``disk``: a
    folder on the disk that was full (None: not known), for the app to watch for room
    (:func:`labeldesk.core.failures.full_disk_of`) rather than read it from the text."""

    def __init__(self, message: str, *, disk: Path | None = None):
        super().__init__(message)
        self.disk = disk


class ImageRootError(LabelDeskError):
    """The image folder a project indexes cannot be found or read."""


class ScanNeeded(LabelDeskError):
    """Nothing could be done because every image a command needed changed on disk since
    the last scan (its size, times or bytes not those indexed): a scan takes them in as
    they are now, then the command can run."""


class UnknownPathError(LabelDeskError):
    """One or more image paths are not in the project."""

    def __init__(self, paths: list[str], hint: str = "", *, text: str = ""):
        """``text``: the whole message, where "not in the project" would mislead."""
        self.paths = paths
        shown = ", ".join(paths[:5]) + (f" … and {len(paths) - 5:,} more" if len(paths) > 5 else "")
        text = text or f"{counted(len(paths), 'path')} not in the project: {shown}"
        super().__init__(f"{text}; {hint}" if hint else text)


class ImageMovedError(UnknownPathError):
    """A path no longer holds the image a person saw there (a scan since followed files
    that were swapped, renumbered or moved): nothing was written, so a key never labels
    another picture than the one on screen. ``paths``: the paths as they were shown."""

    def __init__(self, paths: list[str]):  # (not UnknownPathError's "not in the project")
        self.paths = paths
        shown = ", ".join(paths[:5]) + (f" … and {len(paths) - 5:,} more" if len(paths) > 5 else "")
        LabelDeskError.__init__(
            self,
            f"{shown} now {'holds' if len(paths) == 1 else 'hold'} another picture than the one "
            "shown (a scan followed files moved since): nothing written; look again",
        )


class SkippedFileError(LabelDeskError):
    """A label given to a file the scan skips (not an image, unreadable, a link out of
    the image folder): it would count nowhere (not in stats, not exported), so nothing
    was written. ``skipped``: path -> the scan's reason."""

    def __init__(self, skipped: dict[str, str]):
        self.skipped = skipped
        shown = "; ".join(f"{p} ({why})" for p, why in list(skipped.items())[:5])
        more = f" … and {len(skipped) - 5:,} more" if len(skipped) > 5 else ""
        files = "a file" if len(skipped) == 1 else f"{len(skipped):,} files"
        super().__init__(
            f"{files} the scan skips: {shown}{more}; a label there would count nowhere: "
            "nothing written"
        )


class UnknownClassError(LabelDeskError):
    """A label names a class the project does not have (and may not create)."""


class ClassExistsError(UnknownClassError):
    """A class is renamed to the name of another class (that is a merge): its kind said
    "UnknownClassError", of a class that plainly exists."""


class CaseTwinError(UnknownClassError):
    """A new class name differs from a class only in case (``Bag`` beside ``bag``)."""


class LabelChangedError(LabelDeskError):
    """A write meant for the label a person saw found another one (another window or
    process changed it since): nothing was written. ``now``: path -> the label now."""

    def __init__(self, now: dict[str, str | None]):
        self.now = now
        shown = ", ".join(f"{p} is now {lab or 'unlabeled'}" for p, lab in list(now.items())[:5])
        super().__init__(f"changed elsewhere since it was shown ({shown}): nothing written")


class LabelFileError(LabelDeskError):
    """A labels file (CSV/JSON) is malformed; ``problems`` lists each bad row. ``note``:
    a line after them that helps with several (the project's classes, for unknown ones).
    ``unknown_classes``: the classes rows named that the project lacks, in file order;
    what to do about them depends on the command or form that read the file, so the
    caller adds that (:meth:`advised`)."""

    def __init__(
        self, source: str, problems: list[str], note: str = "", unknown_classes: Sequence[str] = ()
    ):
        self.source, self.problems, self.note = source, problems, note
        self.unknown_classes = list(unknown_classes)
        shown = "\n  ".join(problems[:10])
        more = f"\n  … and {len(problems) - 10:,} more" if len(problems) > 10 else ""
        super().__init__(
            f"{source}: {counted(len(problems), 'problem')}, nothing applied:\n  {shown}{more}"
            + (f"\n{note}" if note else "")
        )

    def advised(self, advice: str) -> LabelFileError:
        """This error with ``advice`` as its last line (how to add the unknown classes,
        in the words of the command or form that read the file)."""
        note = f"{self.note}\n{advice}" if self.note else advice
        return LabelFileError(self.source, self.problems, note, self.unknown_classes)


class ProjectBusyError(LabelDeskError):
    """A write gave up waiting for another one to finish (a thread that must not wait
    long, the GUI's: see :meth:`labeldesk.core.db.Database.limit_waits`). Nothing of it
    was written."""


class NothingToUndoError(LabelDeskError):
    """Undo was asked for but there is no label event left to undo (``others``: batches
    by other people, or of unknown author, that an undo by batch number could take;
    ``holder``: for a batch undone and made again by a redo, the batch holding its change
    now, the one to undo instead)."""

    def __init__(self, message: str, others: int = 0, holder: int | None = None):
        self.others, self.holder = others, holder
        super().__init__(message)


class NothingToRedoError(LabelDeskError):
    """Redo was asked for but none of this person's undos is left to redo (none since
    their last change: a new change starts afresh)."""


class Cancelled(LabelDeskError):
    """A long job stopped because its cancel token was set."""
