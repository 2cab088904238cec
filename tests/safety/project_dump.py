"""Every table of a project's database as plain rows, times left out: two projects that
had the same writes compare equal, whenever each was made (a killed run finished by the
next one against an uninterrupted run)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from labeldesk.core.db import DB_FILENAME

# Columns that hold when a row was written, not what it says (removed_at: whether)
TIMES = {"created_at", "indexed_at", "started_at", "finished_at"}
CHANGE_TIMES = {"mtime_ns", "ctime_ns"}  # a moved folder gives its files new ones


def dump(project: Path, *, file_times: bool = True) -> dict[str, list[tuple]]:
    """Each table's rows in id order, time columns left out; the database must pass
    SQLite's integrity check. ``file_times``: keep the images' file times."""
    conn = sqlite3.connect(f"file:{project / DB_FILENAME}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        found: dict[str, list[tuple]] = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            names = [d[0] for d in cursor.description]
            dropped = TIMES | (set() if file_times else CHANGE_TIMES)
            keep = [i for i, n in enumerate(names) if n not in dropped]
            removed = names.index("removed_at") if "removed_at" in names else -1
            rows = []
            for row in cursor:
                values = [row[i] if i != removed else row[i] is not None for i in keep]
                rows.append(tuple(values))
            if table == "meta":  # the project's own creation time
                rows = [r for r in rows if r[0] != "created_at"]
            found[table] = rows
        return found
    finally:
        conn.close()
