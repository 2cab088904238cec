"""What a redo does to the class list, around the labels it gives again: the classes it
would make that are case twins of a class made since, left out (:func:`twins_to_avoid`);
the class additions and renames made again before the labels
(:func:`classes_before_labels`), the images still carrying a renamed class's old name
given its new one (:func:`follow_renames`), the class removals made again after the
labels where no image carries the class (:func:`classes_after_labels`), and the classes
the undo brought back removed again (:func:`classes_the_undo_revived`). Called by
:func:`labeldesk.core.redo.redo`."""

from __future__ import annotations

import json
import sqlite3

from . import classes as class_table
from .class_events import record_added, record_event, record_rename, undo_add
from .labels import Change, record
from .undo_classes import label_in_use


def twins_to_avoid(conn: sqlite3.Connection, batch_id: int, labels: set[str]) -> dict[str, str]:
    """The classes redoing batch ``batch_id`` would make (added, renamed to, or named by
    ``labels`` given again) that differ only in case from a class someone made since,
    each with that class: the redo leaves them out, and their images as they are.
    The mirror of :func:`~labeldesk.core.undo_classes.twins_to_avoid`, not the same: an
    undo brings back the names a batch renamed or removed (allowed: old name <- its new
    one), a redo the names it added or renamed to (allowed: new name <- the old one);
    given undo's, test_redo_does_not_add_a_case_twin fails."""
    rows = conn.execute(
        "SELECT op, name, target FROM class_events WHERE batch_id = ? AND op <> 'remove'",
        (batch_id,),
    ).fetchall()
    made = {target if op == "rename" else name for op, name, target in rows}
    renamed_to = {target: name for op, name, target in rows if op == "rename"}
    return class_table.case_twins(conn, sorted(labels | made), renamed_to, batch_id)


def classes_before_labels(
    conn: sqlite3.Connection, redo_id: int, batch_id: int, undo_id: int, twins: dict[str, str]
) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str, str | None]]]:
    """Make again the class additions and renames of batch ``batch_id`` that its undo
    (``undo_id``) took back, recorded in batch ``redo_id``; not those that would make a
    class of ``twins``, nor a rename the undo left as it was. Returns (classes back,
    (old, new) renamed, and the removals left for after the labels: (op, name, target))."""
    back: list[str] = []
    renamed: list[tuple[str, str]] = []
    after: list[tuple[str, str, str | None]] = []
    for op, name, target, position, origin in conn.execute(
        "SELECT op, name, target, position, origin FROM class_events WHERE batch_id = ? "
        "ORDER BY id",
        (batch_id,),
    ).fetchall():
        exists = class_table.class_exists(conn, name)
        if op != "remove" and (target if op == "rename" else name) in twins:
            continue
        if op == "add" and not exists:  # its undo took it away: in its place again
            before = class_table.aliases(conn)
            class_table.restore_in_table(conn, name, position, origin)
            class_table.drop_aliases(conn, [name])
            record_added(conn, redo_id, [name], before)
            back.append(name)
        elif op == "rename" and exists and _taken_before_the_undo(conn, name, batch_id, undo_id):
            # the undo left it (a class of its old name was made): nothing to do, even
            # where the new name is free again (that class is someone else's)
            continue
        elif op == "rename" and exists and not class_table.class_exists(conn, target):
            record_rename(conn, redo_id, name, target)
            class_table.rename_in_table(conn, name, target)
            renamed.append((name, target))
        elif op != "add" and exists:
            # a removal or merge; or a rename whose new name stayed (someone used it):
            # then the old name goes into it, as a merge would
            after.append((op, name, target))
    return back, renamed, after


def _taken_before_the_undo(
    conn: sqlite3.Connection, name: str, batch_id: int, undo_id: int
) -> bool:
    """Was class ``name`` made (added, or another renamed to it) after batch ``batch_id``
    and before its undo ``undo_id``? Then the undo did not rename ``name``'s class back
    (see :func:`~labeldesk.core.undo_classes.names_taken`) and this class is someone else's:
    a redo must not merge it into the rename's new name. (A class the undo itself put
    back was made by the undo, not before it.) Told by the batches' order where a batch
    recorded it (times within one tick of the clock are equal); by the class's creation
    time where none did (a scan). A batch undone before ``undo_id`` made nothing that
    stayed (a class added, then taken away before the rename was undone)."""
    row = conn.execute(
        "SELECT 1 FROM class_events WHERE op IN ('add', 'rename') "
        "AND (CASE op WHEN 'add' THEN name ELSE target END) = ? "
        "AND batch_id > ? AND batch_id < ? AND batch_id NOT IN (SELECT undoes FROM "
        "label_batches WHERE undoes IS NOT NULL AND id < ?) UNION ALL "
        "SELECT 1 FROM classes c JOIN label_batches b ON b.id = ? "
        "JOIN label_batches u ON u.id = ? WHERE c.name = ? "
        "AND c.created_at > b.created_at AND c.created_at < u.created_at",
        (name, batch_id, undo_id, undo_id, batch_id, undo_id, name),
    ).fetchone()
    return row is not None


def follow_renames(
    conn: sqlite3.Connection,
    redo_id: int,
    source: str,
    description: str,
    renamed: list[tuple[str, str]],
) -> list[int]:
    """Give the images that still carry a renamed class's old name its new name, in batch
    ``redo_id``, as the rename itself did: those labeled with it (by anyone, or by a scan's
    folder) while the rename was undone, and those left as someone else changed them
    since. A rename names a class, not a list of images; left behind, their label would
    be no class at all. Status kept, as a rename keeps it. Returns the images changed."""
    moved: list[int] = []
    for old, new in renamed:
        rows = conn.execute("SELECT id, status FROM images WHERE label = ?", (old,)).fetchall()
        follow = [Change(i, label=new, status=s) for i, s in rows]
        moved += record(conn, follow, source, description, batch_id=redo_id)[1]
    return moved


def classes_after_labels(
    conn: sqlite3.Connection, redo_id: int, removals: list[tuple[str, str, str | None]]
) -> tuple[list[str], list[str]]:
    """Remove again (into their target, if any) the classes that no image carries now
    that the labels are changed again. Returns (classes removed, classes kept)."""
    removed: list[str] = []
    kept: list[str] = []
    for _, name, target in removals:
        if label_in_use(conn, name):  # someone labeled with it since the undo
            kept.append(name)
            continue
        into = target if target is not None and class_table.class_exists(conn, target) else None
        record_event(conn, redo_id, "remove", name, into)
        class_table.delete_from_table(conn, name, alias_to=into)
        removed.append(name)
    return removed, kept


def classes_the_undo_revived(
    conn: sqlite3.Connection, redo_id: int, undo_id: int
) -> tuple[list[str], list[str]]:
    """Remove again the classes undo ``undo_id`` brought back for the labels it gave
    back (someone had removed them), when no image carries them now, with the aliases
    they replaced. Returns (classes removed, classes kept: still in use)."""
    removed: list[str] = []
    kept: list[str] = []
    for name, aliases in conn.execute(
        "SELECT name, aliases FROM class_events WHERE batch_id = ? AND op = 'add' ORDER BY id",
        (undo_id,),
    ).fetchall():
        if not class_table.class_exists(conn, name):
            continue
        if label_in_use(conn, name) or class_table.aliases_of(conn, name):
            kept.append(name)
            continue
        record_event(conn, redo_id, "remove", name, None)
        undo_add(conn, name, json.loads(aliases or "[]"))
        removed.append(name)
    return removed, kept
