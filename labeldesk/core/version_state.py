"""A dataset version's images rebuilt, and what changed between two states.

:func:`recorded_state` gives every image of a version as it was (path, content hash,
label, status, split), from its membership and the label events up to its label state;
``None`` gives the state now in the same shape, so "since v1", "v1 against v2" and "v1
against now" are one comparison (:func:`differences`; the diff itself: :mod:`.version_diff`).
:func:`items_at` adds where each image can be read today: an image moved since is read
from its new path (and keeps its path in the version, to be named by), one whose bytes
are gone (removed, rewritten, unreadable) is reported as missing with the reason, unless
a file with the very same content is still indexed.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from .db import Database
from .image_rows import USABLE
from .indexed_files import IndexedStat
from .labels import NEWEST_EVENT, state_rows, states_at
from .sql_lists import IN_LIST, json_list
from .versions import DatasetVersion
from .vocab import EFFECTIVE_SPLIT

if TYPE_CHECKING:
    import numpy as np


class Recorded(NamedTuple):
    """One image of a state: where it was, its content, and its label state."""

    path: str
    hash: str
    label: str | None
    status: str | None
    split: str | None  # effective: a labeled image without a split counts as train


@dataclass(frozen=True, slots=True)  # (slots: an export of a million images makes a million)
class ImageAt:
    """An image of a version, with where to read it now (``missing``: why it cannot be)."""

    image_id: int
    path: str  # where the file is now (as recorded when it is missing)
    hash: str
    label: str | None
    status: str | None
    split: str | None
    missing: str | None = None
    # The path the version names it by, when that is not ``path`` (it moved since): an
    # export of the version names the file as it was named then.
    recorded_path: str | None = None
    # (size, mtime_ns, ctime_ns) of the file at ``path`` when it was indexed with ``hash``
    # (ctime None: indexed before schema 13): a file that no longer matches them was
    # changed since, and its bytes may not be these
    indexed_stat: IndexedStat | None = None
    # A labeled image without a split of its own: ``split`` is the train it counts in
    # (an export writes it there, and its manifest says it had none)
    split_implied: bool = False

    @property
    def name_then(self) -> str:
        """The image's path as its state (the version, or now) names it."""
        return self.recorded_path if self.recorded_path is not None else self.path


def recorded_state(db: Database, version: DatasetVersion | None) -> dict[int, Recorded]:
    """Every image of ``version`` (None: usable in the folder now), by image id."""
    with db.snapshot() as conn:
        return dict(states(conn, version))


def current_items(db: Database) -> tuple[int, list[ImageAt]]:
    """The newest label event's id and every usable image now, in path order, read in
    one transaction (so the id names exactly the labels read)."""
    with db.snapshot() as conn:
        event = conn.execute(NEWEST_EVENT).fetchone()[0]
        rows = conn.execute(
            f"SELECT id, path, hash, label, status, {EFFECTIVE_SPLIT}, size, mtime_ns, "
            f"split IS NULL AND label IS NOT NULL, ctime_ns "
            f"FROM images WHERE {USABLE} AND hash IS NOT NULL ORDER BY path"
        ).fetchall()
    one = _OneCopy()
    return int(event), [
        ImageAt(
            int(r[0]),
            r[1],
            r[2],
            one(r[3]),
            one(r[4]),
            one(r[5]),
            indexed_stat=(int(r[6]), int(r[7]), r[9]),
            split_implied=bool(r[8]),
        )
        for r in rows
    ]


def current_labels(
    db: Database, wanted: Container[int]
) -> tuple[np.ndarray, dict[int, str | None]]:
    """The ids of every usable image now (those :func:`current_items` reads), as a sorted
    int64 array, and today's label of those of them in ``wanted``, by id: not a dict of
    a million images."""
    import numpy as np  # (here: `version list` and the command line's help need none)

    one = _OneCopy()
    ids = array("q")  # (8 bytes an image; a list of ints: 36)
    labels: dict[int, str | None] = {}
    with db.snapshot() as conn:
        for image_id, label in conn.execute(
            f"SELECT id, label FROM images WHERE {USABLE} AND hash IS NOT NULL ORDER BY id"
        ):
            ids.append(image_id)
            if image_id in wanted:
                labels[image_id] = one(label)
    return np.frombuffer(ids, np.int64), labels


class _OneCopy(dict[str | None, str | None]):
    """One string object for each of the few values a column repeats (labels, statuses,
    splits): SQLite gives a new one for every row, a million copies of "train"."""

    def __call__(self, value: str | None) -> str | None:
        return self.setdefault(value, value)


def current_ids(db: Database) -> dict[str, int]:
    """The id of every usable image (those :func:`current_items` reads), by its path."""
    rows = db.query(f"SELECT path, id FROM images WHERE {USABLE} AND hash IS NOT NULL")
    return {path: int(i) for path, i in rows}


def items_at(db: Database, version: DatasetVersion) -> list[ImageAt]:
    """The images of ``version`` with its labels, statuses and splits, in path order."""
    items: list[ImageAt] = []
    lost: list[int] = []  # where in ``items`` the images whose bytes are gone are
    same_bytes: dict[str, tuple[str, IndexedStat]] = {}  # hash: a usable path, its stat
    with db.snapshot() as conn:
        rows = state_rows(conn, version.label_event_id, version.membership_id)
        one = _OneCopy()
        for image_id, path, content, label, status, split, *now in rows:
            now_path, now_hash, problem, size, mtime, ctime = now
            implied = split is None and label is not None
            split = "train" if implied else split  # (a labeled image without one)
            label, status, split = one(label), one(status), one(split)
            why = _why_missing(None if now_path is None else (now_path, now_hash, problem), content)
            if why is None:  # read from where it is now, named as the version names it
                named = path if path != now_path else None
                stat = (int(size), int(mtime), ctime)
                items.append(
                    ImageAt(int(image_id), now_path, content, label, status, split, None,
                            named, stat, split_implied=implied)
                )  # fmt: skip
            else:
                lost.append(len(items))
                items.append(
                    ImageAt(int(image_id), path, content, label, status, split, why,
                            split_implied=implied)
                )  # fmt: skip
        if lost:
            for path, content, size, mtime, ctime in conn.execute(
                f"SELECT path, hash, size, mtime_ns, ctime_ns FROM images WHERE {USABLE} "
                f"AND hash {IN_LIST} ORDER BY path",
                (json_list(sorted({items[k].hash for k in lost})),),
            ):
                same_bytes.setdefault(content, (path, (int(size), int(mtime), ctime)))
    for k in lost:  # the same bytes still indexed under another name: read from there
        item = items[k]
        if item.hash in same_bytes:
            path, stat = same_bytes[item.hash]
            named = item.path if item.path != path else None
            items[k] = replace(item, path=path, missing=None, recorded_path=named,
                               indexed_stat=stat)  # fmt: skip
    items.sort(key=lambda item: item.path)
    return items


def _why_missing(now: tuple[str, str | None, str | None] | None, content: str) -> str | None:
    if now is None:
        return "no longer indexed"
    _, current_hash, problem = now
    if problem:
        return problem if problem.startswith("removed") else f"unreadable now: {problem}"
    if current_hash != content:
        return "its content changed since the version"
    return None


# the batches that renamed a class, or undid such a rename: their label events move
# label texts, not classes
_RENAME_BATCHES = (
    "SELECT batch_id FROM class_events WHERE op = 'rename' UNION "
    "SELECT u.id FROM label_batches u JOIN class_events c ON c.batch_id = u.undoes "
    "WHERE c.op = 'rename'"
)


def relabeled_since(db: Database, version: DatasetVersion) -> set[int]:
    """Images given another label after ``version`` by anything but a class rename (or
    the undoing of one): a person, an import, a merge. A review status or a split
    changed is not a relabel."""
    return _relabeled_between(db, version.label_event_id, None)


def _relabeled_between(db: Database, after: int, until: int | None) -> set[int]:
    """Images relabeled (not by a class rename) by a label event after ``after`` and up
    to ``until`` (None: the newest)."""
    with db.snapshot() as conn:
        return set(relabeled_ids(conn, after, until))


def relabeled_ids(conn: sqlite3.Connection, after: int, until: int | None) -> Iterator[int]:
    """:func:`_relabeled_between`'s images in id order, read a row at a time."""
    for (image_id,) in conn.execute(
        "SELECT DISTINCT image_id FROM label_events WHERE id > ? AND id <= ? "
        "AND old_label IS NOT new_label "
        f"AND batch_id NOT IN ({_RENAME_BATCHES}) ORDER BY image_id",
        (after, until if until is not None else 2**62),
    ):
        yield int(image_id)


def renamed_label(db: Database, version: DatasetVersion) -> Callable[[str | None], str | None]:
    """A label of ``version`` under the name its class has now: the renames made since
    (and not undone), and the undoing since of renames made before it (a rename back),
    in order. A merge is not a rename: its images changed class."""
    cutoff = "(SELECT COALESCE(MAX(batch_id), 0) FROM label_events WHERE id <= ?)"
    steps = db.query(
        # renames after the version that stand
        "SELECT e.batch_id, e.id, e.name, e.target FROM class_events e "
        f"WHERE e.op = 'rename' AND e.batch_id > {cutoff} "
        "AND NOT EXISTS (SELECT 1 FROM label_batches u WHERE u.undoes = e.batch_id) "
        "UNION ALL "
        # renames before it, undone after it: target back to name
        "SELECT u.id, e.id, e.target, e.name FROM class_events e "
        "JOIN label_batches u ON u.undoes = e.batch_id "
        f"WHERE e.op = 'rename' AND e.batch_id <= {cutoff} AND u.id > {cutoff} "
        "ORDER BY 1, 2",
        (version.label_event_id,) * 3,
    )
    renames = [(str(old), str(new)) for _, _, old, new in steps]

    def renamed(label: str | None) -> str | None:
        for old, new in renames:
            if label == old:
                label = new
        return label

    return renamed


def states(
    conn: sqlite3.Connection, version: DatasetVersion | None
) -> Iterator[tuple[int, Recorded]]:
    """(image id, :class:`Recorded`) of every image of ``version`` (None: usable in the
    folder now), in image id order, read a row at a time."""
    if version is None:
        for r in conn.execute(
            f"SELECT id, path, hash, label, status, {EFFECTIVE_SPLIT} FROM images "
            f"WHERE {USABLE} AND hash IS NOT NULL ORDER BY id"
        ):
            yield int(r[0]), Recorded(r[1], r[2], r[3], r[4], r[5])
        return
    for image_id, path, content, label, status, split in states_at(
        conn, version.label_event_id, version.membership_id
    ):
        assert content is not None  # (a version's images all have one)
        if split is None and label is not None:
            split = "train"  # (a labeled image without a split counts as train)
        yield image_id, Recorded(path, content, label, status, split)


def differences(
    before: Iterator[tuple[int, Recorded]], after: Iterator[tuple[int, Recorded]]
) -> Iterator[tuple[int, Recorded | None, Recorded | None]]:
    """(id, before, after) of the images that differ (None: not in that state), from two
    states in image id order."""
    x, y = next(before, None), next(after, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x[0] < y[0]):
            assert x is not None
            yield x[0], x[1], None
            x = next(before, None)
        elif x is None or y[0] < x[0]:
            yield y[0], None, y[1]
            y = next(after, None)
        else:
            if x[1] != y[1]:
                yield x[0], x[1], y[1]
            x, y = next(before, None), next(after, None)
