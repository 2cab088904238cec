"""The version fuzzer's model (tests/safety/version_fuzz.py): what a pure-Python copy of
the project holds after each random step: each image's path, label, split, bytes' hash and
class folder, the classes, the undo and redo batches, and each version recorded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

SPLITS = ("train", "val", "test")


def blake(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Image:
    path: str
    label: str | None
    split: str | None  # as stored: an image labeled without one counts as train
    hash: str
    skipped: bool = False
    folder: str | None = None  # the class its folder gave it, as that class is called now

    def folder_split(self) -> str | None:
        top = self.path.split("/", 1)[0]
        return top if top in SPLITS else None

    def shown_split(self) -> str | None:
        return self.split or ("train" if self.label is not None else None)


@dataclass
class Batch:
    """One batch of changes (label_batches), or on the redo list what an undo took back
    of one (its images as the batch left them and as they were before it)."""

    before: dict[int, tuple[str | None, str | None]]
    after: dict[int, tuple[str | None, str | None]]
    classes_before: list[str]
    classes_after: list[str]
    source: str = "human"  # or "import": folder labels (of `new` or a scan)
    imported: bool = False  # folder labels, or a labels file's (`labeldesk import`)
    redo: bool = False  # made by a redo
    serial: int = 0  # its place in the order of the batches (an undo's, on the redo list)
    origin: int = 0  # the serial of the batch first made, kept by its undos and redos

    def narrowed(self, images: Iterable[int], redo: bool) -> Batch:
        """A new batch (not yet stamped) of this one's ``images`` alone, as it left them and
        as they were before it, with its classes, source and origin; ``redo``: made by a
        redo (an undo's entry on the redo list is not)."""
        return Batch(
            {k: self.before[k] for k in images},
            {k: self.after[k] for k in images},
            self.classes_before,
            self.classes_after,
            source=self.source,
            imported=self.imported,
            redo=redo,
            origin=self.origin,
        )


def as_left(now: tuple, left: tuple, other: tuple) -> bool:
    """Is an image whose values are ``now`` still as a change from ``other`` to ``left``
    left it (core.take_back.still_as_left)? Its split counts only where that change set it."""
    same = all(n == v for i, (n, v) in enumerate(zip(now, left, strict=True)) if i != 1)
    return same and (left[1] == other[1] or now[1] == left[1])


@dataclass
class Model:
    images: dict[int, Image] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)
    undo: list[Batch] = field(default_factory=list)
    redo: list[Batch] = field(default_factory=list)
    versions: dict[str, dict] = field(default_factory=dict)
    next_key: int = 0
    seen_names: set[str] = field(default_factory=set)
    originals: dict[int, bytes] = field(default_factory=dict)  # of corrupted images
    gone: dict[int, tuple[Image, bytes]] = field(default_factory=dict)  # deleted files
    serial: int = 0  # of the newest batch (an undo too)

    def stamp(self, batch: Batch) -> Batch:
        self.serial += 1
        batch.serial = self.serial
        batch.origin = batch.origin or batch.serial
        return batch

    def pick(self, stack: list[Batch], imports: bool) -> int | None:
        """Where on ``stack`` (undo or redo) the batch is that the next undo or redo takes:
        the newest, but not folder labels unless ``imports`` (--include-imports)."""
        return next(
            (i for i in range(len(stack) - 1, -1, -1) if imports or stack[i].source != "import"),
            None,
        )

    def taken_back(self, batch: Batch) -> dict[int, tuple]:
        """What undoing ``batch`` (on the undo list) gives each image it takes back: not
        one a later batch still standing changed, nor one no longer as it left it."""
        later = {k for b in self.undo if b.serial > batch.serial for k in b.after}
        now = self.state()
        return {
            k: batch.before[k]
            for k in batch.after
            if k in now and k not in later and as_left(now[k], batch.after[k], batch.before[k])
        }

    def made_again(self, entry: Batch) -> dict[int, tuple]:
        """What redoing ``entry`` (on the redo list) gives each image again: not one that
        a batch standing since its undo changed (a redo of one's own does not count)."""
        later = {k for b in self.undo if b.serial > entry.serial and not b.redo for k in b.after}
        now = self.state()
        return {
            k: entry.after[k]
            for k in entry.after
            if k in now and k not in later and as_left(now[k], entry.before[k], entry.after[k])
        }

    def unlabeled(self, key: int) -> tuple:
        """The values a new image has before its folder's label (its folder's split)."""
        return (None, self.keyed()[key].split)

    def everyone(self) -> list[Image]:
        return [*self.images.values(), *(im for im, _ in self.gone.values())]

    def add(self, path: str, label: str | None, split: str | None, digest: str) -> None:
        self.images[self.next_key] = Image(path, label, split, digest, folder=label)
        self.next_key += 1

    def by_path(self, path: str) -> int:
        return next(k for k, im in self.images.items() if im.path == path)

    def state(self) -> dict[int, tuple[str | None, str | None]]:
        return {k: (im.label, im.split) for k, im in self.keyed().items()}

    def keyed(self) -> dict[int, Image]:
        return {**self.images, **{k: im for k, (im, _) in self.gone.items()}}

    def folder_class(self, im: Image) -> str | None:
        # the class its folder gave it, as called now; None once that class is removed
        return im.folder if im.folder in self.classes else None
