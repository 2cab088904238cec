"""Remembering that a project database was found damaged, so nothing writes to it again
until it is repaired.

SQLite notices a damaged page only when something reads it: a command that reads the
page fails, and the next one, which does not, writes on around the damage (the file a
rescue needs changes under it). So the first time LabelDesk meets damage it leaves a
note beside the database (:data:`NOTE_NAME`). Every open that finds the note checks the
whole file (``PRAGMA integrity_check``, ``quick_check`` on a large one): damage still
there, the project opens read-only, saying why; the check passing (a backup put back, a
rescued file, or a note a killed process left for nothing), the note is removed and work
goes on. A healthy project without a note is opened as fast as ever: no check.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

from .errors import ProjectError
from .failures import DAMAGE_ADVICE, is_damage, is_io_error
from .read_only_db import (
    DamagedReason,
    NotCheckedReason,
    read_only_connection,
    read_only_mode,
)

NOTE_NAME = "labeldesk.db-damaged.txt"
# Up to this many pages (of 4 KiB: 40 MB, ~150k images) the full integrity_check, which
# also checks the indexes against their tables; above it quick_check, linear in the
# file's size and several times quicker (the app's open waits on it).
FULL_CHECK_PAGES = 10_000
SHOWN_PROBLEMS = 3  # lines of the check's report named in the message

NOTE_TEXT = """LabelDesk found the project database labeldesk.db beside this file damaged
({when}): {reason}

While this file is here, LabelDesk opens the project read-only and writes nothing to
labeldesk.db, so the damaged file stays as it is for a rescue. {advice}. The next time
the project is opened, LabelDesk checks the database: if it is sound, LabelDesk removes
this file itself.
"""


def note_path(db_file: Path) -> Path:
    return db_file.with_name(NOTE_NAME)


def record_damage(db_file: Path, reason: str) -> None:
    """Leave the note beside ``db_file`` (``reason``: SQLite's words). Where it cannot be
    written (a read-only folder, a full disk) nothing writes there anyway."""
    note = note_path(db_file)
    if note.exists():
        return
    when = time.strftime("%Y-%m-%d %H:%M:%S")
    with contextlib.suppress(OSError):
        advice = DAMAGE_ADVICE[0].upper() + DAMAGE_ADVICE[1:]  # (the error messages' words)
        text = NOTE_TEXT.format(when=when, reason=reason, advice=advice)
        note.write_text(text, encoding="utf-8")


def damage_remaining(db_file: Path) -> DamagedReason | None:
    """None when there is no note, or when the check finds the database sound (the note
    is then removed); else why the project is opened read-only."""
    note = note_path(db_file)
    if not note.exists():
        return None
    try:
        problem = check_database(db_file)
    except (sqlite3.DatabaseError, ProjectError) as exc:
        return not_checked(db_file, exc)
    if problem is None:
        # (a folder that cannot be written: opened read-only all the same)
        with contextlib.suppress(OSError):
            note.unlink(missing_ok=True)
        return None
    return DamagedReason(
        f"the project database {db_file} is damaged ({problem}; LabelDesk found it so "
        f"earlier and left {NOTE_NAME} beside it)"
    )


def not_checked(db_file: Path, exc: BaseException) -> NotCheckedReason:
    """Why a project with the note opens read-only when the check could not run for a
    reason that is not damage (``exc``): it was found damaged before, and is not called
    damaged now on the strength of a lock or a read error. Its advice is to put that
    right and open the project again (the check runs then), not a repair."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        advice = (
            "close the other program that has labeldesk.db open (another LabelDesk, a "
            "sqlite3 shell), then open the project again"
        )
    elif is_io_error(exc):
        advice = (
            "fix the read problem (a drive or share that went away: connect it again), "
            "then open the project again"
        )
    else:
        advice = "put that right, then open the project again"
    return NotCheckedReason(
        f"the project database {db_file} could not be checked now ({exc}); LabelDesk "
        f"found it damaged earlier ({NOTE_NAME} beside it says so), so the project opens "
        "read-only until a check passes",
        f"{advice}, or run any command on it, to have it checked",
    )


def check_database(db_file: Path) -> str | None:
    """What SQLite's check of ``db_file`` found wrong, None if it is sound. It reads
    without writing a byte; a database SQLite says is damaged as it reads it is damaged.
    Where the check cannot run for another reason (the file locked by another program,
    a read error, changes in the -wal of a read-only folder), that error is raised: it
    says nothing about damage."""
    try:
        conn = read_only_connection(db_file, read_only_mode(db_file))
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return str(exc)
    try:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        pragma = "integrity_check" if pages <= FULL_CHECK_PAGES else "quick_check"
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}({SHOWN_PROBLEMS})")]
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return str(exc)
    finally:
        conn.close()
    if rows == ["ok"]:
        return None
    return "; ".join(line.replace("\n", " ").strip() for line in rows)
