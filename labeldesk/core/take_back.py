"""Taking a batch's label events back: each image given the values it had before the
batch, unless someone changed it since. Undo takes back a batch this way, and redo the
undo it makes again; both read, judge and write :data:`CHUNK` events at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from .labels import KEEP, Change, current_state, record

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


def still_as_left(state: tuple, event: sqlite3.Row) -> bool:
    """Is the image as the event left it? (Older events did not record splits.)
    ``event``: (image id, old label, new label, old status, new status, old split, new
    split)."""
    label, status, split = state
    return (label, status) == (event[2], event[4]) and (event[5] == event[6] or split == event[6])
