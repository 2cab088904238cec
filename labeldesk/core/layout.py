"""What a file's place in the folder tree says about it: split and label.

ImageFolder layout: ``ROOT/<class>/.../<image>``. Top-level ``train/``, ``val/``
(``valid/``, ``validation/``) and ``test/`` set the split, then ``ROOT/<split>/<class>/...``.
Images in ``_unlabeled/`` or directly in ROOT (or directly in a split folder) are unlabeled.
Other tools' split folder names (``dev/``, ``eval/``, ``holdout/``…: :data:`UNREAD_SPLIT_FOLDERS`)
are not read as splits: such a folder is a class like any other, so a project indexed
with one keeps its labels on every rescan; the layout check and the importers say so
where it sits beside a split folder (:func:`unread_split_advice`; every such message says
why in :func:`unread_split_note`'s words).
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
# Split folder names other tools use that LabelDesk does not read as splits (their images
# would get the folder's name as their class, and no split), each with the split it means.
# dev, eval, evaluation: Hugging Face datasets reads them so (data_files.SPLIT_KEYWORDS).
UNREAD_SPLIT_FOLDERS = {
    "dev": "val",
    "eval": "test",
    "evaluation": "test",
    "holdout": "test",
    "heldout": "test",
    "calib": "val",
    "calibration": "val",
}
HF_SPLIT_NAMES = frozenset({"dev", "eval", "evaluation"})


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


def unread_split_advice(folder: str) -> str:
    """Why a folder named like a split LabelDesk does not read (``dev``) is one, and
    what to rename it to: "'dev/' is a split folder (Hugging Face datasets reads it so),
    but LabelDesk reads only train, val and test as splits: rename it val/"."""
    meant = UNREAD_SPLIT_FOLDERS[folder.lower()]
    return f"'{folder}/' is a split folder{unread_split_note(folder)}: rename it {meant}/"


def unread_split_note(name: str, *, as_folders: bool = False) -> str:
    """What every message about a split name LabelDesk does not read (``name``: one of
    :data:`UNREAD_SPLIT_FOLDERS`, any case) says after "is a split": who reads it so and
    that LabelDesk does not, " (Hugging Face datasets reads it so), but LabelDesk reads
    only train, val and test as splits". ``as_folders`` (the layout check's warning):
    the split datasets makes of it ("reads it as the validation split") and the splits
    as folders (train/, val/ and test/)."""
    why = ""
    if name.lower() in HF_SPLIT_NAMES and as_folders:
        meant = "validation" if UNREAD_SPLIT_FOLDERS[name.lower()] == "val" else "test"
        why = f" (Hugging Face datasets reads it as the {meant} split)"
    elif name.lower() in HF_SPLIT_NAMES:
        why = " (Hugging Face datasets reads it so)"
    splits = "train/, val/ and test/" if as_folders else "train, val and test"
    return f"{why}, but LabelDesk reads only {splits} as splits"
