"""What a file's place in the folder tree says about it: split and label.

ImageFolder layout: ``ROOT/<class>/.../<image>``. Top-level ``train/``, ``val/``
(``valid/``, ``validation/``) and ``test/`` set the split, then ``ROOT/<split>/<class>/...``.
Images in ``_unlabeled/`` or directly in ROOT (or directly in a split folder) are unlabeled.
Class folder names come back in NFC (macOS and many zip tools write NFD), so one name
counts as one class whatever its Unicode form.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

from .vocab import SPLITS as SPLITS  # the splits the folder names map onto

SPLIT_FOLDERS = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
    "testing": "test",
}
UNLABELED_FOLDER = "_unlabeled"


class Placement(NamedTuple):
    split: str | None
    label: str | None


def placement(relpath: str) -> Placement:
    """Split and class implied by a relative path with ``/`` separators."""
    parts = relpath.split("/")
    split = SPLIT_FOLDERS.get(parts[0].lower()) if len(parts) > 1 else None
    rest = parts[1:] if split else parts
    if len(rest) < 2 or rest[0].lower() == UNLABELED_FOLDER:
        return Placement(split, None)
    return Placement(split, unicodedata.normalize("NFC", rest[0]))
