"""SQL stays in labeldesk/core, beside the schema it depends on (issue 11).

The modules outside core (ml, interop, browse, the CLI, the GUI, the notebook API) reach
the database only through core's functions: no SQL text in their strings, no
``.execute(`` on a connection, no raw ``db.query(...)``. The source is parsed, so
comments never count and an f-string counts like any other string.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import labeldesk

PACKAGE = Path(labeldesk.__file__).resolve().parent
CORE = PACKAGE / "core"

# SQL as this code base writes it (keywords in capitals) anywhere in a string, or a string
# that starts as a statement in small letters ("select id from images"; a sentence that
# starts "Select the images from ..." is prose).
SQL_TEXT = re.compile(
    r"\bSELECT\b[\s\S]*?\bFROM\b|\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b|\bREPLACE\s+INTO\b"
    r"|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(?:TABLE|INDEX)\b"
)
SQL_STATEMENT = re.compile(
    r"^\s*(?:select\b[\s\S]*\bfrom|insert\s[\s\S]*\binto|update\s+\w+\s+set|delete\s+from)\b"
)
# Calls that run SQL on a connection, on any receiver.
CONNECTION_CALLS = {"execute", "executemany", "executescript", "read_sql", "read_sql_query"}
# The Database's own entry points, called on something named ``db`` (``project.db``).
DATABASE_CALLS = {"query", "scalar", "write", "reading"}


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f"SELECT {columns} FROM images"
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def _receiver_is_db(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "db") or (
        isinstance(node, ast.Attribute) and node.attr == "db"
    )


def sql_found(source: str) -> list[str]:
    """Where ``source`` holds SQL text or runs SQL: one ``line: what`` per finding."""
    tree = ast.parse(source)
    # An f-string's literal parts are strings too: the f-string as a whole is checked.
    parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found: list[str] = []
    for node in ast.walk(tree):
        text = None if id(node) in parts else _text(node)
        if text is not None and (SQL_TEXT.search(text) or SQL_STATEMENT.search(text)):
            found.append(f"{node.lineno}: SQL text {text[:60]!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name in CONNECTION_CALLS or (
                name in DATABASE_CALLS and _receiver_is_db(node.func.value)
            ):
                found.append(f"{node.lineno}: call .{name}(")
    return sorted(found, key=lambda f: int(f.split(":")[0]))


def outside_core() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if CORE not in p.parents)


def test_no_sql_outside_core():
    problems = {
        str(path.relative_to(PACKAGE.parent)): found
        for path in outside_core()
        if (found := sql_found(path.read_text(encoding="utf-8")))
    }
    assert problems == {}, "SQL belongs in labeldesk/core (a function beside the schema)"


def test_the_scan_covers_every_layer_outside_core():
    scanned = {p.relative_to(PACKAGE).parts[0] for p in outside_core()}
    assert {"ml", "interop", "gui", "cli", "browse", "api.py"} <= scanned
    assert not any(CORE in p.parents for p in outside_core())


def test_the_scan_finds_sql_written_in_any_way():
    source = '''
rows = project.db.query(
    "SELECT id, path FROM images "
    "WHERE removed_at IS NULL"
)
value = db.scalar(f"SELECT COUNT(*) FROM {table}")
with project.db.write() as conn:
    conn.executemany("UPDATE images SET phash = ? WHERE id = ?", found)
cursor.execute("delete from meta")
statement = """
    INSERT INTO model_versions(kind) VALUES (?)
"""
frame = pd.read_sql_query(sql, conn)
lower = "select path from images where id = ?"
'''
    found = sql_found(source)
    lines = {int(f.split(":")[0]) for f in found}
    assert lines == {2, 3, 6, 7, 8, 9, 10, 13, 14}, found
    assert sum("SQL text" in f for f in found) == 6, found


def test_the_scan_leaves_prose_and_other_calls_alone():
    source = '''
"""Select the images you want from the grid, then update the labels."""
SELECT_TOOLS = {"box": "Box", "lasso": "Lasso"}
unusable = []  # counted in the worker: a SELECT the GUI need not wait for, FROM here
frame.query("label == 'cat'")  # pandas, not a database
dialog.exec()
project.db.get_meta("embedding_key")
'''
    assert sql_found(source) == []
