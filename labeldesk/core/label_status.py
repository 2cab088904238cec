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

from .label_file_formats import Record
from .vocab import EXCLUDED, VERIFIED

KEEP_STATUS = ""  # not given: the image keeps its status
UNREVIEWED = "unreviewed"  # the image's status is cleared
_WORDS = {VERIFIED: VERIFIED, EXCLUDED: EXCLUDED, UNREVIEWED: UNREVIEWED}


def status_to_set(word: str) -> str | None:
    """The status a row's word sets (None: cleared); not for :data:`KEEP_STATUS`."""
    return None if word == UNREVIEWED else word


class StatusColumn:
    """Each record's status, read as the records go by: :data:`KEEP_STATUS` where none is
    given. Once a record's status column holds another word, :attr:`note` says why the
    column is not read (``unit``: how a record's ``line`` is named, "line", "entry" or
    "row"), and no record's status counts, those before it included (the caller drops
    them)."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.note = ""

    def word(self, record: Record) -> str:
        value = record.status
        if self.note or value is None or (isinstance(value, str) and not value.strip()):
            return KEEP_STATUS
        word = _WORDS.get(value.strip().lower()) if isinstance(value, str) else None
        if word is None:
            shown = repr(value)[:60]
            self.note = (
                f"the status column holds {shown} ({self.unit} {record.line}), not verified, "
                "excluded or unreviewed: it is not read, and no image's status changes"
            )
            return KEEP_STATUS
        return word
