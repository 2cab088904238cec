"""Which batch an undo takes back: the person's newest own batch not undone yet, or the
one named; and why a named batch cannot be undone (itself an undo, undone already),
naming the batch that holds its change now where a redo made it again."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .display import counted
from .errors import NothingToUndoError
from .labels import undo_source
from .sql_lists import IN_LIST, json_list


def batch_to_undo(
    conn: sqlite3.Connection, batch_id: int | None, sources: Sequence[str], who: object
) -> sqlite3.Row:
    """The row (id, description, author, …) of the batch an undo takes back: ``batch_id``,
    or the newest batch by ``who`` from ``sources`` that changed something and is not
    undone yet; :class:`NothingToUndoError` saying why where there is none."""
    not_undone = "NOT EXISTS (SELECT 1 FROM label_batches u WHERE u.undoes = b.id)"
    if batch_id is not None:
        row = conn.execute(
            f"SELECT b.id, b.description, b.author, {not_undone}, b.source "
            "FROM label_batches b WHERE b.id = ?",
            (batch_id,),
        ).fetchone()
        if row is None:
            raise NothingToUndoError(f"there is no batch {batch_id}")
        if row[4] == "undo":
            raise NothingToUndoError(
                f"batch {batch_id} is itself an undo; to make its change again, redo "
                "(your newest undo first)"
            )
        if not row[3]:
            steps = undos_and_redos(conn, batch_id)
            raise NothingToUndoError(_undone_already(batch_id, steps), holder=steps[-1][1])
        return row
    row = conn.execute(
        "SELECT b.id, b.description, b.author FROM label_batches b "
        f"WHERE {undo_source(conn)} {IN_LIST} "
        f"AND b.author IS ? AND {not_undone} AND {_CHANGED_SOMETHING} "
        "ORDER BY b.id DESC LIMIT 1",
        (json_list(sources), who),
    ).fetchone()
    if row is None:
        others = conn.execute(
            f"SELECT COUNT(*) FROM label_batches b WHERE {undo_source(conn)} {IN_LIST} "
            f"AND {not_undone} "
            f"AND {_CHANGED_SOMETHING}",
            (json_list(sources),),
        ).fetchone()[0]
        mine = f" for {who}" if who else ""
        hint = (
            f" ({counted(others, 'change')} by others or of unknown author "
            f"{'remains' if others == 1 else 'remain'})"
            if others
            else ""
        )
        raise NothingToUndoError(f"nothing to undo{mine}{hint}", others=others)
    return row


def undos_and_redos(conn: sqlite3.Connection, batch_id: int) -> list[tuple[int, int | None]]:
    """Each (undo, redo that made its change again or None) that followed batch
    ``batch_id``'s change, oldest first: the batch holding the change now is the last
    redo when the last pair has one (``batch_id`` itself when the list is empty); none
    holds it while the last pair has no redo."""
    steps: list[tuple[int, int | None]] = []
    current, seen = batch_id, set()
    while current not in seen:
        seen.add(current)
        undo = conn.execute(
            "SELECT id FROM label_batches WHERE undoes = ? ORDER BY id DESC LIMIT 1",
            (current,),
        ).fetchone()
        if undo is None:
            break
        redo = conn.execute("SELECT batch_id FROM redos WHERE undo_id = ?", (undo[0],))
        row = redo.fetchone()
        steps.append((int(undo[0]), None if row is None else int(row[0])))
        if row is None:
            break
        current = int(row[0])
    return steps


def _undone_already(batch_id: int, steps: list[tuple[int, int | None]]) -> str:
    """Why batch ``batch_id``, undone (``steps``: :func:`undos_and_redos`), cannot be
    undone, naming the batch that holds its change now when a redo made it again: the
    one to undo instead."""
    undo, redo = steps[0]
    if redo is None:
        return f"batch {batch_id} has been undone already (by batch {undo})"
    text = f"batch {batch_id} was undone by batch {undo} and made again by batch {redo}"
    last_undo, last_redo = steps[-1]
    if last_redo is None:  # the redo, or a later one, undone in turn
        return f"{text}, which was undone by batch {last_undo}"
    if last_redo != redo:
        text += f", and after later undos and redos by batch {last_redo}"
    return f"{text}; undo batch {last_redo} to take it back"


# A batch with neither label nor class events changed nothing (a redo whose images had all
# been changed again by someone else): an undo would have nothing to take back.
_CHANGED_SOMETHING = (
    "(EXISTS (SELECT 1 FROM label_events e WHERE e.batch_id = b.id) "
    "OR EXISTS (SELECT 1 FROM class_events c WHERE c.batch_id = b.id))"
)
