"""Each class's colour, kept: a slot in the app's palette of :data:`PALETTE_SIZE` colours
that stays the class's through merges, removals, renames, additions and reopening.

A colour taken from the class's place in the list changed whenever a class before it went
or came (cow turned from red to orange after a merge), and an annotator relies on colour
memory. So each class's slot is stored (in ``meta``, by class id: a rename keeps the row,
so the colour) the first time the class table changes, and a new class takes the first
slot no class holds (two classes share one only once all are taken). A removed class's
slot is remembered by name, so undoing the removal (or the merge) brings it back in its
colour while no other class has taken it since.

A project whose classes never changed since this was added has no slots stored: its
classes are coloured in list order, as before, and those colours are what is stored at its
first change.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable

PALETTE_SIZE = 20  # the colours of labeldesk.gui.tile_delegate.CLASS_COLORS
_KEY = "class_colours"
# Set when a project is made, dropped when its first scan has ended: the classes that
# scan found (in any order) are then given the palette in list order.
_FIRST_SCAN = "class_colours_after_first_scan"


def colour_slots(conn: sqlite3.Connection) -> dict[str, int]:
    """Class name -> its palette slot (0 … PALETTE_SIZE - 1), for every class."""
    rows = _rows(conn)
    by_id = _assigned(rows, *_stored(conn))
    return {name: by_id[class_id] for class_id, name in rows}


def keep_colours(conn: sqlite3.Connection, removing: Iterable[str] = ()) -> None:
    """Store every class's slot as it is now; call it before and after a change to the
    class table (in its transaction). ``removing``: the classes about to be deleted,
    whose slots are remembered by name for an undo that brings them back."""
    rows = _rows(conn)
    by_id, gone = _stored(conn)
    slots = _assigned(rows, by_id, gone)
    names = {name: slots[class_id] for class_id, name in rows}
    for name in removing:
        if name in names:
            gone[name] = names[name]
    for name in names:  # a class again: its colour is its row's
        gone.pop(name, None)
    value = {"by_id": {str(k): v for k, v in slots.items()}, "removed": gone}
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_KEY, json.dumps(value, ensure_ascii=False)),
    )


def colours_in_list_order(conn: sqlite3.Connection) -> None:
    """Give the classes the palette's colours in list order (a project just made: no one
    has seen its colours yet, and its scan found the classes in any order)."""
    conn.execute("DELETE FROM meta WHERE key = ?", (_KEY,))
    keep_colours(conn)


def colour_after_first_scan(conn: sqlite3.Connection) -> None:
    """Mark a project just made: its first whole scan ends in
    :func:`first_scan_ended`, wherever the scan runs (the CLI's ``new``, the app's New
    project, a rescan after a cancelled first one)."""
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (_FIRST_SCAN,))


def first_scan_ended(conn: sqlite3.Connection) -> None:
    """A scan ran to its end: after the project's first, its classes take the palette's
    colours in list order (a scan finds them in any order, and each took the next
    free colour as found)."""
    if conn.execute("SELECT 1 FROM meta WHERE key = ?", (_FIRST_SCAN,)).fetchone():
        colours_in_list_order(conn)
        conn.execute("DELETE FROM meta WHERE key = ?", (_FIRST_SCAN,))


def _rows(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    return [
        (int(r[0]), str(r[1]))
        for r in conn.execute("SELECT id, name FROM classes ORDER BY position, id")
    ]


def _stored(conn: sqlite3.Connection) -> tuple[dict[int, int], dict[str, int]]:
    """(class id -> slot, removed class name -> slot) as stored; empty when nothing (or
    something unreadable) is: the classes are then coloured anew, in list order."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_KEY,)).fetchone()
    try:
        value = json.loads(row[0]) if row else {}
        by_id = {int(k): int(v) for k, v in value.get("by_id", {}).items()}
        gone = {str(k): int(v) for k, v in value.get("removed", {}).items()}
    except (ValueError, TypeError, AttributeError):
        return {}, {}
    ok = range(PALETTE_SIZE)
    return {k: v for k, v in by_id.items() if v in ok}, {k: v for k, v in gone.items() if v in ok}


def _assigned(
    rows: list[tuple[int, str]], by_id: dict[int, int], gone: dict[str, int]
) -> dict[int, int]:
    """Each class id's slot: its stored one, else (in list order) the slot it had before
    it was removed if no class holds it now, else the first of the least used slots."""
    slots = {class_id: by_id[class_id] for class_id, _ in rows if class_id in by_id}
    for class_id, name in rows:
        if class_id in slots:
            continue
        used = Counter(slots.values())
        before = gone.get(name)
        if before is not None and not used[before]:
            slots[class_id] = before
        else:
            slots[class_id] = min(range(PALETTE_SIZE), key=lambda s: (used[s], s))
    return slots
