"""The review status a label file may give each image: LabelDesk's CSV and Parquet
manifests write it in a ``status`` column (``verified``, ``excluded``, or empty), so an
export read back, into this project or another, keeps what people decided.

Empty (or no column) leaves an image's status as it is, as an empty split does;
``none`` (or ``unreviewed``) clears it. Another tool may name a column ``status`` for
something else entirely (``ok``, ``pending``): a column holding any other word is not a
review status, and is not read.
"""

from __future__ import annotations

from collections.abc import Sequence

from .label_file_formats import Record
from .vocab import EXCLUDED, VERIFIED

KEEP_STATUS = ""  # not given: the image keeps its status
CLEAR_STATUS = "none"  # given as none: the image's status is cleared
_WORDS = {
    VERIFIED: VERIFIED,
    EXCLUDED: EXCLUDED,
    CLEAR_STATUS: CLEAR_STATUS,
    "unreviewed": CLEAR_STATUS,
}


def file_statuses(records: Sequence[Record]) -> list[str] | None:
    """Each record's status (:data:`KEEP_STATUS` where none is given), or None when the
    file gives none at all or its status column holds another word (not read)."""
    found: list[str] = []
    given = False
    for record in records:
        value = record.status
        if value is None or (isinstance(value, str) and not value.strip()):
            found.append(KEEP_STATUS)
            continue
        word = _WORDS.get(value.strip().lower()) if isinstance(value, str) else None
        if word is None:
            return None
        found.append(word)
        given = True
    return found if given else None


def stored_status(status: str) -> str | None:
    """A row's status as the project stores it (None: no status)."""
    return None if status == CLEAR_STATUS else status
