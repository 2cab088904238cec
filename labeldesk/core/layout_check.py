"""Noticing an image folder that looks one level off, before anything is indexed.

``labeldesk new p --images sample_data`` would make one class, "fashion", out of a whole
dataset (its ``train/``, ``test/`` and ``_unlabeled/`` folders included). Only the top two
or three levels of folders are listed, no image is opened; still, a class folder is listed
whole to find its subfolders, so a flat tree of a million images takes a second or two
(the new-project form runs this off the GUI thread; ``cancel`` stops it between folders).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .classes import nfc
from .display import counted
from .errors import ImageRootError
from .layout import SPLIT_FOLDERS, UNLABELED_FOLDER, UNREAD_SPLIT_FOLDERS, unread_split_note
from .progress import CancelToken
from .walk import made_by_labeldesk

# Folder names that hold a dataset rather than name a class.
CONTAINER_NAMES = frozenset(
    ["images", "image", "imgs", "img", "data", "dataset", "datasets", "pictures", "photos",
     "samples", "all", "raw"]
)  # fmt: skip
_SPECIAL = set(SPLIT_FOLDERS) | {UNLABELED_FOLDER}
ONE_LEVEL_TOO_HIGH = "one level too high"
UNREAD_SPLIT = "unread split folder"  # dev/ beside train/: renamed, a scan reads it


@dataclass(frozen=True)
class LayoutWarning:
    message: str
    suggested_root: Path | None = None  # the folder that would probably be right
    class_name: str | None = None  # the class a folder name would wrongly give images
    kind: str = ""  # ONE_LEVEL_TOO_HIGH, UNREAD_SPLIT, or "" for the others

    def __str__(self) -> str:
        return self.message

    @property
    def problem(self) -> str:
        """The message without its advice (after "; ": the folder to use instead)."""
        return self.message.split("; ")[0]


class OneLevelTooHigh(ImageRootError):
    """``labeldesk new`` on a folder where every image would get one class from the folder
    name (``warning``): nothing was created. ``images``: how many would get it after a
    labels file was applied (None: refused before indexing)."""

    def __init__(self, warning: LayoutWarning, images: int | None = None):
        self.warning, self.images = warning, images
        unlabeled = (
            f" ({counted(images, 'image')} the labels file does not label would get it)"
            if images is not None
            else ""
        )
        super().__init__(
            f"{warning.problem}{unlabeled}: nothing was created; index "
            f"{warning.suggested_root} instead"
        )


def _subfolders(folder: Path) -> list[str]:
    """The folders a scan reads: neither hidden nor made by LabelDesk (a project or an
    export, which the app puts beside the image folder: counted as classes, they hid a
    folder one level too high)."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if not e.name.startswith(".") and _is_dir(e)]
    except OSError:
        return []
    return sorted(n for n in names if not made_by_labeldesk(folder / n))


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _special(names: list[str]) -> list[str]:
    return [n for n in names if n.lower() in _SPECIAL]


def one_level_too_high(root: Path | str) -> LayoutWarning | None:
    """The warning for a folder whose one class folder holds a whole dataset (split
    folders, or class folders under a container name such as ``images/``): every image
    would get that one class. Two folder listings; ``labeldesk new`` refuses such a
    folder up front (unless ``--force``)."""
    root = Path(root)
    top = _subfolders(root)
    classes = [n for n in top if n.lower() not in _SPECIAL]
    if len(classes) != 1 or _special(top):
        return None
    only = classes[0]
    inner = _subfolders(root / only)
    if not (_special(inner) or (only.lower() in CONTAINER_NAMES and inner)):
        return None
    what = ", ".join(f"{n}/" for n in _special(inner)) or "class folders"
    return LayoutWarning(
        f"every image would get the one class {only!r}, but {only}/ holds {what}: "
        f"the image folder looks one level too high; use {root / only} instead",
        root / only,
        only,
        ONE_LEVEL_TOO_HIGH,
    )


def check_layout(root: Path | str, *, cancel: CancelToken | None = None) -> list[LayoutWarning]:
    """Warnings about a layout that probably is not what the person meant.

    Raises :class:`~labeldesk.core.errors.Cancelled` when ``cancel`` is set."""
    root = Path(root)
    too_high = one_level_too_high(root)
    if too_high is not None:
        return [too_high]
    top = _subfolders(root)
    warnings: list[LayoutWarning] = []
    classes = [n for n in top if n.lower() not in _SPECIAL]
    for split in [n for n in top if n.lower() in SPLIT_FOLDERS]:
        _check(cancel)
        inner = _subfolders(root / split)
        nested = [n for n in _special(inner) if n.lower() != UNLABELED_FOLDER]  # documented
        if nested:
            warnings.append(
                LayoutWarning(
                    f"{split}/ holds {', '.join(f'{n}/' for n in nested)}: split folders inside "
                    f"a split folder would become classes; is {root / split} the image folder?",
                    root / split,
                )
            )
        warnings += _container_classes(root / split, inner, f"{split}/")
        in_split = [n for n in inner if n.lower() not in _SPECIAL]
        warnings += _splits_in_classes(root / split, in_split, f"{split}/", cancel)
    warnings += _container_classes(root, classes, "")
    warnings += _unread_splits(root, top, classes)
    return warnings + _splits_in_classes(root, classes, "", cancel)


def _unread_splits(root: Path, top: list[str], classes: list[str]) -> list[LayoutWarning]:
    """Folders named like another tool's split (``dev/``, ``eval/``, ``holdout/``) beside
    a split folder LabelDesk reads, holding class folders: read as one class each, their
    class folders are not read (see :data:`~labeldesk.core.layout.UNREAD_SPLIT_FOLDERS`)."""
    splits = [n for n in top if n.lower() in SPLIT_FOLDERS]
    if not splits:
        return []
    out = []
    for name in [n for n in classes if n.lower() in UNREAD_SPLIT_FOLDERS]:
        inner = _subfolders(root / name)
        if not inner:
            continue
        meant = UNREAD_SPLIT_FOLDERS[name.lower()]
        shown = ", ".join(f"{n}/" for n in inner[:3]) + (", …" if len(inner) > 3 else "")
        note = unread_split_note(name, as_folders=True)
        out.append(
            LayoutWarning(
                f"{name}/ beside {', '.join(f'{n}/' for n in splits)} looks like a split "
                f"folder{note}: all its images get the class {name!r} and no split, whatever "
                f"class folder ({shown}) they are in; rename it {meant}/ to make it the "
                f"{meant} split",
                class_name=name,
                kind=UNREAD_SPLIT,
            )
        )
    return out


def _splits_in_classes(
    folder: Path, names: list[str], prefix: str, cancel: CancelToken | None
) -> list[LayoutWarning]:
    """Class folders (``ROOT/<class>``, or ``ROOT/<split>/<class>``: ``prefix``) holding
    split folders or ``_unlabeled/``: those are read only at the top (``_unlabeled/`` also
    right below a split), so the images there all get the class."""
    out = []
    for name in names:
        _check(cancel)
        nested = _special(_subfolders(folder / name))
        if nested and name.lower() not in CONTAINER_NAMES:
            out.append(
                LayoutWarning(
                    f"class folder {prefix}{name}/ holds {', '.join(f'{n}/' for n in nested)}: "
                    "splits and the unlabeled pool are only read at the top "
                    f"(ROOT/train/<class>/…), so these images all get the class {name!r}",
                    class_name=name,
                )
            )
    return out


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _container_classes(folder: Path, names: list[str], prefix: str) -> list[LayoutWarning]:
    out = []
    for name in names:
        if name.lower() in CONTAINER_NAMES:
            out.append(
                LayoutWarning(
                    f"{prefix}{name}/ would become a class named {name!r}, which looks like a "
                    f"folder of images rather than a class; is {folder / name} the image folder?",
                    folder / name,
                    name,
                )
            )
    return out


def still_true(
    warnings: list[LayoutWarning], images_with_class: Callable[[str], int]
) -> list[LayoutWarning]:
    """The warnings that still hold once a labels file gave the labels: one about a class
    a folder name would give is dropped when no image has that class (the file labeled
    them all otherwise). ``images_with_class``: how many images carry a class now."""
    return [
        w
        for w in warnings
        if w.class_name is None or images_with_class(nfc(w.class_name.strip())) > 0
    ]
