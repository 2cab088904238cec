"""The one per-image table: every image of a project as a DataFrame indexed by image id.

``label``, ``split`` and ``status`` are pandas Categoricals over the shared vocabulary
(:mod:`labeldesk.core.vocab`): the label's categories are the project's classes in their
order, so ``frame.label.cat.codes`` *are* the class codes that training, the confusion
matrix and the browser's counts use, without building a name-to-code mapping again.
The model's values for the same images join onto this index
(:func:`labeldesk.ml.image_values.model_values`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .class_colours import colour_slots
from .classes import class_names
from .db import Database
from .labels import NEWEST_EVENT
from .vocab import EFFECTIVE_SPLIT, SPLITS, STATUSES

if TYPE_CHECKING:
    import sqlite3

    import numpy as np
    import pandas as pd

# The columns Project.images() has always returned, in its order (the index is ``id``).
COLUMNS = (
    "path", "label", "split", "status", "hash", "size", "width", "height", "format", "mode",
    "frames", "skip_reason", "folder_label", "mtime_ns",
)  # fmt: skip


class HasDatabase(Protocol):
    """A project, or anything else that holds the project database."""

    @property
    def db(self) -> Database: ...


def image_frame(
    source: Database | HasDatabase,
    *,
    include_skipped: bool = True,
    first: int | None = None,
    ctime: bool = False,
    slice_rows: int | None = None,
) -> pd.DataFrame:
    """Every image in the folder now (removed files left out), in path order.

    ``split`` is the effective split (a labeled image without one counts as train). The
    classes and the images are read in one read transaction, so the label categories
    always cover the labels. A value outside the vocabulary (a label that is not a class:
    older projects could store one, and opening repairs them) is kept as an extra
    category after the known ones rather than dropped: its code is then
    ``>= len(classes)``, where :func:`~.vocab.class_codes` says -1. The class list read
    with the labels is ``frame.attrs["classes"]``, and the newest label event then (the
    label state the frame holds) ``frame.attrs["label_event_id"]``. ``first``: only the
    first rows, in path order (a screenful to show while the rest is read). ``ctime``:
    with ``ctime_ns`` too (the file's change time as indexed; None before schema 13), so
    that a reader of the originals can tell one changed since the scan.

    Rows are read as plain tuples (no ``sqlite3.Row`` per row) and made a frame in one
    call: at 1M images that is the difference between ~20 s and ~6 s of CPU.
    ``slice_rows``: made a frame that many rows at a time instead, then joined (a
    reader in the background: the one call held Python's lock 0.3-0.9 s at 1M, and the
    window's thread waited that long); a column a slice holds only NULLs in is then of
    object dtype (not ``str`` or float), for a reader that makes its own arrays.
    """
    import pandas as pd

    db = source if isinstance(source, Database) else source.db
    names = (*COLUMNS, "ctime_ns") if ctime else COLUMNS
    columns = ", ".join(f"{EFFECTIVE_SPLIT} AS split" if c == "split" else c for c in names)
    sql = f"SELECT id, {columns} FROM images WHERE removed_at IS NULL"
    if not include_skipped:
        sql += " AND skip_reason IS NULL"
    sql += " ORDER BY path" + ("" if first is None else f" LIMIT {int(first)}")
    with db.snapshot() as conn:  # one read transaction: classes, labels, event agree
        classes = class_names(conn)
        colours = colour_slots(conn)
        event = int(conn.execute(NEWEST_EVENT).fetchone()[0])
        cursor = conn.cursor()
        cursor.row_factory = None
        cursor.execute(sql)
        if slice_rows is None:
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=["id", *names])
        else:
            frame = _sliced(cursor, ["id", *names], slice_rows)
    frame = categorised(frame.set_index("id"), classes)
    frame.attrs["classes"] = classes  # read with the labels (the categories may add more)
    frame.attrs["class_colours"] = colours  # class name -> palette slot
    frame.attrs["label_event_id"] = event  # the label state these labels are
    return frame


def _sliced(cursor: sqlite3.Cursor, names: list[str], slice_rows: int) -> pd.DataFrame:
    """The cursor's rows made a frame ``slice_rows`` at a time, then joined."""
    import pandas as pd

    frames = []
    while rows := cursor.fetchmany(slice_rows):
        frames.append(pd.DataFrame.from_records(rows, columns=names))
    if len(frames) == 1:
        return frames[0]
    if not frames:
        return pd.DataFrame.from_records([], columns=names)
    return pd.concat(frames, ignore_index=True)


def categorised(frame: pd.DataFrame, classes: Sequence[str]) -> pd.DataFrame:
    """``frame`` with label, split and status as Categoricals over the vocabulary."""
    for column, known in (("label", classes), ("split", SPLITS), ("status", STATUSES)):
        frame[column] = categorical(frame[column], known)
    return frame


def categorical(values: pd.Series, known: Sequence[str]) -> pd.Categorical:
    """``values`` over the categories ``known`` (in that order), any other value kept as
    a further category so that nothing read from the database turns into a gap."""
    import numpy as np
    import pandas as pd

    categories = pd.Index(list(known), dtype=object)
    codes = _codes(categories, values)  # hash lookups: ~3 ms for 100k labels
    outside = (codes == -1) & values.notna().to_numpy()
    if outside.any():
        categories = categories.append(pd.Index(sorted(set(values[outside].unique()))))
        codes = _codes(categories, values)
    return pd.Categorical.from_codes(np.asarray(codes), categories=categories)


def _codes(categories: pd.Index, values: pd.Series) -> np.ndarray:
    """Each value's place in ``categories`` (-1: none), 100,000 at a time: one lookup of
    a million held Python's lock up to 0.14 s, the window's thread waiting."""
    import numpy as np

    step = 100_000
    if len(values) <= step:
        return categories.get_indexer(values)
    parts = [categories.get_indexer(values.iloc[i : i + step]) for i in range(0, len(values), step)]
    return np.concatenate(parts)
