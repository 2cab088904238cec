"""Redo: make again the change an undo took back, as a new batch that undo takes back.

Redo works as in a text editor. It offers the person's own undos, newest first, made
since their last change: a new change of theirs (a label, a review decision, a class
edit) starts afresh, and what they undid before it is no longer offered. A redo is not a
new change in that sense: after two undos, two redos make both changes again.

An undo is not undone; it is redone. The redo is a batch of its own with the source of
the batch it makes again (the ``redos`` table pairs it with the undo, so that undo is not
offered twice), and it records its label events and class events as any edit does. So
an undo takes the redo back like any other change, and a redo of that undo makes it
again, as often as asked. As with undo, an image that someone else changed after the
undo keeps their value (``kept`` counts it), and a class is not removed again while an
image carries its name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from . import classes as class_table
from .changes import REDO, Changes
from .class_events import record_added
from .db import Database
from .display import counted, named_classes
from .errors import NothingToRedoError
from .labels import (
    USER_SOURCES,
    batch_file,
    current_user,
    new_batch,
    undo_source,
)
from .redo_classes import (
    classes_after_labels,
    classes_before_labels,
    classes_the_undo_revived,
    follow_renames,
    twins_to_avoid,
)
from .sql_lists import IN_LIST, json_list
from .take_back import old_labels, take_back
from .undo import left_alone_note
from .undo_batches import undos_and_redos

_ME = object()  # "the current user" (see current_user)


@dataclass(frozen=True, kw_only=True)
class Redone(Changes):
    """What a redo made again: a :class:`Changes` of kind ``redo`` whose ``batch_id`` is
    the new batch (what the next undo takes back) and ``image_ids`` the images changed."""

    kind: str = REDO
    undo_batch_id: int  # the undo taken back
    redone_batch_id: int  # the batch whose change is made again
    description: str
    kept: int = 0  # images changed since the undo by someone else, left as they are
    classes_back: tuple[str, ...] = ()  # added again
    classes_renamed: tuple[tuple[str, str], ...] = ()  # (old, new): renamed again
    classes_gone: tuple[str, ...] = ()  # removed or merged again
    classes_kept: tuple[str, ...] = ()  # not removed again: still in use
    case_twins: tuple[tuple[str, str], ...] = ()  # (class not made again, its case twin)
    # The undo taken back had changed nothing (each image changed again since, left as
    # it was): nothing to make again, which the summary says rather than "0 images".
    undo_changed_nothing: bool = False

    @property
    def events(self) -> int:
        return len(self.image_ids)

    def summary(self) -> str:
        text = f"Redid “{self.description or f'batch {self.redone_batch_id}'}”"
        parts = []
        if self.events or not (self.classes_back or self.classes_renamed or self.classes_gone):
            parts.append(f"{counted(self.events, 'image')} changed again")
        if self.classes_back:
            parts.append(f"{named_classes(self.classes_back)} back")
        parts += [f"{old!r} renamed to {new!r} again" for old, new in self.classes_renamed]
        if self.classes_gone:
            parts.append(f"{named_classes(self.classes_gone)} gone again")
        text += ": " + ", ".join(parts)
        if self.undo_changed_nothing and not (self.events or self.kept or self.classes_changed):
            text += (
                " (nothing to make again: that undo had changed nothing, as every image of it "
                "had been changed again since)"
            )
        return text + left_alone_note(
            self.classes_kept, self.case_twins, self.kept, "changed by someone else since"
        )


def redo(db: Database, *, sources: Sequence[str] = USER_SOURCES, author: object = _ME) -> Redone:
    """Take back the newest undo by ``author`` (default: the current user) made since
    their last change, of a batch from ``sources``: its change is made again, as a new
    batch of the undone batch's source and description."""
    who = current_user() if author is _ME else author
    with db.write() as conn:
        undo_id, batch_id, description, source = _undo_to_redo(conn, sources, who)
        twins = twins_to_avoid(conn, batch_id, old_labels(conn, undo_id))
        # (an imported file's batch made again is the person's own still)
        redo_id = new_batch(conn, source, description, file=batch_file(conn, batch_id))
        conn.execute("INSERT INTO redos(batch_id, undo_id) VALUES (?, ?)", (redo_id, undo_id))
        back, renamed, after = classes_before_labels(conn, redo_id, batch_id, undo_id, twins)
        # (class events only: the images' labels are as they were, so judged as before)
        changed, kept, given = take_back(
            conn,
            undo_id,
            lambda ids: _changed_later(conn, undo_id, ids, who),
            twins,
            redo_id,
            source,
            description,
        )
        changed += follow_renames(conn, redo_id, source, description, renamed)
        # A label given again whose class is gone (removed since) brings the class back;
        # recorded, so that undoing this redo takes it away again.
        before = class_table.aliases(conn)
        revived = class_table.add_classes(
            conn,
            sorted(given - set(class_table.class_names(conn))),
            explicit=False,
            as_given=True,
        )
        record_added(conn, redo_id, revived, before)
        removed, kept_classes = classes_after_labels(conn, redo_id, after)
        merged = conn.execute(  # (a class merged again into one there is)
            "SELECT name, target FROM class_events WHERE batch_id = ? AND op = 'remove' "
            "AND target IS NOT NULL ORDER BY id",
            (redo_id,),
        ).fetchall()
        undid_nothing = _changed_nothing(conn, undo_id)
        gone, still_used = classes_the_undo_revived(conn, redo_id, undo_id)
        removed += gone
        kept_classes += still_used
    return Redone(
        batch_id=redo_id,
        undo_batch_id=undo_id,
        redone_batch_id=batch_id,
        description=description,
        image_ids=tuple(changed),
        classes_changed=bool(back or renamed or revived or removed),
        renamed=tuple(renamed) if not (back or revived or removed or after) else (),
        merged=tuple((str(a), str(b)) for a, b in merged),
        kept=kept,
        classes_back=tuple(back + revived),
        classes_renamed=tuple(renamed),
        classes_gone=tuple(removed),
        classes_kept=tuple(kept_classes),
        case_twins=tuple(twins.items()),
        undo_changed_nothing=undid_nothing,
    )


def _changed_nothing(conn: sqlite3.Connection, undo_id: int) -> bool:
    """Whether the undo ``undo_id`` changed no label and no class."""
    found = conn.execute(
        "SELECT 1 FROM label_events WHERE batch_id = ? UNION ALL "
        "SELECT 1 FROM class_events WHERE batch_id = ? LIMIT 1",
        (undo_id, undo_id),
    ).fetchone()
    return found is None


def pending_redo_size(
    db: Database, *, sources: Sequence[str] = USER_SOURCES, author: object = _ME
) -> int:
    """How many images the next :func:`redo` by ``author`` would change (0 when there is
    nothing to redo): the label events it makes again, and the images a class rename it
    makes again renames beside them (:func:`follow_renames`). The app runs a big redo
    in the background. Reads only: a few counts."""
    who = current_user() if author is _ME else author
    with db.reading() as conn:
        try:
            undo_id, batch_id = _undo_to_redo(conn, sources, who)[:2]
        except NothingToRedoError:
            return 0
        count = conn.execute("SELECT COUNT(*) FROM label_events WHERE batch_id = ?", (undo_id,))
        return int(count.fetchone()[0]) + _rename_followers(conn, undo_id, batch_id)


def _rename_followers(conn: sqlite3.Connection, undo_id: int, batch_id: int) -> int:
    """About how many images a redo of batch ``batch_id`` (undone by ``undo_id``) gives a
    renamed class's new name beyond its label events: those carrying the old name now,
    less those the undo's own events gave it (counted with the events). Counts only,
    on the label index."""
    total = 0
    for (old,) in conn.execute(
        "SELECT DISTINCT name FROM class_events WHERE batch_id = ? AND op = 'rename'",
        (batch_id,),
    ).fetchall():
        carrying = conn.execute("SELECT COUNT(*) FROM images WHERE label = ?", (old,))
        given = conn.execute(
            "SELECT COUNT(*) FROM label_events WHERE batch_id = ? AND new_label = ?",
            (undo_id, old),
        )
        total += max(0, int(carrying.fetchone()[0]) - int(given.fetchone()[0]))
    return total


def pending_redo_description(
    db: Database, *, sources: Sequence[str] = USER_SOURCES, author: object = _ME
) -> str | None:
    """What the next :func:`redo` by ``author`` would make again, as its batch was
    described ("label 1 as coat"), or None when there is nothing to redo. Reads only."""
    who = current_user() if author is _ME else author
    with db.reading() as conn:
        try:
            return str(_undo_to_redo(conn, sources, who)[2] or "a change")
        except NothingToRedoError:
            return None


def standing_batch(db: Database, batch_id: int) -> int | None:
    """The batch that holds ``batch_id``'s change now: itself while it is not undone;
    once undone, the redo that made it again (followed through later undos and redos);
    None while it stays undone. Reads only."""
    with db.reading() as conn:
        steps = undos_and_redos(conn, batch_id)
    return steps[-1][1] if steps else batch_id


def pending_redo_batch(
    db: Database, *, sources: Sequence[str] = USER_SOURCES, author: object = _ME
) -> int | None:
    """The batch the next :func:`redo` by ``author`` would make again, or None when there
    is nothing to redo (a review's redo checks it is its own undo). Reads only."""
    who = current_user() if author is _ME else author
    with db.reading() as conn:
        try:
            return _undo_to_redo(conn, sources, who)[1]
        except NothingToRedoError:
            return None


def _undo_to_redo(
    conn: sqlite3.Connection, sources: Sequence[str], who: object
) -> tuple[int, int, str, str]:
    """(undo id, the batch it undid, that batch's description and source) of the newest
    undo by ``who`` since their last change, not redone yet, of a batch from ``sources``."""
    last_change = conn.execute(
        "SELECT b.id FROM label_batches b WHERE b.author IS ? "
        f"AND {undo_source(conn)} {IN_LIST} "
        "AND NOT EXISTS (SELECT 1 FROM redos r WHERE r.batch_id = b.id) "
        "ORDER BY b.id DESC LIMIT 1",
        (who, json_list(USER_SOURCES)),
    ).fetchone()
    row = conn.execute(
        "SELECT u.id, b.id, b.description, b.source FROM label_batches u "
        "JOIN label_batches b ON b.id = u.undoes "
        f"WHERE u.author IS ? AND u.id > ? AND {undo_source(conn)} {IN_LIST} "
        "AND NOT EXISTS (SELECT 1 FROM redos r WHERE r.undo_id = u.id) "
        "ORDER BY u.id DESC LIMIT 1",
        (who, last_change[0] if last_change else 0, json_list(sources)),
    ).fetchone()
    if row is None:
        mine = f" for {who}" if who else ""
        raise NothingToRedoError(f"nothing to redo{mine}")
    return int(row[0]), int(row[1]), str(row[2]), str(row[3])


def _changed_later(
    conn: sqlite3.Connection, undo_id: int, ids: Sequence[int], who: object
) -> set[int]:
    """Images a batch after undo ``undo_id`` changed (even if it changed them back),
    other than undos, batches undone since, and ``who``'s own redos (the redo history
    being walked: after two undos, the first redo changes what the second redoes).
    Not undo's ``_changed_later``, which counts every redo as a later change: given that
    one, a redo after two undos takes the first redo's image for someone else's change
    (test_redos_walk_forward_through_the_undos_newest_first fails)."""
    rows = conn.execute(
        "SELECT DISTINCT e.image_id FROM label_events e "
        "JOIN label_batches b ON b.id = e.batch_id WHERE e.batch_id > ? "
        "AND b.undoes IS NULL "
        "AND NOT (b.author IS ? AND EXISTS (SELECT 1 FROM redos r WHERE r.batch_id = b.id)) "
        "AND NOT EXISTS (SELECT 1 FROM label_batches u WHERE u.undoes = b.id) "
        f"AND e.image_id {IN_LIST}",
        (undo_id, who, json_list(ids)),
    )
    return {r[0] for r in rows}
