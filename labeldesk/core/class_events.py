"""The class list's part of a label batch: ``class_events`` rows, read back by undo.

A rename or a removal records where the class stood and the old names that led to it;
a rename also records the aliases its new name replaced (``[alias, target]`` pairs: the
folder of a class merged away earlier, named as the class is now called); an addition
(a label that brought a new class, with ``--new-class`` or an import) records the
aliases it replaced, so undoing the batch can take the class away again and let those
old folder names lead where they led before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from . import classes as class_table
from .class_colours import keep_colours
from .db import Database
from .display import quoted_names


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


def record_rename(conn: sqlite3.Connection, batch: int, old: str, new: str) -> None:
    """Record renaming class ``old`` to ``new`` as part of ``batch`` (before the class
    table changes): the names that led to ``old``, then the aliases that ``new`` replaces
    as ``[alias, target]`` pairs, which undo puts back."""
    form = class_table.nfc(new)
    replaced = [[a, t] for a, t in class_table.aliases(conn).items() if class_table.nfc(a) == form]
    record_event(conn, batch, "rename", old, new, [*class_table.aliases_of(conn, old), *replaced])


def put_back_aliases(conn: sqlite3.Connection, pairs: Iterable[object]) -> None:
    """Let each ``[alias, target]`` of ``pairs`` lead where it led (undo), unless the
    alias is a class now. A target renamed or merged since leads on to where it went."""
    index = class_table.class_index(conn)
    now = class_table.aliases(conn)
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            continue
        if index.find(pair[0]) is not None:
            continue
        target = pair[1] if isinstance(pair[1], str) else None
        seen: set[str] = set()
        while target is not None and index.find(target) is None and target in now:
            if target in seen:
                break
            seen.add(target)
            target = now[target]
        class_table.set_alias(conn, pair[0], target)


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
    keep_colours(conn, removing=[name])
    conn.execute("DELETE FROM classes WHERE name = ?", (name,))
    keep_colours(conn)
    for pair in replaced:
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
            target = pair[1] if isinstance(pair[1], str) else None
            class_table.set_alias(conn, pair[0], target)
    return True


@dataclass(frozen=True)
class ClassEvent:
    """One change to the class list, as ``history`` lists it beside label events."""

    id: int
    batch_id: int
    op: str  # "add", "rename", "remove" (a merge: a removal with a target)
    name: str
    target: str | None
    source: str
    description: str  # the batch's
    created_at: float
    author: str | None
    # An undo's batch taking back this change of batch ``undoes`` (None: the change itself)
    undoes: int | None = None
    redoes: int | None = None  # a redo's batch: the undo it took back (None: not a redo)

    @property
    def shown_source(self) -> str:
        """The source as history shows it: ``redo`` for a redo's batch."""
        return "redo" if self.redoes is not None else self.source

    def what(self) -> str:
        name = quoted_names([self.name])
        if self.op == "add":
            text = f"class {name} added"
        elif self.target is None:
            text = f"class {name} removed"
        else:
            verb = "renamed to" if self.op == "rename" else "merged into"
            text = f"class {name} {verb} {quoted_names([self.target])}"
        return text if self.undoes is None else f"undid #{self.undoes}: {text}"


def names_moved(db: Database, batch_id: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The classes ``batch_id`` renamed and those it merged into another, as (old, new)
    pairs in the order made (a removal that left its images unlabeled is neither)."""
    rows = db.query(
        "SELECT op, name, target FROM class_events WHERE batch_id = ? AND op IN "
        "('rename', 'remove') AND target IS NOT NULL ORDER BY id",
        (batch_id,),
    )
    renamed = [(str(r[1]), str(r[2])) for r in rows if r[0] == "rename"]
    merged = [(str(r[1]), str(r[2])) for r in rows if r[0] == "remove"]
    return renamed, merged


def class_history(db: Database, limit: int | None = None) -> list[ClassEvent]:
    """Changes to the class list, newest first (each with its batch, which ``undo
    --batch`` takes back), and the undos that took one back: each change of the undone
    batch again, in the undo's batch, with ``undoes`` set (the undo records no class
    events of its own)."""
    columns = "c.id, b.id, c.op, c.name, c.target, b.source, b.description, b.created_at, b.author"
    params: list[object] = []
    tail = " ORDER BY b.id DESC, c.id DESC"
    if limit is not None:
        tail += " LIMIT ?"
        params.append(limit)
    made = db.query(
        f"SELECT {columns}, NULL, r.undo_id FROM class_events c "
        f"JOIN label_batches b ON b.id = c.batch_id LEFT JOIN redos r ON r.batch_id = b.id{tail}",
        params,
    )
    undone = db.query(
        f"SELECT {columns}, b.undoes FROM class_events c "
        f"JOIN label_batches b ON b.undoes = c.batch_id{tail}",
        params,
    )
    events = [ClassEvent(*row) for row in made] + [ClassEvent(*row) for row in undone]
    events.sort(key=lambda e: (e.batch_id, e.id), reverse=True)
    return events[:limit] if limit is not None else events


def names_after(db: Database, label_event_id: int) -> Callable[[str], str | None]:
    """Where a class name of the label state ``label_event_id`` went since: the renames
    and merges (a removal: None) of the batches after it, replayed in order, an undo
    taking back what its batch moved. Not the alias table, which only knows names as
    they stand now: after red and blue were swapped (red -> tmp, blue -> red,
    tmp -> blue) it leads nowhere from red, though that state's red is blue now.

    A name no later change touched comes back as it is (check it against the classes
    of today: a project older than class events has none to replay)."""
    with db.snapshot() as conn:
        row = conn.execute(
            "SELECT batch_id FROM label_events WHERE id = ?", (label_event_id,)
        ).fetchone()
        start = int(row[0]) if row else 0  # the state's batch, whole: later ones change it
        events: dict[int, list[tuple[str, str, str | None]]] = {}
        for batch, op, name, target in conn.execute(
            "SELECT batch_id, op, name, target FROM class_events "
            "WHERE op IN ('rename', 'remove') ORDER BY id"
        ):
            events.setdefault(int(batch), []).append((op, name, target))
        undoes = {
            int(b): int(u)
            for b, u in conn.execute(
                "SELECT id, undoes FROM label_batches WHERE id > ? AND undoes IS NOT NULL",
                (start,),
            )
        }
    order = sorted({b for b in events if b > start} | set(undoes))
    known: dict[str, str | None] = {}

    def follow(name: str) -> str | None:
        at: str | None = name
        moved: dict[int, tuple[str | None, str | None]] = {}  # batch -> (before, after)
        for batch in order:
            before = at
            undone = undoes.get(batch)
            if undone is not None and undone > start:
                if undone in moved and at == moved[undone][1]:
                    at = moved[undone][0]
            elif undone is not None:  # made before the state, taken back after it
                for op, old, new in reversed(events.get(undone, [])):
                    if op == "rename" and at == new:
                        at = old  # (a merge's names were one class then: left as one)
            for _, old, new in events.get(batch, []) if batch > start else []:
                if at is not None and at == old:
                    at = new
            if at != before:
                moved[batch] = (before, at)
        return at

    def where(name: str) -> str | None:
        if name not in known:
            known[name] = follow(name)
        return known[name]

    return where
