"""Renaming, merging and removing classes: each one undoable batch in the label history.

The images' label changes are ordinary label events; the change to the class list is a
``class_events`` row in the same batch, so undoing the batch puts both back.

A rename or a merge keeps each image's review status: a person chose to call the class
something else (or to fold it into another), the images did not change, so the work of
verifying them is not thrown away. Removing a class leaves its images unlabeled, and a
"verified" mark on no label means nothing, so a removal clears it (as any label change does).
"""

from __future__ import annotations

import sqlite3

from . import classes as class_table
from .class_events import record_event, record_rename
from .db import Database
from .display import quoted_names
from .errors import CaseTwinError, ClassExistsError, UnknownClassError
from .labels import KEEP, Change, new_batch, record


def rename_class(db: Database, old: str, new: str, *, source: str = "human") -> int:
    """Rename class ``old`` to ``new`` (which must not exist: that is a merge)."""
    with db.write() as conn:
        old = class_table.require_class(conn, old)
        new = class_table.canonical_name(conn, new)  # a class's spelling, or a new NFC name
        if new == old:
            raise UnknownClassError(f"class {old!r} already has that name")
        if class_table.class_exists(conn, new):
            raise ClassExistsError(
                f"there is a class {new!r} already; to put {old!r}'s images into it, "
                f"merge the classes instead"
            )
        twin = class_table.class_index(conn).twin(new)
        if twin is not None and twin != old:  # (``bag`` may become ``Bag``)
            raise CaseTwinError(
                f"cannot rename {old!r} to {new!r}: it differs from the class {twin!r} only "
                f"in case; to put {old!r}'s images into {twin!r}, merge the classes instead"
            )
        batch = new_batch(
            conn, source, f"rename class {quoted_names([old])} to {quoted_names([new])}"
        )
        record_rename(conn, batch, old, new)
        class_table.rename_in_table(conn, old, new)
        _relabel(conn, batch, source, old, new, keep_status=True)
    return batch


def merge_classes(db: Database, source_class: str, into: str, *, source: str = "human") -> int:
    """Give every image of ``source_class`` the label ``into`` and remove ``source_class``."""
    with db.write() as conn:
        source_class = class_table.require_class(conn, source_class)
        into = class_table.require_class(conn, into)
        if source_class == into:
            raise UnknownClassError("merge needs two different classes")
        batch = new_batch(
            conn, source, f"merge class {quoted_names([source_class])} into {quoted_names([into])}"
        )
        record_event(conn, batch, "remove", source_class, into)
        _relabel(conn, batch, source, source_class, into, keep_status=True)
        class_table.delete_from_table(conn, source_class, alias_to=into)
    return batch


def remove_class(db: Database, name: str, *, source: str = "human") -> int:
    """Remove class ``name``; its images become unlabeled."""
    with db.write() as conn:
        name = class_table.require_class(conn, name)
        batch = new_batch(conn, source, f"remove class {quoted_names([name])}")
        record_event(conn, batch, "remove", name, None)
        _relabel(conn, batch, source, name, None, keep_status=False)
        class_table.delete_from_table(conn, name, alias_to=None)
    return batch


def _relabel(
    conn: sqlite3.Connection,
    batch: int,
    source: str,
    old: str,
    new: str | None,
    *,
    keep_status: bool,
) -> None:
    """Label ``old``'s images ``new``; ``keep_status`` passes each image's status through
    (a plain label change would clear "verified")."""
    rows = conn.execute("SELECT id, status FROM images WHERE label = ?", (old,)).fetchall()
    changes = [Change(i, label=new, status=s if keep_status else KEEP) for i, s in rows]
    record(conn, changes, source, "", batch_id=batch)
