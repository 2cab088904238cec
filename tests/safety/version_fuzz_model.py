"""The version fuzzer's model (tests/safety/version_fuzz.py): what a pure-Python copy of
the project holds after each random step: each image's path, label, split, bytes' hash and
class folder, the classes, the undo and redo batches, and each version recorded."""

from __future__ import annotations

import hashlib
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
    before: dict[int, tuple[str | None, str | None]]
    after: dict[int, tuple[str | None, str | None]]
    classes_before: list[str]
    classes_after: list[str]


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
