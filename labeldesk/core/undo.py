"""Undo: take back one batch of label events, and any class it renamed, removed or added.

A person's undo takes back their own newest batch, never someone else's: batches are
matched by author, and an image that a later batch changed again is left as it is.
An undo is a batch of its own (source ``undo``, ``undoes`` naming the batch); it is not
undone itself but redone (:mod:`labeldesk.core.redo`), which makes the change again as
a new batch that undo takes back like any other.

Here: what an undo did and how its message reads, and the undo itself. Which batch it
takes is :mod:`.undo_batches`'s to say; its label events are taken back by
:mod:`.take_back` (as redo's are) and its class events by :mod:`.undo_classes`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from . import classes as class_table
from .changes import UNDO, Changes
from .class_events import record_added
from .classes import add_classes, class_names
from .db import Database
from .display import case_twin_note, counted, named_classes, quoted_names
from .errors import NothingToUndoError
from .labels import USER_SOURCES, current_user, new_batch, undo_source
from .sql_lists import IN_LIST, json_list
from .take_back import old_labels, take_back
from .undo_batches import batch_to_undo
from .undo_classes import names_taken, twins_to_avoid, undo_class_events

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
    """The note on renames an undo left (:func:`.undo_classes.names_taken`): "" when none."""
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
        row = batch_to_undo(conn, batch_id, sources, who)
        twins = twins_to_avoid(conn, row[0], old_labels(conn, row[0]))
        taken = names_taken(conn, row[0])
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
        restored, removed, kept_classes, moved, renamed, split = undo_class_events(
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
            row = batch_to_undo(conn, None, sources, who)
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
            row = batch_to_undo(conn, None, sources, who)
        except NothingToUndoError:
            return None
        return str(row[1] or "a change")


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
