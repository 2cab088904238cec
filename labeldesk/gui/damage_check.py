"""Checking a project LabelDesk found damaged before, off the GUI thread, before the
window opens it.

A project with the damage note beside its database (:mod:`labeldesk.core.damage_note`)
has its whole file checked as it opens, unless the note remembers a check of the file as
it is now. At a million images that check reads some 1 GB: 1-6 s during which the window
froze, unpainted, with nothing to say why (the reopen after damage was met in a window
did it too). The window runs the check here first, as a job, and says it is checking;
the open that follows is handed the check's verdict (or finds the note gone) and does
not check again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from labeldesk.core.damage_note import checked_before, damage_remaining, file_stamp, note_path
from labeldesk.core.db import DB_FILENAME
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.core.read_only_db import DamagedReason
from labeldesk.gui.workers import Job


def needs_check(path: Path) -> bool:
    """Whether opening the project at ``path`` would check its whole database: the note
    is there and remembers no check of the file as it is now."""
    db_file = Path(path) / DB_FILENAME
    note = note_path(db_file)
    if not note.is_file():
        return False
    return checked_before(note, file_stamp(db_file)) is None


def check_job(path: Path) -> Job:
    """The check as a job: it ends with the reason the project will open read-only (None:
    sound, the note removed). Cancelling it stops nothing in SQLite: the window then
    does not open the project when it ends."""
    db_file = Path(path).resolve() / DB_FILENAME

    def check(*, progress: Callable[[Progress], None], cancel: CancelToken) -> DamagedReason | None:
        return damage_remaining(db_file)  # (no progress to tell: the bar shows it busy)

    return Job(check, name="damage check")
