"""A WebDataset export's shards read once for ``labeldesk version P verify``.

A shard holds the images, their labels and the records the export wrote; checking one
takes its SHA-256 (against the manifest), each sample's ``KEY.json`` hash (which picture
of the version it is), the content hash of its image's bytes, its label as
``labeldesk import`` reads it, and its ``KEY.cls`` (the class index training code reads,
named by ``classes.txt``). All of that comes from one read of each shard, as a stream:
the bytes go through SHA-256 as the tar reader takes them (a shard of a few gigabytes
is read once, not three times, and never held whole).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from labeldesk.core.errors import LabelDeskError, LabelFileError
from labeldesk.core.file_kinds import open_regular
from labeldesk.core.label_files import LabelFile
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback

from .formats.webdataset_read import (
    CLASSES_FILE,
    READING_SHARDS,
    SHARDS,
    ShardCutShort,
    ShardSample,
    read_shard,
    shard_classes,
    shard_rows,
)

# A sample's image whose bytes are not the picture its KEY.json names
NOT_ITS_PICTURE = "holds other bytes than the picture its .json's hash names"


@dataclass
class ShardsRead:
    """What verify needs of the shards of an export folder."""

    # shard name -> {"path", "size", "sha256"}, as the manifest lists a file
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    # "<shard>:<KEY>.json" -> the content hash KEY.json gives the sample's picture
    hashes: dict[str, str] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)  # {"path", "why"}
    # the labels as `labeldesk import` reads the shards; None with ``unreadable`` set
    rows: LabelFile | None = None
    unreadable: str = ""
    # shard name -> the samples read whole from a shard that could be read only part-way
    cut_short: dict[str, int] = field(default_factory=dict)


class _Hashing:
    """A file whose bytes go through SHA-256 as they are read."""

    def __init__(self, stream: IO[bytes]):
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0
        self.name = getattr(stream, "name", "")

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def finish(self) -> None:
        """Read to the end (what follows the tar's last member: its padding)."""
        while self.read(1 << 20):
            pass


def read_export_shards(folder: Path, progress: ProgressCallback, cancel: CancelToken) -> ShardsRead:
    """Every top-level ``.tar`` of ``folder`` read once (a FIFO or other special file so
    named is not opened: the files' check names it)."""
    found = ShardsRead()
    classes = _classes(folder, found)
    shards = sorted(p for p in folder.glob("*.tar") if p.is_file())
    per_shard: list[list[ShardSample]] = []
    for n, shard in enumerate(shards):
        progress(Progress(n, len(shards), READING_SHARDS, SHARDS))
        samples = _read_one(shard, classes, cancel, found)
        per_shard.append(samples)
        for sample in samples:
            _check_sample(shard.name, sample, classes, found)
    progress(Progress(len(shards), len(shards), READING_SHARDS, SHARDS))
    try:
        found.rows = shard_rows(folder, _each(per_shard))
    except LabelFileError as exc:
        found.unreadable = str(exc)
    return found


def _each(per_shard: list[list[ShardSample]]) -> Iterator[list[ShardSample]]:
    while per_shard:  # (each shard's samples let go once their rows are made)
        yield per_shard.pop(0)


def _read_one(
    shard: Path, classes: list[str] | None, cancel: CancelToken, found: ShardsRead
) -> list[ShardSample]:
    try:
        stream = open_regular(shard)
    except OSError:
        return []  # (not a plain file any more, or unreadable: the files' check says so)
    with stream:
        hashing = _Hashing(stream)
        try:
            samples = read_shard(shard, classes, cancel, stream=hashing)  # type: ignore[arg-type]
        except ShardCutShort as exc:  # damaged part-way, a read error: what came before
            samples = exc.samples
            found.problems.append({"path": shard.name, "why": _cut_short(exc)})
            if exc.last is not None:
                found.cut_short[shard.name] = len(samples)
        except LabelFileError as exc:  # not a tar
            why = "; ".join(exc.problems) if exc.problems else str(exc)
            found.problems.append({"path": shard.name, "why": f"cannot be read as a shard: {why}"})
            samples = []
        try:
            hashing.finish()
        except OSError:
            return samples
    described = {"path": shard.name, "size": hashing.size, "sha256": hashing.digest.hexdigest()}
    found.files[shard.name] = described
    return samples


def _cut_short(exc: ShardCutShort) -> str:
    """What a shard read part-way gave, and why the rest could not be read."""
    why = "; ".join(exc.problems) if exc.problems else str(exc)
    if exc.last is None:
        return f"cannot be read as a shard: {why}"
    read = len(exc.samples)
    return (
        f"read as a shard up to its sample {exc.last} ({read:,} "
        f"{'sample' if read == 1 else 'samples'} read whole and checked); the rest "
        f"cannot be read: {why}"
    )


def _check_sample(
    shard: str, sample: ShardSample, classes: list[str] | None, found: ShardsRead
) -> None:
    """The sample's picture (KEY.json's hash), its bytes against it, and its .cls."""
    if sample.recorded_hash is not None:
        found.hashes[f"{sample.where}.json"] = sample.recorded_hash
        if sample.digest is not None and sample.digest != sample.recorded_hash:
            found.problems.append({"path": f"{sample.where} (image)", "why": NOT_ITS_PICTURE})
    # LabelDesk's export writes a sample into the shards of its split (<split>-000000.tar),
    # which training code takes its split from: a sample moved to another split's shard
    # is read as of that split, whatever its .json says
    named = shard.rsplit("-", 1)[0] if shard.count("-") else None
    said = sample.json_split
    if sample.recorded_hash is not None and isinstance(said, str) and said != named:
        found.problems.append({
            "path": f"{sample.where}.json",
            "why": f"gives the split {said}, but the sample is in a shard of {named} (a "
                   f"sample moved to another split's shards is read as of that split)",
        })  # fmt: skip
    label = sample.json_label
    if sample.recorded_hash is not None and isinstance(label, str) and sample.index is None:
        found.problems.append({
            "path": f"{shard}:{sample.key}.cls",
            "why": f"gone: the export wrote it for the class {label} its .json gives (the "
                   "class index training code reads)",
        })  # fmt: skip
    if sample.index is not None:
        why = _cls_problem(sample.index, classes or [], sample.json_label)
        if why:
            found.problems.append({"path": f"{shard}:{sample.key}.cls", "why": why})


def _cls_problem(index: str, classes: list[str], label: object) -> str | None:
    named = classes[int(index)] if index.isdigit() and int(index) < len(classes) else None
    if named is not None and named == label:
        return None
    said = f"its .json says {label}" if isinstance(label, str) else "its .json gives no label"
    if named is None:
        return f"class {index}, which {CLASSES_FILE} does not name; {said}"
    return f"class {index} ({named}) in {CLASSES_FILE}, but {said}"


def _classes(folder: Path, found: ShardsRead) -> list[str] | None:
    try:
        return shard_classes(folder)
    except LabelDeskError as exc:  # (not UTF-8, too big: the label read says so too)
        found.problems.append({"path": CLASSES_FILE, "why": f"cannot be read: {exc}"})
        return None
