"""A dataset version's images rebuilt, and what changed between two states.

:func:`recorded_state` gives every image of a version as it was (path, content hash,
label, status, split), from its membership and the label events up to its label state;
``None`` gives the state now in the same shape, so "since v1", "v1 against v2" and "v1
against now" are one comparison (:func:`diff`, :func:`differences`).
:func:`items_at` adds where each image can be read today: an image moved since is read
from its new path (and keeps its path in the version, to be named by), one whose bytes
are gone (removed, rewritten, unreadable) is reported as missing with the reason, unless
a file with the very same content is still indexed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from .db import Database
from .display import counted, quoted_names, shown_path
from .image_rows import USABLE
from .imageio import IndexedStat
from .labels import NEWEST_EVENT, state_rows, states_at
from .sql_lists import IN_LIST, json_list
from .versions import CURRENT, DatasetVersion
from .vocab import EFFECTIVE_SPLIT, EXCLUDED, VERIFIED


class Recorded(NamedTuple):
    """One image of a state: where it was, its content, and its label state."""

    path: str
    hash: str
    label: str | None
    status: str | None
    split: str | None  # effective: a labeled image without a split counts as train


@dataclass(frozen=True)
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
    return int(event), [
        ImageAt(
            int(r[0]),
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            indexed_stat=(int(r[6]), int(r[7]), r[9]),
            split_implied=bool(r[8]),
        )
        for r in rows
    ]


def current_labels(db: Database) -> dict[int, str | None]:
    """Today's label of every usable image (those :func:`current_items` reads), by id."""
    rows = db.query(f"SELECT id, label FROM images WHERE {USABLE} AND hash IS NOT NULL")
    return {int(i): label for i, label in rows}


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
        for image_id, path, content, label, status, split, *now in rows:
            now_path, now_hash, problem, size, mtime, ctime = now
            implied = split is None and label is not None
            split = "train" if implied else split  # (a labeled image without one)
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
    return {
        int(r[0])
        for r in db.query(
            "SELECT DISTINCT image_id FROM label_events WHERE id > ? AND id <= ? "
            "AND old_label IS NOT new_label "
            f"AND batch_id NOT IN ({_RENAME_BATCHES})",
            (after, until if until is not None else 2**62),
        )
    }


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


@dataclass
class VersionDiff:
    """What changed from state ``a`` to state ``b``; each list of ``{"path", ...}`` rows
    is in path order, paths as ``b`` has them (as ``a`` had them for removed images)."""

    a: str
    b: str
    labels_changed: list[dict[str, Any]] = field(default_factory=list)  # path, old, new
    # a class renamed in between: its images' label text changed, not their class
    classes_renamed: list[dict[str, Any]] = field(default_factory=list)  # old, new, images
    splits_changed: list[dict[str, Any]] = field(default_factory=list)  # path, old, new
    added: list[dict[str, Any]] = field(default_factory=list)  # path, label
    removed: list[dict[str, Any]] = field(default_factory=list)  # path, label
    # renamed or moved to another folder in between (same bytes or not): a copy of ``a``
    # holds it under ``old_path``
    moved: list[dict[str, Any]] = field(default_factory=list)  # path, old_path
    excluded: list[dict[str, Any]] = field(default_factory=list)  # path, label
    included: list[dict[str, Any]] = field(default_factory=list)  # path, label (re-included)
    content_changed: list[dict[str, Any]] = field(default_factory=list)  # path
    verified: list[dict[str, Any]] = field(default_factory=list)  # path, label
    unverified: list[dict[str, Any]] = field(default_factory=list)  # path, label

    KINDS = (
        "labels_changed", "classes_renamed", "splits_changed", "added", "removed", "moved",
        "excluded", "included", "verified", "unverified", "content_changed",
    )  # fmt: skip

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in self.KINDS}

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "counts": self.counts()} | {
            kind: getattr(self, kind) for kind in self.KINDS
        }

    def to_text(self, limit: int = 20, *, arrow: str = "->") -> str:
        """The comparison in lines; ``arrow`` joins the old and the new (the command line
        keeps ASCII ``->``, the app writes ``→`` as it does everywhere else)."""
        counts = self.counts()
        if not any(counts.values()):
            return f"{self.a} {arrow} {self.b}: no differences"
        lines = [f"{self.a} {arrow} {self.b}: " + ", ".join(
            f"{n:,} {_kind_text(kind, n)}" for kind, n in counts.items() if n
        )]  # fmt: skip
        for kind in self.KINDS:
            rows = getattr(self, kind)
            if rows:
                lines.append(f"{kind.replace('_', ' ')}:")
                lines += [f"  {_describe(row, arrow)}" for row in rows[:limit]]
                if len(rows) > limit:
                    lines.append(f"  … and {len(rows) - limit:,} more (--json lists all)")
        return "\n".join(lines)


def _kind_text(kind: str, n: int) -> str:
    """The kind in words: 'labels changed', or 'label changed' for one."""
    text = kind.replace("_", " ")
    if n == 1:
        for many, one in (("labels ", "label "), ("splits ", "split "), ("classes ", "class ")):
            text = text.replace(many, one)
    return text


def _describe(row: dict[str, Any], arrow: str) -> str:
    if "images" in row:
        names = f"{quoted_names([row['old']])} {arrow} {quoted_names([row['new']])}"
        return f"{names} ({counted(row['images'], 'image')})"
    if "new" in row:
        old, new = row["old"] or "(none)", row["new"] or "(none)"
        return f"{shown_path(row['path'])}: {old} {arrow} {new}"
    if "old_path" in row:
        return f"{shown_path(row['old_path'])} {arrow} {shown_path(row['path'])}"
    if "label" in row:
        return f"{shown_path(row['path'])} ({row['label'] or 'unlabeled'})"
    return shown_path(str(row["path"]))


def diff(db: Database, a: DatasetVersion | None, b: DatasetVersion | None) -> VersionDiff:
    """Labels and splits changed, classes renamed, images added, removed, moved (renamed),
    excluded (and re-included), verified (or no longer) and files whose content changed,
    from ``a`` to ``b`` (None: the state now). A label that differs only because its class
    was renamed in between counts under ``classes_renamed`` (once per rename), not as a
    relabel."""
    out = VersionDiff(a.name if a else CURRENT, b.name if b else CURRENT)
    # Only the images that differ are held (a million-image diff read both states whole):
    # both states read in image id order, side by side, in one transaction.
    with db.snapshot() as conn:
        newest = int(conn.execute(NEWEST_EVENT).fetchone()[0])
        differing = list(differences(states(conn, a), states(conn, b)))
    ends = sorted(v.label_event_id if v else newest for v in (a, b))
    relabeled = _relabeled_between(db, ends[0], ends[1])
    renamed: dict[tuple[str | None, str | None], int] = {}
    differing.sort(key=_path_now)  # (stable: in id order within a path)
    for k, (i, old, new) in enumerate(differing):
        differing[k] = _DONE  # (let its old state go once listed: the lists are the output)
        if old is None and new is not None:
            out.added.append({"path": new.path, "label": new.label})
        elif new is None and old is not None:
            out.removed.append({"path": old.path, "label": old.label})
        elif old is not None and new is not None:
            if old.label != new.label and i not in relabeled:
                renamed[(old.label, new.label)] = renamed.get((old.label, new.label), 0) + 1
            elif old.label != new.label:
                out.labels_changed.append({"path": new.path, "old": old.label, "new": new.label})
            if old.path != new.path:
                out.moved.append({"path": new.path, "old_path": old.path})
            if old.split != new.split:
                out.splits_changed.append({"path": new.path, "old": old.split, "new": new.split})
            if (old.status == EXCLUDED) != (new.status == EXCLUDED):
                rows = out.excluded if new.status == EXCLUDED else out.included
                rows.append({"path": new.path, "label": new.label})
            if (old.status == VERIFIED) != (new.status == VERIFIED):
                rows = out.verified if new.status == VERIFIED else out.unverified
                rows.append({"path": new.path, "label": new.label})
            if old.hash != new.hash:
                out.content_changed.append({"path": new.path})
    out.classes_renamed = [
        {"old": old, "new": new, "images": n} for (old, new), n in sorted(renamed.items(), key=str)
    ]
    return out


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


_DONE: tuple[int, Recorded | None, Recorded | None] = (0, None, None)


def _path_now(row: tuple[int, Recorded | None, Recorded | None]) -> str:
    """The path an image that differs is listed by: its path in the later state, else
    (removed) in the earlier."""
    state = row[2] or row[1]
    assert state is not None
    return state.path
