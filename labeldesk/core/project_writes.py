"""The writes of a :class:`~labeldesk.core.project.Project`: classes, labels, statuses,
splits, undo and redo, each one batch in the label history that returns (and publishes on
``project.events``) the :class:`~labeldesk.core.changes.Changes` it made.

A mixin only to keep ``project.py`` about opening, folders and reading; every method is
part of ``Project``'s public API.
"""

from __future__ import annotations

import numbers
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import changes
from . import classes as class_table
from . import labels as label_store
from . import redo as redo_store
from . import undo as undo_store
from .batch_counts import BatchCounts
from .changes import Changes, ProjectEvents
from .class_colours import colour_slots
from .class_events import ClassEvent, class_history, names_moved, record_added
from .db import Database
from .display import quoted_names, shown_path
from .errors import BadArgument, ImageMovedError, UnknownPathError
from .layout import SPLITS
from .root_paths import stored_spelling
from .vocab import STATUS_CHOICES, VERIFIED


class ProjectWrites:
    db: Database
    events: ProjectEvents
    root: Path

    if TYPE_CHECKING:  # defined by Project

        def ids_for(self, paths: Iterable[str | os.PathLike[str]]) -> dict[Any, int]: ...

        def batch_image_ids(self, batch_id: int) -> list[int]: ...

        def _row(self, rel: str | os.PathLike[str]) -> sqlite3.Row: ...

    # -- classes and labels ----------------------------------------------------------
    def classes(self) -> list[str]:
        # One SELECT is consistent on its own; no write lock, so a GUI thread asking never
        # waits for another process's write transaction (WAL readers do not block).
        with self.db.reading() as conn:
            return class_table.class_names(conn)

    def class_colours(self) -> dict[str, int]:
        """Class name -> its colour's slot in the app's palette, kept through merges,
        removals, renames and additions (:mod:`.class_colours`)."""
        with self.db.reading() as conn:
            return colour_slots(conn)

    def class_aliases(self) -> dict[str, str | None]:
        """Old class name -> the class its images went to (renamed or merged; None:
        removed, its images unlabeled)."""
        with self.db.reading() as conn:
            return class_table.aliases(conn)

    def add_classes(self, names: Iterable[str]) -> list[str]:
        """Define classes (named by a person: they keep the order given); return the new
        ones. One undoable batch without label events: its undo removes the classes
        again, each unless an image carries it by then."""
        return self.add_classes_batch(names)[0]

    def add_classes_batch(self, names: Iterable[str]) -> tuple[list[str], int | None]:
        """:meth:`add_classes`, and the batch it wrote (None when no class was new)."""
        batch = None
        with self.db.write() as conn:
            before = class_table.aliases(conn)
            added = class_table.add_classes(conn, names)
            if added:
                many = "classes" if len(added) > 1 else "class"
                batch = label_store.new_batch(conn, "human", f"add {many} {quoted_names(added)}")
                record_added(conn, batch, added, before)
        self.events.publish(
            Changes(kind=changes.CLASS, batch_id=batch, classes_changed=bool(added))
        )
        return added, batch

    def rename_class(self, old: str, new: str) -> Changes:
        """Rename a class and relabel its images, as one undoable batch."""
        from .class_ops import rename_class

        return self._class_batch(rename_class(self.db, old, new))

    def merge_classes(self, source: str, into: str) -> Changes:
        """Move every image of ``source`` into ``into`` and drop ``source`` (undoable)."""
        from .class_ops import merge_classes

        return self._class_batch(merge_classes(self.db, source, into))

    def remove_class(self, name: str) -> Changes:
        """Drop a class; its images become unlabeled (undoable)."""
        from .class_ops import remove_class

        return self._class_batch(remove_class(self.db, name))

    def _class_batch(self, batch_id: int) -> Changes:
        ids = tuple(self.batch_image_ids(batch_id))
        renamed, merged = names_moved(self.db, batch_id)
        return self.events.publish(
            Changes(
                kind=changes.CLASS,
                batch_id=batch_id,
                image_ids=ids,
                classes_changed=True,
                renamed=tuple(renamed),
                merged=tuple(merged),
            )
        )

    def set_label(
        self,
        path: str | os.PathLike[str],
        label: str | None,
        *,
        source: str = "human",
        create_class: bool = False,
    ) -> Changes:
        """Label one image (``None`` removes the label); durable when this returns.

        ``path``: relative to the image folder, as ``p.images().path`` has it; a
        ``pathlib.Path`` or an absolute path inside the image folder also names the image
        (here and in every write below)."""
        rel = stored_spelling(self.root, path)
        # the class named, as the app's keys and the review name it: the history and an
        # undo said "label x.png", as what?
        said = f"label {shown_path(rel)} as {quoted_names([label])}" if label is not None else ""
        return self.set_labels(
            {rel: label},
            source=source,
            create_classes=create_class,
            description=said or f"unlabel {shown_path(rel)}",
        )

    def set_labels(
        self,
        labels: Mapping[str, str | None],
        *,
        source: str = "human",
        description: str = "",
        create_classes: bool = False,
        verify: bool = False,
        splits: Mapping[str, str | None] | None = None,
        expect: Mapping[str, str | None] | None = None,
        statuses: Mapping[str, str | None] | None = None,
        shown_ids: Mapping[str, int] | None = None,
        file: str | None = None,
    ) -> Changes:
        """Apply many labels as one undoable batch: all of them or, on any error, none.

        ``labels``, ``splits``, ``statuses``: path -> value, as a dict or a pandas Series
        indexed by path (``found.set_index("path").suggested``).
        ``verify``: a person checked these labels (a review decision): mark them verified.
        ``splits``: new splits for some of these images, in the same batch.
        ``statuses``: new review statuses for some of these images (None: cleared), in
        the same batch (a label file that carries them).
        ``expect``: path -> the label the person saw; LabelChangedError, nothing written,
        if any is another by now (changed in another window or process).
        ``shown_ids``: path -> the image a person saw there; ImageMovedError, nothing
        written, if the path holds another image by now (a scan followed swapped files).
        ``file``: the label file a person imported them from ("NAME (FORMAT)", with the
        source ``import``): a plain undo takes the batch back as any of their changes.
        A label for a file the scan skips (not an image, unreadable: ``p.images()``'s
        ``skip_reason``) would count nowhere: SkippedFileError, naming the file and why,
        and nothing written (None, removing one, is fine)."""
        labels, splits = path_map(labels, "labels"), path_map(splits, "splits")
        statuses = path_map(statuses, "statuses")
        ids = self.ids_for([*labels, *splits, *statuses, *(expect or {})])
        _once_each(ids, [*labels, *splits, *statuses])
        at = _shown_at(ids, shown_ids)
        keep = label_store.KEEP
        status = VERIFIED if verify else keep
        wanted = [
            label_store.Change(
                ids[p],
                label=labels.get(p, keep),
                status=statuses.get(p, status if p in labels else keep),
                split=splits.get(p, keep),
            )
            for p in dict.fromkeys([*labels, *splits, *statuses])
        ]
        before = len(self.classes()) if create_classes else None
        batch, changed = label_store.apply_changes(
            self.db,
            wanted,
            source=source,
            description=description or f"{len(wanted)} labels",
            create_classes=create_classes,
            expected=_expected(ids, expect),
            at=at,
            usable_only=True,
            file=file,
        )
        grew = before is not None and len(self.classes()) != before
        return self._publish(changes.LABEL, batch, changed, classes_changed=grew)

    def would_change(
        self,
        labels: Mapping[str, str | None],
        *,
        splits: Mapping[str, str | None] | None = None,
        statuses: Mapping[str, str | None] | None = None,
    ) -> list[int]:
        """The ids of the images :meth:`set_labels` with these arguments would change now
        (nothing is written)."""
        return label_store.would_change(self.db, self._wanted(labels, splits, statuses))

    def would_change_counts(
        self,
        labels: Mapping[str, str | None],
        *,
        splits: Mapping[str, str | None] | None = None,
        statuses: Mapping[str, str | None] | None = None,
    ) -> BatchCounts:
        """What :meth:`set_labels` with these arguments would change now, by kind (labels
        removed counted apart, as in the result); nothing is written."""
        return label_store.would_change_counts(self.db, self._wanted(labels, splits, statuses))

    def _wanted(
        self,
        labels: Mapping[str, str | None],
        splits: Mapping[str, str | None] | None,
        statuses: Mapping[str, str | None] | None,
    ) -> list[label_store.Change]:
        labels, splits = path_map(labels, "labels"), path_map(splits, "splits")
        statuses = path_map(statuses, "statuses")
        ids = self.ids_for([*labels, *splits, *statuses])
        _once_each(ids, [*labels, *splits, *statuses])
        keep = label_store.KEEP
        return [
            label_store.Change(
                ids[p],
                label=labels.get(p, keep),
                status=statuses.get(p, keep),
                split=splits.get(p, keep),
            )
            for p in dict.fromkeys([*labels, *splits, *statuses])
        ]

    def set_status(
        self,
        paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
        status: str | None,
        *,
        source: str = "human",
        expect: Mapping[str, str | None] | None = None,
        shown_ids: Mapping[str, int] | None = None,
    ) -> Changes:
        """Mark images verified / excluded (or clear it), as an undoable event; ``paths``:
        a list of paths, or one path.
        ``expect``, ``shown_ids``: as for :meth:`set_labels` (verifying a label nobody
        saw, or excluding another picture than the one seen, is refused)."""
        if status is not None and status not in label_store.STATUSES:
            raise BadArgument(f"status must be {STATUS_CHOICES}, not {status!r}")
        # one path is that image (a string is not read as a list of its characters)
        paths = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
        ids = self.ids_for([*paths, *(expect or {})])
        _once_each(ids, paths)
        at = _shown_at(ids, shown_ids)
        wanted = [label_store.Change(ids[p], status=status) for p in dict.fromkeys(paths)]
        batch, changed = label_store.apply_changes(
            self.db,
            wanted,
            source=source,
            description=f"mark {len(wanted)} {status or 'unreviewed'}",
            expected=_expected(ids, expect),
            at=at,
        )
        return self._publish(changes.STATUS, batch, changed)

    def set_splits(
        self,
        splits: Mapping[str, str | None],
        *,
        source: str = "human",
        description: str = "",
        shown_ids: Mapping[str, int] | None = None,
    ) -> Changes:
        """Move images to other splits, as one undoable batch (``shown_ids``: as for
        :meth:`set_labels`)."""
        splits = path_map(splits, "splits")
        bad = sorted({s for s in splits.values() if s is not None and s not in SPLITS})
        if bad:
            raise BadArgument(f"unknown split {', '.join(bad)}; use one of {', '.join(SPLITS)}")
        ids = self.ids_for(splits.keys())
        _once_each(ids, splits)
        at = _shown_at(ids, shown_ids)
        wanted = [label_store.Change(ids[p], split=s) for p, s in splits.items()]
        batch, changed = label_store.apply_changes(
            self.db,
            wanted,
            source=source,
            description=description or _moved_to_splits(splits),
            at=at,
        )
        return self._publish(changes.SPLIT, batch, changed)

    def _publish(
        self, kind: str, batch: int | None, image_ids: Sequence[int], classes_changed: bool = False
    ) -> Changes:
        written = Changes(
            kind=kind, batch_id=batch, image_ids=tuple(image_ids), classes_changed=classes_changed
        )
        return self.events.publish(written)

    def undo(
        self,
        batch_id: int | None = None,
        *,
        author: str | None = None,
        sources: Sequence[str] = label_store.USER_SOURCES,
    ) -> undo_store.Undone:
        """Undo ``batch_id``, or the newest batch of ``author`` (default: the current user,
        see :func:`~labeldesk.core.labels.current_user`) from ``sources``.

        A named batch is undone whoever made it; otherwise only the author's own. Images
        a later batch changed again are left as they are (their newer value stands; the
        result counts them in ``kept``), so an undo never overwrites someone's later work.
        """
        if batch_id is not None:
            if isinstance(batch_id, bool) or not isinstance(batch_id, numbers.Integral):
                raise BadArgument(
                    f"batch_id must be a batch's number (an int, as `history` shows it) or "
                    f"None, not {type(batch_id).__name__} ({batch_id!r}); nothing undone"
                )
            batch_id = int(batch_id)  # (a NumPy integer from a DataFrame too)
        _check_author(author)
        who = author if author is not None else label_store.current_user()
        undone = undo_store.undo(self.db, batch_id, sources=sources, author=who)
        self.events.publish(undone)
        return undone

    def redo(
        self,
        *,
        author: str | None = None,
        sources: Sequence[str] = label_store.USER_SOURCES,
    ) -> redo_store.Redone:
        """Make again what the newest undo of ``author`` (default: the current user) took
        back, if they have made no change since (see :mod:`~labeldesk.core.redo`); the
        redo is a new batch that :meth:`undo` takes back."""
        _check_author(author)
        who = author if author is not None else label_store.current_user()
        redone = redo_store.redo(self.db, sources=sources, author=who)
        self.events.publish(redone)
        return redone

    def class_history(self, limit: int | None = None) -> list[ClassEvent]:
        """Changes to the class list (added, renamed, merged, removed), newest first."""
        return class_history(self.db, limit)

    def history(
        self,
        path: str | os.PathLike[str] | None = None,
        limit: int | None = None,
        *,
        image_id: int | None = None,
    ) -> list[label_store.LabelEvent]:
        """Label events, newest first: every image's, or the image at ``path``'s (when
        none is there now, those of the removed images that had that path); ``image_id``:
        that image's, wherever it is now (a view that shows it under a path a scan has
        given to another picture since)."""
        if image_id is not None:
            return label_store.history(self.db, [int(image_id)], limit)
        if path is None:
            return label_store.history(self.db, None, limit)
        path = stored_spelling(self.root, path)
        try:
            ids = [self._row(path)["id"]]
        except UnknownPathError:
            ids = label_store.removed_ids(self.db, path)
            if not ids:
                raise
        return label_store.history(self.db, ids, limit)


def _check_author(author: object) -> None:
    if author is not None and not isinstance(author, str):
        raise BadArgument(f"author must be a name (text) or None, not {author!r}")


def path_map(given: Any, name: str) -> Mapping[Any, Any]:
    """``given`` as path -> value: a mapping as it is (None: an empty one), or a pandas
    Series indexed by path
    (``found.set_index("path").suggested``: iterating over one yields its values, which
    were taken for paths); BadArgument, nothing written, for anything else, or for a
    Series naming a path twice (a dict of it would keep only the last value)."""
    if given is None:
        return {}
    if isinstance(given, Mapping):
        return given
    items = getattr(given, "items", None)
    if not callable(items) or isinstance(given, str | bytes):
        raise BadArgument(
            f"{name} must map each image's path to its value: a dict or a pandas Series "
            f"indexed by path, not {type(given).__name__}; nothing written"
        )
    pairs = list(items())
    mapped = dict(pairs)
    if len(mapped) != len(pairs):
        counts = Counter(p for p, _ in pairs)
        twice = sorted(os.fspath(p) for p, n in counts.items() if n > 1)
        raise BadArgument(
            f"{name} names an image more than once ({', '.join(twice[:5])}); give each image "
            "once: nothing written"
        )
    return mapped


def _once_each(ids: Mapping[Any, int], paths: Iterable[str | os.PathLike[str]]) -> None:
    """BadArgument when two of ``paths`` spell one image differently (``"a.png"`` and
    ``Path("a.png")``, a relative and an absolute path): its changes would be two events
    of one batch, which an undo could only half take back."""
    seen: dict[int, str | os.PathLike[str]] = {}
    for path in dict.fromkeys(paths):
        first = seen.setdefault(ids[path], path)
        if first != path:
            twice = f"{os.fspath(first)!r} and {os.fspath(path)!r}"
            raise BadArgument(
                f"the call names one image twice ({twice}); give each image once: nothing written"
            )


def _expected(
    ids: Mapping[str, int], expect: Mapping[str, str | None] | None
) -> dict[int, tuple[str, str | None]] | None:
    """``expect`` (path -> label) keyed by image id, as apply_changes checks it."""
    return {ids[p]: (p, label) for p, label in expect.items()} if expect else None


def _shown_at(ids: Mapping[str, int], shown_ids: Mapping[str, int] | None) -> dict[int, str] | None:
    """``shown_ids`` as apply_changes checks it again in its transaction (image id ->
    path); ImageMovedError at once when a path holds another image already."""
    if not shown_ids:
        return None
    moved = [p for p, image_id in shown_ids.items() if ids.get(p, image_id) != image_id]
    if moved:
        raise ImageMovedError(moved)
    return {image_id: p for p, image_id in shown_ids.items()}


def _moved_to_splits(splits: Mapping[str, str | None]) -> str:
    """``split set to test``, ``split set to train and val; split cleared``: what an undo
    names (it said "1 splits"; a count would count images already there)."""
    targets = sorted({s for s in splits.values() if s})
    parts = [f"split set to {' and '.join(targets)}"] if targets else []
    if any(s is None for s in splits.values()):
        parts.append("split cleared")
    return "; ".join(parts) or "splits"
