"""Undo: take back one batch of label events, and any class it renamed, removed or added.

A person's undo takes back their own newest batch, never someone else's: batches are
matched by author, and an image that a later batch changed again is left as it is.
An undo is a batch of its own (source ``undo``, ``undoes`` naming the batch); it is not
undone itself but redone (:mod:`labeldesk.core.redo`), which makes the change again as
a new batch that undo takes back like any other.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import classes as class_table
from .changes import UNDO, Changes
from .class_events import put_back_aliases, record_added, undo_add
from .classes import add_classes, class_names
from .db import Database
from .display import case_twin_note, counted, named_classes, quoted_names
from .errors import NothingToUndoError
from .labels import (
    KEEP,
    USER_SOURCES,
    Change,
    current_state,
    current_user,
    new_batch,
    record,
    undo_source,
)
from .layout import placement
from .sql_lists import IN_LIST, json_list

_ME = object()  # "the current user" (see current_user)


@dataclass(frozen=True, kw_only=True)
class Undone(Changes):
    """What an undo took back: a :class:`Changes` of kind ``undo`` whose ``batch_id`` is
    the batch recording the undo and ``image_ids`` the images changed back."""

    kind: str = UNDO
    undone_batch_id: int  # the batch taken back
    description: str
    author: str | None
    kept: int = 0  # images changed since by a later batch, left as they are
    classes_restored: tuple[str, ...] = ()
    classes_removed: tuple[str, ...] = ()  # the classes the batch added
    classes_kept: tuple[str, ...] = ()  # still in use: not renamed back, nor removed
    case_twins: tuple[tuple[str, str], ...] = ()  # (class not brought back, its case twin)
    # (old, new): a rename not taken back, its old name a class again made since
    names_taken: tuple[tuple[str, str], ...] = ()

    @property
    def events(self) -> int:
        return len(self.image_ids)

    def summary(self) -> str:
        text = undid(self.description or f"batch {self.undone_batch_id}", self.author)
        parts = []
        if self.names_taken and not (self.events or self.classes_restored or self.kept):
            parts.append("nothing changed")
        elif self.events or not (self.classes_restored or self.classes_removed):
            parts.append(f"{counted(self.events, 'image')} changed back")
        if self.classes_restored:
            parts.append(f"{named_classes(self.classes_restored)} back")
        if self.classes_removed:
            parts.append(f"removed the {named_classes(self.classes_removed)} it had added")
        text += ": " + ", ".join(parts)
        return (
            text
            + taken_note(self.names_taken)
            + left_alone_note(self.classes_kept, self.case_twins, self.kept, "changed again since")
        )


def undid(what: str, whose: str | None = None) -> str:
    """The one wording of an undo's message, wherever one is shown (the browser's Edit →
    Undo, the review's undo, ``labeldesk undo``): "Undid alice's “label x.png as 'cat'”".
    ``what``: the change as its history names it (a batch's description); ``whose``: its
    author, before it ("undid “…” by root" read as if root had undone it)."""
    who = f"{whose}'s " if whose else ""
    return f"Undid {who}“{what}”"


def taken_note(pairs: Sequence[tuple[str, str]]) -> str:
    """The note on renames an undo left (:func:`_names_taken`): "" when none."""
    return "".join(
        f"; {quoted_names([new])} not renamed back: a class {quoted_names([old])} was made "
        f"since, so its images stay {quoted_names([new])} (merge it into "
        f"{quoted_names([old])} to join them)"
        for old, new in pairs
    )


def left_alone_note(
    classes_kept: Sequence[str],
    case_twins: Sequence[tuple[str, str]],
    kept: int,
    changed_since: str,
) -> str:
    """The end of an undo's or a redo's summary: what it left alone, classes still in use,
    case twins, and ``kept`` images "changed again since" (``changed_since``) by another
    batch, "; 2 images changed again since were left as they are"."""
    text = ""
    if classes_kept:
        text += f" ({named_classes(classes_kept)} kept: still in use)"
    text += case_twin_note(case_twins)
    if kept:
        again = "was left as it is" if kept == 1 else "were left as they are"
        text += f"; {counted(kept, 'image')} {changed_since} {again}"
    return text


def undo(
    db: Database,
    batch_id: int | None = None,
    *,
    sources: Sequence[str] = USER_SOURCES,
    author: object = _ME,
) -> Undone:
    """Undo one batch: ``batch_id``, or the newest batch by ``author`` (default: the
    current user) from ``sources`` that is not undone yet.

    A person's undo never takes back someone else's change: the default picks only
    their own batches, and an image changed again by a later batch is left as it is.
    """
    who = current_user() if author is _ME else author
    with db.write() as conn:
        row = _batch_to_undo(conn, batch_id, sources, who)
        twins = _twins_to_avoid(conn, row[0], old_labels(conn, row[0]))
        taken = _names_taken(conn, row[0])
        left = {**twins, **taken}  # classes not brought back: their images stay
        description = f"undo: {row[1]}".rstrip(": ")
        undo_id = new_batch(conn, "undo", description, undoes=row[0])
        changed, kept, given_back = take_back(
            conn,
            row[0],
            lambda ids: _changed_later(conn, row[0], ids),
            left,
            undo_id,
            "undo",
            description,
            undoes=row[0],
        )
        # Classes last, when the labels are back: a class still in use is kept, and a
        # label given back whose class someone removed since brings the class back.
        restored, removed, kept_classes, moved, renamed, split = _undo_class_events(
            conn, row[0], left, undo_id, description
        )
        # Recorded, so that a redo takes such a class away again if nothing carries it.
        before = class_table.aliases(conn)
        revived = add_classes(
            conn, sorted(given_back - set(class_names(conn))), explicit=False, as_given=True
        )
        record_added(conn, undo_id, revived, before)
    return Undone(
        batch_id=undo_id,
        undone_batch_id=int(row[0]),
        description=row[1],
        author=row[2],
        image_ids=tuple(changed + moved),
        classes_changed=bool(restored or revived or removed),
        # (only a batch that did nothing but rename: then no label means something else)
        renamed=tuple(renamed)
        if len(renamed) == len(restored) and not (revived or removed or kept_classes or moved)
        else (),
        merged=tuple(split),
        kept=kept,
        classes_restored=tuple(restored + revived),
        classes_removed=tuple(removed),
        classes_kept=tuple(kept_classes),
        case_twins=tuple(twins.items()),
        names_taken=tuple(taken.items()),
    )


def _names_taken(conn: sqlite3.Connection, batch_id: int) -> dict[str, str]:
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


# Label events read, decided and written back at a time: an undo or redo of a million
# labels holds a chunk's rows and changes, not the batch's (still one transaction).
CHUNK = 20_000


def old_labels(conn: sqlite3.Connection, batch_id: int) -> set[str]:
    """The labels batch ``batch_id``'s images had before it (what taking it back gives)."""
    rows = conn.execute(
        "SELECT DISTINCT old_label FROM label_events WHERE batch_id = ? AND old_label IS NOT NULL",
        (batch_id,),
    )
    return {r[0] for r in rows if isinstance(r[0], str)}


def take_back(
    conn: sqlite3.Connection,
    events_of: int,
    changed_later: Callable[[Sequence[int]], set[int]],
    twins: dict[str, str],
    batch_id: int,
    source: str,
    description: str,
    undoes: int | None = None,
) -> tuple[list[int], int, set[str]]:
    """Give the images of batch ``events_of``'s label events the values they had before
    them, newest event first, recorded in batch ``batch_id``; not an image that
    ``changed_later`` names or that is no longer as its event left it (counted: kept),
    nor one whose label is a class of ``twins``. Read and written :data:`CHUNK` events
    at a time. An image with several events in the batch is taken back once, at its
    newest event, to the values before its oldest (as before the batch), and judged by
    what its newest left; its older events, in this chunk or a later one, are passed.

    Returns (the images changed, in order; how many were kept; the labels given)."""
    # image id -> (label, status, split) before its oldest event, of those with several
    first = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT image_id, old_label, old_status, old_split FROM label_events WHERE id IN "
            "(SELECT MIN(id) FROM label_events WHERE batch_id = ? GROUP BY image_id "
            "HAVING COUNT(*) > 1)",
            (events_of,),
        )
    }
    seen: set[int] = set()  # of those, the images whose newest event was met
    changed: list[int] = []
    given: set[str] = set()
    kept, before = 0, _NO_ID
    while True:
        events = conn.execute(
            "SELECT image_id, old_label, new_label, old_status, new_status, old_split, "
            "new_split, id FROM label_events WHERE batch_id = ? AND id < ? "
            "ORDER BY id DESC LIMIT ?",
            (events_of, before, CHUNK),
        ).fetchall()
        if not events:
            return changed, kept, given
        before = events[-1][7]
        if first:
            events = [_whole(e, first, seen) for e in events if e[0] not in seen]
        ids = [e[0] for e in events]
        current, later = current_state(conn, ids), changed_later(ids)
        changes = []
        for e in events:
            if e[0] in later or not still_as_left(current[e[0]], e):
                kept += 1  # someone changed it again since: theirs stands
                continue
            if e[1] in twins:
                continue  # its class would differ only in case from one there is now
            split = e[5] if e[5] != e[6] else KEEP  # older events did not record splits
            changes.append(Change(e[0], label=e[1], status=e[3], split=split))
            if isinstance(e[1], str):
                given.add(e[1])
        del events, current
        changed += record(conn, changes, source, description, undoes, batch_id)[1]


def _whole(event: sqlite3.Row, first: dict[int, tuple], seen: set[int]) -> tuple:
    """``event`` (the newest of its image's, met first) as one event from the values
    before the image's oldest event of the batch (``first``) to what it left; noted in
    ``seen``, which leaves the image's older events out."""
    if event[0] not in first:
        return tuple(event)
    seen.add(event[0])
    label, status, split = first[event[0]]
    return (event[0], label, event[2], status, event[4], split, event[6], event[7])


_NO_ID = 2**63 - 1  # above every event id


def batch_source(db: Database, batch_id: int) -> str:
    """Who made batch ``batch_id`` as undo and redo choose it: a person
    (:data:`USER_SOURCES`, a label file they imported too) or an import."""
    with db.reading() as conn:
        sql = f"SELECT {undo_source(conn)} FROM label_batches b WHERE b.id = ?"
        [(source,)] = conn.execute(sql, (batch_id,)).fetchall()
    return str(source)


def batch_paths(db: Database, batch_id: int) -> list[str]:
    """The paths of the images batch ``batch_id`` changed."""
    rows = db.query(
        "SELECT DISTINCT i.path FROM label_events e JOIN images i ON i.id = e.image_id "
        "WHERE e.batch_id = ? ORDER BY i.path",
        (batch_id,),
    )
    return [str(r[0]) for r in rows]


def pending_size(
    db: Database, *, sources: Sequence[str] = USER_SOURCES, author: object = _ME
) -> int:
    """How many label events the next :func:`undo` by ``author`` would take back (0 when
    there is nothing to undo): the app runs a big undo in the background. Reads only."""
    who = current_user() if author is _ME else author
    with db.reading() as conn:
        try:
            row = _batch_to_undo(conn, None, sources, who)
        except NothingToUndoError:
            return 0
        count = conn.execute("SELECT COUNT(*) FROM label_events WHERE batch_id = ?", (row[0],))
        return int(count.fetchone()[0])


def pending_description(
    db: Database, *, sources: Sequence[str] = USER_SOURCES, author: object = _ME
) -> str | None:
    """What the next :func:`undo` by ``author`` would take back, as its batch was
    described ("label 1 as coat"), or None when there is nothing to undo. Reads only."""
    who = current_user() if author is _ME else author
    with db.reading() as conn:
        try:
            row = _batch_to_undo(conn, None, sources, who)
        except NothingToUndoError:
            return None
        return str(row[1] or "a change")


def still_as_left(state: tuple, event: sqlite3.Row) -> bool:
    """Is the image as the event left it? (Older events did not record splits.)
    ``event``: (image id, old label, new label, old status, new status, old split, new
    split)."""
    label, status, split = state
    return (label, status) == (event[2], event[4]) and (event[5] == event[6] or split == event[6])


def _batch_to_undo(
    conn: sqlite3.Connection, batch_id: int | None, sources: Sequence[str], who: object
) -> sqlite3.Row:
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


def _changed_later(conn: sqlite3.Connection, batch_id: int, ids: Sequence[int]) -> set[int]:
    """Images a later batch changed (even if it changed them back); a batch that was
    undone, and an undo, do not count: they took themselves back."""
    rows = conn.execute(
        "SELECT DISTINCT e.image_id FROM label_events e "
        "JOIN label_batches b ON b.id = e.batch_id WHERE e.batch_id > ? "
        "AND b.undoes IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM label_batches u WHERE u.undoes = b.id) "
        f"AND e.image_id {IN_LIST}",
        (batch_id, json_list(ids)),
    )
    return {r[0] for r in rows}


def _twins_to_avoid(conn: sqlite3.Connection, batch_id: int, labels: set[str]) -> dict[str, str]:
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


def _undo_class_events(
    conn: sqlite3.Connection, batch_id: int, twins: dict[str, str], undo_id: int, text: str
) -> tuple[
    list[str], list[str], list[str], list[int], list[tuple[str, str]], list[tuple[str, str]]
]:
    """Put back the classes a batch renamed or removed, and take away those it added
    (after its labels are back); not those of ``twins`` (see :func:`_twins_to_avoid`).
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
