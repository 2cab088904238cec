"""The review status a label file may give each image: LabelDesk's CSV and Parquet
manifests write it in a ``status`` column (``verified``, ``excluded``, or empty), so an
export read back, into this project or another, keeps what people decided.

Empty (or no column) leaves an image's status as it is, as an empty split does;
``unreviewed`` (the word LabelDesk shows for no status) clears it. Another
tool may name a column ``status`` for something else entirely (``ok``, ``pending``, a
script's ``None``): a column holding any other word is not a review status. It is not
read at all (a typo must not apply half of a file's statuses), and the reader says so.

``verified`` holds for one label: a person checked that label. LabelDesk's exports write,
beside each ``verified``, the label it was given for (a ``verified_label`` column or
key; FiftyOne: ``labeldesk_verified_label``). A row whose label is another one was
relabeled by another tool since, and no person checked the new label in LabelDesk: its
``verified`` is not read, so the import's label change leaves the image unverified, as
a relabel through a format without statuses (ImageFolder) does. A row that says
``verified`` without naming a label (a file a person wrote) verifies the label it gives.
"""

from __future__ import annotations

from .classes import nfc
from .label_file_formats import KEEP_LABEL, Record
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
        self.relabeled = 0  # rows whose "verified" was given for another label

    def relabeled_note(self) -> str:
        """What the import says of the rows whose ``verified`` was not read, or ""."""
        if not self.relabeled:
            return ""
        rows = "1 row says" if self.relabeled == 1 else f"{self.relabeled:,} rows say"
        return (
            f"{rows} verified for another label than the one it gives (relabeled by "
            "another tool since LabelDesk wrote it): those labels come in unverified"
        )

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
        if word == VERIFIED and not verified_for_its_label(record):
            self.relabeled += 1
            return KEEP_STATUS
        return word


def verified_for_its_label(record: Record) -> bool:
    """Whether a row's ``verified`` holds for the label it gives: it names no label
    (a person wrote it for this row), or names this one (outer spaces aside, in any
    Unicode form: the import takes ``cafe\u0301`` for the class ``caf\u00e9``, so a tool
    that writes decomposed text has not relabeled the row)."""
    given = record.verified_label
    if given is None or (isinstance(given, str) and not given.strip()):
        return True
    label = record.label
    if label is KEEP_LABEL:  # (the row keeps the image's label: whether the image has the
        return True  # label it names is known when it is applied, see bound_label)
    if label is None or (isinstance(label, str) and not label.strip()):
        return False  # unlabeled by the other tool: no label is verified
    return nfc(str(given).strip()) == nfc(str(label).strip())


def bound_label(record: Record, status: str) -> str | None:
    """The label that the ``verified`` (``status``, its word) of a record keeping its
    image's label (a Label Studio task without an annotation: it gives no label) holds
    for, or None: such a row verifies the image only if the image has that label when
    the row is applied (it may have been relabeled since the export, and the task
    decided nothing of the new label: :mod:`.label_bound`)."""
    given = record.verified_label
    if record.label is not KEEP_LABEL or status != VERIFIED or given is None:
        return None
    text = str(given).strip()
    return text or None
