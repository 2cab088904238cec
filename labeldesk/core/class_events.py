"""The class list's part of a label batch: ``class_events`` rows, read back by undo.

A rename or a removal records where the class stood and the old names that led to it;
an addition (a label that brought a new class, with ``--new-class`` or an import)
records the aliases it replaced, so undoing the batch can take the class away again
and let those old folder names lead where they led before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping

from . import classes as class_table


def record_event(
    conn: sqlite3.Connection,
    batch: int,
    op: str,
    name: str,
    target: str | None,
    aliases: Iterable[object] | None = None,
) -> None:
    """Record ``op`` on class ``name`` as part of ``batch`` (before the class table
    changes: its place and, unless given, the aliases that lead to it are read now)."""
    position, origin = class_table.class_position(conn, name)
    if aliases is None:
        aliases = class_table.aliases_of(conn, name)
    conn.execute(
        "INSERT INTO class_events(batch_id, op, name, target, position, origin, aliases) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (batch, op, name, target, position, origin, json.dumps(list(aliases))),
    )


def record_added(
    conn: sqlite3.Connection,
    batch: int,
    added: Iterable[str],
    aliases_before: Mapping[str, str | None],
) -> None:
    """Record the classes ``batch`` added, each with the aliases adding it replaced
    (``aliases_before``: the alias table as it was before the classes were added)."""
    now = class_table.aliases(conn)
    for name in added:
        form = class_table.nfc(name)
        replaced = [
            [alias, target]
            for alias, target in aliases_before.items()
            if alias not in now and class_table.nfc(alias) == form
        ]
        record_event(conn, batch, "add", name, None, replaced)


def undo_add(conn: sqlite3.Connection, name: str, replaced: list) -> bool:
    """Take back the addition of class ``name`` unless something uses it now (an image's
    label, or an alias from a later merge into it); returns whether it went."""
    in_use = conn.execute(
        "SELECT 1 FROM images WHERE label = ? UNION ALL "
        "SELECT 1 FROM class_aliases WHERE target = ? LIMIT 1",
        (name, name),
    ).fetchone()
    if in_use is not None or not class_table.class_exists(conn, name):
        return False
    conn.execute("DELETE FROM classes WHERE name = ?", (name,))
    for pair in replaced:
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
            target = pair[1] if isinstance(pair[1], str) else None
            class_table.set_alias(conn, pair[0], target)
    return True
