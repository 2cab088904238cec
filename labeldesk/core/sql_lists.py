"""A list of values as one SQL parameter: a JSON array read back by SQLite's ``json_each``.

``WHERE id IN (?, ?, …)`` needs one placeholder per value, and SQLite caps the number
of placeholders (999 before 3.32), so the lists used to be cut into chunks of 900 and
the query run once per chunk, written out three times. Passed as one JSON text, any
list is one parameter and one query. SQLite still looks every value up by the column's
index (``EXPLAIN QUERY PLAN``: ``SEARCH images USING INDEX … (path=?)`` over a ``LIST
SUBQUERY``), and ``IN`` drops repeated values as before. ``json_each`` is built into
SQLite from 3.38 on (and into most builds before it, as JSON1).

    rows = conn.execute(f"SELECT id FROM images WHERE path {IN_LIST}", (json_list(paths),))
"""

from __future__ import annotations

import json
from collections.abc import Iterable

# Follows a column name: ``f"... WHERE path {IN_LIST}"``, bound to ``json_list(values)``.
IN_LIST = "IN (SELECT value FROM json_each(?))"


def json_list(values: Iterable[object]) -> str:
    """``values`` (strings and integers; numpy integers too) as the JSON array that
    :data:`IN_LIST` takes. Non-ASCII text is written as itself, not as escapes, so a
    path reaches SQLite exactly as it was given."""
    return json.dumps(list(values), ensure_ascii=False, default=_plain)


def _plain(value: object) -> object:
    item = getattr(value, "item", None)  # a numpy scalar: its Python int or str
    if callable(item):
        plain = item()
        if isinstance(plain, int | str):
            return plain
    raise TypeError(f"{value!r} ({type(value).__name__}) cannot be looked up in SQL")
