"""The classes side of an undo: the classes a batch renamed or removed put back, those it
added taken away, and the classes an undo leaves as they are (a name taken since, a case
twin made since) with their images."""

from __future__ import annotations

import json
import sqlite3
import unicodedata

from . import classes as class_table
from .class_events import put_back_aliases, undo_add
from .labels import Change, record, undo_source
from .layout import placement


def names_taken(conn: sqlite3.Connection, batch_id: int) -> dict[str, str]:
    """{old: new} of the renames of batch ``batch_id`` whose old name is a class again
    (someone made a class of that name since, or renamed another to it) while the new
    name is still one: the undo leaves both classes and their images as they are. Given
    back their old label, the renamed images would join that other class and leave their
    own empty (a merge no one asked for, and the model's view of them changed)."""
    rows = conn.execute(
        "SELECT name, target FROM class_events WHERE batch_id = ? AND op = 'rename'",
        (batch_id,),
    ).fetchall()
    return {
        str(name): str(target)
        for name, target in rows
        if class_table.class_exists(conn, name) and class_table.class_exists(conn, target)
    }


def twins_to_avoid(conn: sqlite3.Connection, batch_id: int, labels: set[str]) -> dict[str, str]:
    """The classes undoing batch ``batch_id`` would bring back (renamed or removed, or
    named by ``labels`` given back) that differ only in case from a class someone made
    since, each with that class: the undo leaves them out, and their images as they are."""
    rows = conn.execute(
        "SELECT op, name, target FROM class_events WHERE batch_id = ? AND op <> 'add'",
        (batch_id,),
    ).fetchall()
    renamed_back = {name: target for op, name, target in rows if op == "rename"}
    return class_table.case_twins(
        conn, sorted(labels | {r[1] for r in rows}), renamed_back, batch_id
    )


def undo_class_events(
    conn: sqlite3.Connection, batch_id: int, twins: dict[str, str], undo_id: int, text: str
) -> tuple[
    list[str], list[str], list[str], list[int], list[tuple[str, str]], list[tuple[str, str]]
]:
    """Put back the classes a batch renamed or removed, and take away those it added
    (after its labels are back); not those of ``twins`` (see :func:`twins_to_avoid`).
    Images that a scan filed under a renamed class by its old folder name go back to the
    old name, as label events of undo ``undo_id`` (described ``text``).

    Returns (classes restored, classes removed, names kept because something still uses
    them: someone labeled with a renamed class's new name, or with a class the batch
    added, since; the images the scan had filed; the classes renamed back, (new
    name, old name): those whose new name nothing else carries; and (new name, old
    name) of the others, whose images carry the old name again but for those labeled
    with the new one since: to the model's values, as a merge into the old name)."""
    restored: list[str] = []
    removed: list[str] = []
    kept: list[str] = []
    moved: list[int] = []
    renamed: list[tuple[str, str]] = []
    split: list[tuple[str, str]] = []
    for op, name, target, position, origin, aliases in conn.execute(
        "SELECT op, name, target, position, origin, aliases FROM class_events "
        "WHERE batch_id = ? ORDER BY id DESC",
        (batch_id,),
    ).fetchall():
        if op == "add":
            if undo_add(conn, name, json.loads(aliases or "[]")):
                removed.append(name)
            elif class_table.class_exists(conn, name):
                kept.append(name)
            continue
        if name in twins:
            continue
        recorded = json.loads(aliases or "[]")
        old_aliases = [a for a in recorded if isinstance(a, str)]
        if op == "rename" and class_table.class_exists(conn, target):
            back = [Change(i, label=name, status=s) for i, s in _scanned_into(conn, name, target)]
            moved += record(conn, back, "undo", text, undoes=batch_id, batch_id=undo_id)[1]
            if label_in_use(conn, target):
                class_table.restore_in_table(conn, name, position, origin)
                kept.append(target)
                split.append((target, name))
            else:
                class_table.undo_rename(conn, name, target, batch_id)
                renamed.append((target, name))
        elif op == "rename" or op == "remove":
            class_table.restore_in_table(conn, name, position, origin)
            if op == "remove":  # a merge (target: the class) or a removal (None)
                filed = _scanned_into(conn, name, target, since=batch_id)
                back = [Change(i, label=name, status=s) for i, s in filed]
                moved += record(conn, back, "undo", text, undoes=batch_id, batch_id=undo_id)[1]
        put_back_aliases(conn, [a for a in recorded if isinstance(a, list)])
        class_table.point_aliases(conn, old_aliases, name)
        restored.append(name)
    return restored, removed[::-1], kept, moved, renamed, split  # (taken back newest first)


def label_in_use(conn: sqlite3.Connection, label: str) -> bool:
    """Does any image (in the folder or not) carry ``label``?"""
    row = conn.execute("SELECT 1 FROM images WHERE label = ? LIMIT 1", (label,)).fetchone()
    return row is not None


def _scanned_into(
    conn: sqlite3.Connection, old: str, new: str | None, since: int = 0
) -> list[tuple[int, object]]:
    """(id, status) of the images labeled ``new`` (None: unlabeled) whose newest label
    came from a scan or ``new --labels`` (no person gave it), after batch ``since``, and
    whose class folder is named ``old``: a scan filed them under ``new`` because a rename
    or a merge made ``old`` lead there, or unlabeled them because ``old`` was removed.
    A label file a person imported (a batch with its ``file``) is their own change, as
    :func:`.labels.undo_source` counts it: its images stay as they left them."""
    form = class_table.nfc(old)
    # only paths holding a folder of that name (in either Unicode form) are read
    folder = "instr('/' || i.path, '/' || ? || '/') > 0"
    rows = conn.execute(
        "SELECT i.id, i.path, i.status FROM images i "
        "JOIN label_events e ON e.id = "
        "(SELECT MAX(x.id) FROM label_events x WHERE x.image_id = i.id) "
        "JOIN label_batches b ON b.id = e.batch_id "
        f"WHERE i.label IS ? AND i.removed_at IS NULL AND {undo_source(conn)} = 'import' "
        f"AND e.batch_id > ? AND ({folder} OR {folder})",
        (new, since, form, unicodedata.normalize("NFD", form)),
    ).fetchall()
    return [(r[0], r[2]) for r in rows if _folder_class(r[1]) == form]


def _folder_class(path: str) -> str | None:
    """The class ``path``'s folder names, in NFC (macOS writes folder names decomposed)."""
    label = placement(path).label
    return None if label is None else class_table.nfc(label)
