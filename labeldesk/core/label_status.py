"""The review status a label file may give each image: LabelDesk's CSV and Parquet
manifests write it in a ``status`` column (``verified``, ``excluded``, or empty), so an
export read back, into this project or another, keeps what people decided.

Empty (or no column) leaves an image's status as it is, as an empty split does;
``unreviewed`` (the word LabelDesk shows for no status) clears it. Another
tool may name a column ``status`` for something else entirely (``ok``, ``pending``, a
script's ``None``): a column holding any other word is not a review status. It is not
read at all (a typo must not apply half of a file's statuses), and the reader says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from .label_file_formats import Record
from .vocab import EXCLUDED, VERIFIED

KEEP_STATUS = ""  # not given: the image keeps its status
UNREVIEWED = "unreviewed"  # the image's status is cleared
_WORDS = {VERIFIED: VERIFIED, EXCLUDED: EXCLUDED, UNREVIEWED: UNREVIEWED}


def status_to_set(word: str) -> str | None:
    """The status a row's word sets (None: cleared); not for :data:`KEEP_STATUS`."""
    return None if word == UNREVIEWED else word


def file_statuses(records: Sequence[Record], unit: str) -> tuple[list[str] | None, str]:
    """Each record's status (:data:`KEEP_STATUS` where none is given), or None when the
    file gives none or its status column holds another word; and, then, why it was not
    read (``unit``: how a record's ``line`` is named, "line", "entry" or "row")."""
    found: list[str] = []
    for record in records:
        value = record.status
        if value is None or (isinstance(value, str) and not value.strip()):
            found.append(KEEP_STATUS)
            continue
        word = _WORDS.get(value.strip().lower()) if isinstance(value, str) else None
        if word is None:
            shown = repr(value)[:60]
            return None, (
                f"the status column holds {shown} ({unit} {record.line}), not verified, "
                "excluded or unreviewed: it is not read, and no image's status changes"
            )
        found.append(word)
    return (found if any(found) else None), ""
