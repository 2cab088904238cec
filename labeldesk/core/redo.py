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

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from . import classes as class_table
from .changes import REDO, Changes
from .class_events import record_added, record_event, record_rename, undo_add
from .db import Database
from .display import counted, named_classes
from .errors import NothingToRedoError
from .labels import (
    USER_SOURCES,
    Change,
    batch_file,
    current_user,
    new_batch,
    record,
    undo_source,
)
from .sql_lists import IN_LIST, json_list
from .take_back import old_labels, take_back
from .undo import left_alone_note
from .undo_batches import undos_and_redos
from .undo_classes import label_in_use

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
        twins = _twins_to_avoid(conn, batch_id, old_labels(conn, undo_id))
        # (an imported file's batch made again is the person's own still)
        redo_id = new_batch(conn, source, description, file=batch_file(conn, batch_id))
        conn.execute("INSERT INTO redos(batch_id, undo_id) VALUES (?, ?)", (redo_id, undo_id))
        back, renamed, after = _classes_before_labels(conn, redo_id, batch_id, undo_id, twins)
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
        changed += _follow_renames(conn, redo_id, source, description, renamed)
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
        removed, kept_classes = _classes_after_labels(conn, redo_id, after)
        merged = conn.execute(  # (a class merged again into one there is)
            "SELECT name, target FROM class_events WHERE batch_id = ? AND op = 'remove' "
            "AND target IS NOT NULL ORDER BY id",
            (redo_id,),
        ).fetchall()
        undid_nothing = _changed_nothing(conn, undo_id)
        gone, still_used = _classes_the_undo_revived(conn, redo_id, undo_id)
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
    makes again renames beside them (:func:`_follow_renames`). The app runs a big redo
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


def _twins_to_avoid(conn: sqlite3.Connection, batch_id: int, labels: set[str]) -> dict[str, str]:
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


def _classes_before_labels(
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


def _follow_renames(
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


def _classes_after_labels(
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


def _classes_the_undo_revived(
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
