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

A check that finds the damage still there is remembered in the note with the file's
stamp (:func:`file_stamp`: inode, size, modification and change times of the database
and of the changes waiting in its -wal); an open that finds the same stamp says the
project is damaged without reading the whole file again (at a million images 0.7-0.9 s
of CPU, up to 6 s on a busy machine, for each command and each open of the app). The
remembered verdict can only keep the project read-only, never let a write through; any
change to the file (a backup put back, a rescued copy moved in) changes its stamp, and
the next open checks it.
"""

from __future__ import annotations

import contextlib
import json
import os
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
# Up to this many pages (of 4 KiB: 40 MB, ~100k images) the full integrity_check, which
# also checks the indexes against their tables; above it quick_check, linear in the
# file's size and several times quicker (the app's open waits on it).
FULL_CHECK_PAGES = 10_000
SHOWN_PROBLEMS = 3  # lines of the check's report named in the message
# The last line of a note whose damage a check confirmed: that check's findings and the
# stamp of the file it found damaged (JSON), for the next open to compare.
CHECKED_PREFIX = "LabelDesk's check of the file, for its own use: "

NOTE_TEXT = """LabelDesk found the project database labeldesk.db beside this file damaged
({when}): {reason}

While this file is here, LabelDesk opens the project read-only and writes nothing to
labeldesk.db, so the damaged file stays as it is for a rescue. {advice}. The next time
the project is opened, and each time labeldesk.db has changed since (a backup or a
rescued copy put in its place), LabelDesk checks the database: if it is sound, LabelDesk
removes this file itself.
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
    stamp = file_stamp(db_file)
    problem = checked_before(note, stamp)
    if problem is None:
        try:
            problem = check_database(db_file)
        except (sqlite3.DatabaseError, ProjectError) as exc:
            return not_checked(db_file, exc)
        if problem is None:
            # (a folder that cannot be written: opened read-only all the same)
            with contextlib.suppress(OSError):
                note.unlink(missing_ok=True)
            return None
        if stamp is not None and stamp == file_stamp(db_file):  # (unchanged meanwhile)
            remember_check(note, stamp, problem)
    return DamagedReason(
        f"the project database {db_file} is damaged ({problem}; LabelDesk found it so "
        f"earlier and left {NOTE_NAME} beside it)"
    )


def file_stamp(db_file: Path) -> list[int] | None:
    """What changes whenever ``db_file`` or the changes waiting in its -wal change: their
    device, inode, size, modification and change times (an empty -wal counts as none).
    The change time moves at every write and no copy sets it back, so a backup put back
    over the file, times kept, still changes the stamp. None where it cannot be told:
    a file that cannot be read, and Windows, whose st_ctime is the creation time."""
    if os.name == "nt":
        return None
    stamp: list[int] = []
    for path in (db_file, db_file.with_name(db_file.name + "-wal")):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if path == db_file:
                return None
            continue
        except OSError:
            return None
        if path == db_file or st.st_size > 0:
            stamp += [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    return stamp


def checked_before(note: Path, stamp: list[int] | None) -> str | None:
    """What the last check of the file found wrong, when it found the file damaged as
    it is now (the note's stamp is ``stamp``); None when it must be checked."""
    if stamp is None:
        return None
    try:
        last = note.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[-1]
        if not last.startswith(CHECKED_PREFIX):
            return None
        found = json.loads(last.removeprefix(CHECKED_PREFIX))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("stamp") != stamp:
        return None
    problem = found.get("problem")
    return problem if isinstance(problem, str) and problem else None


def remember_check(note: Path, stamp: list[int], problem: str) -> None:
    """Add to the note that a check found the file damaged (``problem``) as ``stamp``
    says it is (replacing an earlier check's line). Where the note cannot be written,
    the next open checks again."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        lines = note.read_text(encoding="utf-8").rstrip("\n").split("\n")
        kept = [line for line in lines if not line.startswith(CHECKED_PREFIX)]
        found = json.dumps({"stamp": stamp, "problem": problem}, ensure_ascii=False)
        note.write_text("\n".join([*kept, CHECKED_PREFIX + found]) + "\n", encoding="utf-8")


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
