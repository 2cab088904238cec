"""Labels from WebDataset shards: a ``.tar`` file, or a folder of them (LabelDesk's own
export: ``<split>-000000.tar`` … and ``classes.txt``).

A shard holds samples, the members that share a key (the member's path up to the first
dot of its file name, as the ``webdataset`` library groups them): an image
(``KEY.jpg``, ``.png``, …), and its label as ``KEY.json``'s ``label`` (a class name, or
null for unlabeled; LabelDesk writes it) or ``KEY.cls`` (a class index, named by
``classes.txt`` beside the shards). The split is ``KEY.json``'s ``split``, else the
shard's name when it starts with one (``train-000000.tar``). A sample without an image
or without a label is left out (it says nothing of any image).

The image bytes are in the shard, so each sample finds its image by content
(:mod:`labeldesk.core.label_content`): the hash of its bytes is the project image's. A
sample no image has the bytes of (re-encoded) is matched by ``KEY.json``'s ``path``, else
by its key's last part as a file stem (``train/n01440764_10026`` is the one image of that
name).

Shards are read as a stream, never unpacked: members other than images, ``.cls`` and
``.json`` are skipped unread, and a ``.cls`` or ``.json`` over 1 MB, or an image over
MAX_IMAGE_BYTES, is a bad sample with the reason.
"""

from __future__ import annotations

import json
import posixpath
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from labeldesk.core.errors import LabelFileError
from labeldesk.core.imageio import content_hash
from labeldesk.core.label_file_formats import Parsed, Record
from labeldesk.core.label_files import LabelFile, checked_rows
from labeldesk.core.layout import SPLIT_FOLDERS

from .base import Importer, ImportOptions, register_importer

UNIT = "sample"
CLASSES_FILE = "classes.txt"
IMAGE_MEMBERS = frozenset(("jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff", "img"))
MAX_SMALL_BYTES = 1 << 20  # a .cls or .json member larger than this is not one
MAX_IMAGE_BYTES = 512 << 20
_CONTENT = "webdataset:"  # the prefix of a sample's content key (a shard, a member)


def sniff_shards(path: Path) -> bool:
    """A ``.tar`` file, or a folder holding one at its top."""
    if path.is_file():
        return path.suffix.lower() == ".tar"
    return path.is_dir() and bool(_shards(path))


def read_shards(path: Path, options: ImportOptions) -> LabelFile:
    """A row per labeled sample of every shard (see the module's docstring)."""
    del options
    shards = [path] if path.is_file() else _shards(path)
    if not shards:
        raise LabelFileError(str(path), ["no .tar shards here"])
    classes = _classes(path.parent if path.is_file() else path)
    samples: list[_Sample] = []
    for shard in shards:
        samples.extend(_read_shard(shard, len(samples)))
    records: list[Record] = []
    problems: list[tuple[int, str]] = []
    hashes: dict[str, str] = {}
    keys: list[str] = []
    fallbacks: dict[int, str] = {}
    for number, sample in enumerate(samples, start=1):
        label, problem = _label(sample, classes)
        if problem:
            problems.append((number, f"{sample.where}: {problem}"))
            continue
        if sample.digest is None or label is _NO_LABEL:
            continue  # no image, or nothing said of its label
        key = f"{_CONTENT}{sample.where}"
        hashes[key] = sample.digest
        path_said = sample.record.get("path") if sample.record else None
        written = path_said if isinstance(path_said, str) and path_said else sample.key
        split = sample.record.get("split") if sample.record else None
        if not isinstance(split, str) or not split:
            split = sample.shard_split
        records.append(Record(number, written, label, split))
        keys.append(key)
        fallbacks[number] = written if written != sample.key else posixpath.basename(written)
    if not records and not problems:
        raise LabelFileError(str(path), ["no sample with an image and a label (.cls or .json)"])
    rows = checked_rows(Parsed(records, problems, UNIT), str(path))
    by_line = dict(zip((r.line for r in records), keys, strict=True))
    rows.content_files = [by_line[row.line] for row in rows.rows]
    rows.fallback_paths = [fallbacks[row.line] for row in rows.rows]
    rows.content_hashes.update(hashes)
    return rows


@dataclass
class _Sample:
    key: str
    where: str  # "<shard name>:<key>", for messages
    shard_split: str | None
    digest: str | None = None  # the image's content hash
    cls: bytes | None = None
    record: dict[str, object] | None = None
    problems: list[str] = field(default_factory=list)


_NO_LABEL = object()  # a sample that says nothing of its label


def _shards(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".tar" and p.is_file())
    except OSError:
        return []


def _classes(folder: Path) -> list[str] | None:
    file = folder / CLASSES_FILE
    if not file.is_file():
        return None
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelFileError(str(file), [f"cannot read it: {exc}"]) from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _read_shard(shard: Path, numbered: int) -> list[_Sample]:
    name = shard.name
    head = name.split("-", 1)[0].split("_", 1)[0].lower()
    split = SPLIT_FOLDERS.get(head)
    samples: dict[str, _Sample] = {}
    try:
        with tarfile.open(shard, mode="r|*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                folder, base = posixpath.split(member.name)
                stem, dot, suffix = base.partition(".")
                if not dot or base.startswith("."):
                    continue
                key = posixpath.join(folder, stem)
                kind = suffix.lower().rsplit(".", 1)[-1]
                if kind not in IMAGE_MEMBERS and kind not in ("cls", "json"):
                    continue
                sample = samples.get(key)
                if sample is None:
                    sample = samples[key] = _Sample(key, f"{name}:{key}", split)
                limit = MAX_IMAGE_BYTES if kind in IMAGE_MEMBERS else MAX_SMALL_BYTES
                if member.size > limit:
                    sample.problems.append(f"{base} is {member.size:,} bytes (over {limit:,})")
                    continue
                data = tar.extractfile(member)
                if data is None:
                    continue
                _take(sample, kind, base, data.read())
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise LabelFileError(str(shard), [f"not a readable tar file: {exc}"]) from None
    return list(samples.values())


def _take(sample: _Sample, kind: str, base: str, data: bytes) -> None:
    if kind in IMAGE_MEMBERS:
        if sample.digest is not None:
            sample.problems.append(f"{base}: a second image in one sample")
        sample.digest = content_hash(data)
    elif kind == "cls":
        sample.cls = data
    else:
        try:
            record = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            sample.problems.append(f"{base} is not JSON: {exc}")
            return
        if not isinstance(record, dict):
            sample.problems.append(f"{base} is not a JSON object")
            return
        sample.record = record


def _label(sample: _Sample, classes: list[str] | None) -> tuple[object, str | None]:
    """(the label: a name, None for unlabeled, or _NO_LABEL; a problem or None)."""
    if sample.problems:
        return _NO_LABEL, "; ".join(sample.problems)
    if sample.record is not None and "label" in sample.record:
        return sample.record["label"], None
    if sample.cls is None:
        return _NO_LABEL, None
    text = sample.cls.decode("utf-8", "replace").strip()
    if not text.isdigit():
        return _NO_LABEL, f".cls holds {text[:40]!r}, not a class index"
    if classes is None:
        return _NO_LABEL, f".cls gives class {text} but there is no {CLASSES_FILE} beside it"
    index = int(text)
    if index >= len(classes):
        return _NO_LABEL, f".cls gives class {index}, but {CLASSES_FILE} names {len(classes)}"
    return classes[index], None


register_importer(
    Importer(
        "webdataset",
        "WebDataset: .tar shards (a file or a folder of them) with .cls/.json labels, each "
        "sample matched to its image by content",
        sniff_shards,
        read_shards,
    )
)
