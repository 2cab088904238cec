"""Noticing writes another process made to an open project (``labeldesk label`` in a
terminal while the app shows the project).

SQLite's ``PRAGMA data_version`` on a connection changes only when *another* connection
commits, so the writer connection of this process tells "someone else wrote" apart from
its own writes for free. Other connections also commit work no view shows (a child
process saving embeddings every batch), so a change counts only when what browsing shows
moved on: a new label batch (labels, statuses, splits, class edits, undo), a finished
scan, or the class list itself. Reading those is a few index lookups.
"""

from __future__ import annotations

from .db import Database

_SHOWN = (
    "SELECT (SELECT MAX(id) FROM label_batches), (SELECT MAX(id) FROM scans), "
    "(SELECT group_concat(name, char(31)) FROM (SELECT name FROM classes ORDER BY position))"
)


class OutsideWrites:
    """Polled (on the GUI's timer): :meth:`poll` is True once per batch of changes that
    other processes made to what the browser shows since the last poll."""

    def __init__(self, db: Database):
        self.db = db
        self._shown = self._read_shown()
        self._version = db.data_version()

    def _read_shown(self) -> tuple[object, ...]:
        return tuple(self.db.query(_SHOWN)[0])

    def poll(self) -> bool:
        """Did another process change what the browser shows since the last call?"""
        shown = self._read_shown()  # first: it can only hold this process's writes if…
        version = self.db.data_version()
        if version is None:  # this process is writing: look again next time
            return False
        if version == self._version:  # …nobody else has committed since (read after)
            self._shown = shown  # this process's own writes: its views know them
            return False
        known, self._version = self._version is not None, version
        shown = self._read_shown()  # everything committed up to ``version``
        changed, self._shown = known and shown != self._shown, shown
        return changed
