"""Labels from WebDataset shards: a ``.tar`` file, or a folder of them (LabelDesk's own
export: ``<split>-000000.tar`` … and ``classes.txt``).

A shard holds samples, the members that share a key: as the ``webdataset`` library reads
them, a member's key is its path up to the first dot of its file name and the rest is
its field (``KEY.jpg``, ``KEY.cls``, ``KEY.meta.json`` is the field ``meta.json``). A
sample's image is its ``jpg``, ``png``, … field; its label ``KEY.json``'s ``label`` (a
class name, null for unlabeled, or a class index) or ``KEY.cls`` (a class index): an
index is named by ``classes.txt`` beside the shards (line N, from 0). The split is
``KEY.json``'s ``split``, else a split word in the shard's name (``train-000000.tar``,
``imagenet-val-0001.tar``; LabelDesk's ``unassigned-000000.tar`` holds images without a
split, left as they are, and so are the samples its manifest lists under ``no_split``
or whose ``KEY.json`` says ``"no_split": true``: labeled images without a split,
written in train shards). A shard named with a split word
LabelDesk does not read (``dev-000000.tar``, Hugging Face datasets' validation; see
:data:`~labeldesk.core.layout.UNREAD_SPLIT_FOLDERS`) gives no split: its samples without
a ``split`` of their own are bad samples saying what to rename it to, not labels that
silently lose their split. A sample without an image or a label is left out: it says
nothing of any image.

The image bytes are in the shard, so each sample finds its image by content
(:mod:`labeldesk.core.label_content`). A sample no image has the bytes of (re-encoded)
is matched by ``KEY.json``'s ``path``, else by its key's last part as a file stem
(``train/n01440764_10026`` is the one image of that name; a key of digits alone, a
sequence number, is no name and matches nothing), and counted as found by file name.

Shards are read as a stream, never unpacked; only what a row needs is kept per sample.
A ``.cls`` or ``.json`` over 1 MB, or an image over MAX_IMAGE_BYTES, makes a bad sample;
with bad rows skipped, every image whose bytes a bad sample holds is left out.
"""

from __future__ import annotations

import posixpath
import re
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Self

from labeldesk.core.errors import Cancelled, LabelFileError
from labeldesk.core.file_kinds import NotRegularFile, is_present, open_regular
from labeldesk.core.indexed_files import content_hash
from labeldesk.core.label_bytes import bad_byte_at, decode, read_label_bytes
from labeldesk.core.label_file_formats import Parsed, Record, text_lines
from labeldesk.core.label_files import LabelFile, checked_rows
from labeldesk.core.layout import SPLIT_FOLDERS, UNREAD_SPLIT_FOLDERS, unread_split_note
from labeldesk.core.progress import CancelToken, Progress

from ..export_target import export_manifest
from .base import Importer, ImportOptions, reading, register_importer
from .export_paths import NO_SPLIT_WRITTEN_AS, give_no_split, no_split_names
from .folder_labels import holds_label_file
from .json_input import strict_json

UNIT = "sample"
CLASSES_FILE = "classes.txt"
IMAGE_FIELDS = frozenset(("jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff", "img"))
MAX_SMALL_BYTES = 1 << 20  # a .cls or .json member larger than this is not one
MAX_IMAGE_BYTES = 512 << 20
NO_SPLIT = "unassigned"  # LabelDesk's export: the image had no split
_CONTENT = "webdataset:"  # the prefix of a sample's content key
_WORDS = re.compile(r"[-_.]")


def sniff_shards(path: Path) -> bool:
    """A ``.tar`` file, or a folder holding one at its top and no label file (tried after
    class folders, whose ``backup.tar`` is not a dataset's shard)."""
    if path.is_file():
        return path.suffix.lower() == ".tar"
    return path.is_dir() and bool(_shards(path)) and not holds_label_file(path)


def read_shards(path: Path, options: ImportOptions) -> LabelFile:
    """A row per labeled sample of every shard (see the module's docstring)."""
    del options
    shards = [path] if path.is_file() else _shards(path)
    if not shards:
        raise LabelFileError(str(path), ["no .tar shards here"])
    classes = shard_classes(path.parent if path.is_file() else path)
    progress, cancel = reading()

    def read() -> Iterator[list[ShardSample]]:
        for n, shard in enumerate(shards):
            progress(Progress(n, len(shards), READING_SHARDS, SHARDS))
            yield read_shard(shard, classes, cancel)

    return shard_rows(path, read())


def shard_rows(path: Path, shards: Iterable[list[ShardSample]]) -> LabelFile:
    """The rows of the samples of each shard read (``path``: the file or folder read;
    LabelDesk's export there gives the images it wrote without a split none)."""
    records: list[Record] = []
    problems: list[tuple[int, str]] = []
    content: dict[int, str] = {}  # line -> content key
    fallbacks: dict[int, str] = {}
    bad_content: list[str] = []
    hashes: dict[str, str] = {}
    for samples in shards:
        for sample in samples:
            line = len(records) + len(problems) + 1
            key = f"{_CONTENT}{sample.where}"
            if sample.problem:
                problems.append((line, f"{sample.where}: {sample.problem}"))
                if sample.digest is not None:
                    bad_content.append(key)
                    hashes[key] = sample.digest
                continue
            if sample.digest is None or sample.label is _NO_LABEL:
                continue  # no image, or nothing said of its label
            hashes[key] = sample.digest
            where = sample.path or sample.where
            records.append(
                Record(
                    line,
                    where,
                    sample.label,
                    sample.split,
                    status=sample.status,
                    verified_label=sample.verified_label,
                )
            )
            content[line] = key
            fallbacks[line] = sample.path or _name(sample.key)
    if not records and not problems:
        raise LabelFileError(str(path), ["no sample with an image and a label (.cls or .json)"])
    rows = checked_rows(Parsed(records, problems, UNIT), str(path))
    rows.content_files = [content[row.line] for row in rows.rows]
    rows.fallback_paths = [fallbacks[row.line] for row in rows.rows]
    refused = {line for line, _ in rows.refused}
    rows.refused_content = bad_content + [content[line] for line in sorted(refused)]
    rows.content_hashes.update(hashes)
    manifest = export_manifest(path.parent if path.is_file() else path)
    if manifest is not None and manifest.get("format") == "webdataset":
        written = [content[row.line].removeprefix(_CONTENT) for row in rows.rows]
        give_no_split(rows, written, no_split_names(manifest))
    return rows


_NO_LABEL = object()  # a sample that says nothing of its label
READING_SHARDS = "reading shards"
SHARDS = {"unit": "shard"}  # (what its progress counts)


@dataclass
class ShardSample:
    """What a row needs of a sample (a shard's JSON records are not kept)."""

    key: str
    where: str  # "<shard name>:<key>": the row's path when KEY.json gives none
    split: str | None
    digest: str | None = None  # the image's content hash
    label: object = _NO_LABEL
    path: str | None = None  # KEY.json's path
    problem: str | None = None
    cls: bytes | None = None
    status: object = None  # KEY.json's review status (LabelDesk's own export writes it)
    verified_label: object = None  # the label its "verified" was given for (label_status)
    # what LabelDesk's export wrote of the sample, kept for `version verify`: KEY.json's
    # content hash, KEY.cls as text, and whether KEY.json gave a label (and which)
    recorded_hash: str | None = None
    index: str | None = None
    json_label: object = _NO_LABEL
    json_split: object = None  # KEY.json's split as written


def _name(key: str) -> str:
    """A key's last part, to match as a file stem; "" for a sequence number."""
    name = posixpath.basename(key)
    return "" if name.isdigit() else name


def _shards(folder: Path) -> list[Path]:
    try:
        # (a FIFO so named too: refused by name when read, not passed over)
        return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".tar" and is_present(p))
    except OSError:
        return []


def shard_classes(folder: Path) -> list[str] | None:
    """classes.txt's names by line (line N is class N; a blank line names no class)."""
    file = folder / CLASSES_FILE
    if not file.is_file():
        return None
    data = read_label_bytes(file)
    if not data.strip():
        return []  # names no class: every class index is then a bad sample
    return [line.strip() for line in text_lines(decode(data, str(file)))]  # (UTF-8 only)


def _shard_split(name: str) -> str | None:
    stem = name[: -len(".tar")] if name.lower().endswith(".tar") else name
    return next((SPLIT_FOLDERS[w] for w in _WORDS.split(stem.lower()) if w in SPLIT_FOLDERS), None)


def _unread_split(name: str) -> str | None:
    """Why a shard named with a split word LabelDesk does not read (``dev-000000.tar``)
    gives its samples no split, and what to rename it to; None for any other name."""
    if _shard_split(name) is not None:
        return None
    words = _WORDS.split(name)
    at = next((i for i, w in enumerate(words) if w.lower() in UNREAD_SPLIT_FOLDERS), None)
    if at is None:
        return None
    word, meant = words[at], UNREAD_SPLIT_FOLDERS[words[at].lower()]
    start = sum(len(w) + 1 for w in words[:at])
    renamed = name[:start] + meant + name[start + len(word) :]
    return (
        f"'{word}' in the shard's name is a split{unread_split_note(word)}: rename it "
        f"{renamed}, or give the sample a split in its .json (else it gets none)"
    )


def read_shard(
    shard: Path,
    classes: list[str] | None,
    cancel: CancelToken | None = None,
    stream: IO[bytes] | None = None,
) -> list[ShardSample]:
    """The samples of one shard, read as a stream (from ``stream`` when given: an open
    file that sees every byte go by, say)."""
    samples: dict[str, ShardSample] = {}
    split = _shard_split(shard.name)
    watched, ends = _header_watch()
    opened = None
    try:
        # (a FIFO named like a shard is refused, not opened to wait for a writer)
        opened = open_regular(shard) if stream is None else None
        source = stream or opened
        with tarfile.open(mode="r|*", tarinfo=watched, fileobj=source) as tar:
            while (member := tar.next()) is not None:
                tar.members = []  # type: ignore[attr-defined]  # a stream needs no index
                if cancel is not None and cancel.cancelled:  # a shard is a gigabyte or so
                    raise Cancelled(f"cancelled while reading {shard.name}")
                if not member.isfile():
                    continue
                folder, base = posixpath.split(member.name)
                stem, dot, field = base.partition(".")
                field = field.lower()
                if (
                    not dot
                    or not stem
                    or (field not in IMAGE_FIELDS and field not in ("cls", "json"))
                ):
                    continue
                key = posixpath.join(folder, stem)
                sample = samples.get(key)
                if sample is None:
                    sample = samples[key] = ShardSample(key, f"{shard.name}:{key}", split)
                limit = MAX_IMAGE_BYTES if field in IMAGE_FIELDS else MAX_SMALL_BYTES
                data = tar.extractfile(member) if member.size <= limit else None
                if data is None:
                    sample.problem = f"{base} is {member.size:,} bytes (over {limit:,})"
                    continue
                _take(sample, field, base, data.read())
    except NotRegularFile as exc:
        raise LabelFileError(str(shard), [f"{exc.kind}, not a shard (not opened)"]) from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _cut_short(shard, samples, classes, f"not a readable tar file: {exc}") from None
    finally:
        if opened is not None:
            opened.close()
    if ends and ends[-1] != "EOFHeaderError":
        # tarfile ends a stream quietly at a header cut short or not a header past the
        # first: a shard cut short (a copy or download stopped) read as a shorter one
        raise _cut_short(
            shard,
            samples,
            classes,
            "not a readable tar file: it stops after {read} without the end a tar file "
            "has (cut short, or damaged there): copy it again",
        )
    return _finished(shard, samples, classes)


class ShardCutShort(LabelFileError):
    """A shard that could be read only up to a point (cut short, damaged there, or a
    read error): ``samples`` are those read whole before it, the last of them
    ``last`` (None: none)."""

    def __init__(self, shard: Path, why: str, samples: list[ShardSample]):
        super().__init__(str(shard), [why])
        self.samples = samples
        self.last = samples[-1].key if samples else None


def _cut_short(
    shard: Path, samples: dict[str, ShardSample], classes: list[str] | None, why: str
) -> ShardCutShort:
    """The error for a shard read up to a point (``why``: ``{read}`` is put as the
    samples read whole). The sample being read when it stopped may lack members that
    came after: it is one read whole only with its image and its .json (which
    LabelDesk's export writes last)."""
    last = next(reversed(samples.values()), None)
    has_json = last is not None and (
        last.recorded_hash is not None or last.json_label is not _NO_LABEL
    )
    if last is not None and (last.digest is None or not has_json):
        del samples[last.key]
    read = f"{len(samples):,} sample{'' if len(samples) == 1 else 's'}"
    return ShardCutShort(shard, why.replace("{read}", read), _finished(shard, samples, classes))


def _finished(
    shard: Path, samples: dict[str, ShardSample], classes: list[str] | None
) -> list[ShardSample]:
    """The samples read, their class indices named and their splits checked."""
    for sample in samples.values():
        if sample.problem is None and sample.label is _NO_LABEL and sample.cls is not None:
            sample.label, sample.problem = _class(sample.cls.decode("utf-8", "replace"), classes)
        sample.cls = None
    unread = _unread_split(shard.name)
    for sample in samples.values() if unread else []:
        said = sample.digest is not None and sample.label is not _NO_LABEL
        if said and sample.problem is None and sample.split is None:
            sample.problem = unread
    return list(samples.values())


def _header_watch() -> tuple[type[tarfile.TarInfo], list[str]]:
    """A TarInfo class for reading one shard, and the list of the header errors it met:
    the last one is how the stream ended (a block of zeros: the tar's proper end)."""
    ends: list[str] = []

    class Watched(tarfile.TarInfo):
        @classmethod
        def fromtarfile(cls, archive: tarfile.TarFile) -> Self:
            try:
                return super().fromtarfile(archive)
            except tarfile.HeaderError as exc:  # zeros (the end), cut short, other bytes
                ends.append(type(exc).__name__)
                raise

    return Watched, ends


def _take(sample: ShardSample, field: str, base: str, data: bytes) -> None:
    if field in IMAGE_FIELDS:
        if sample.digest is not None:
            sample.problem = f"{base}: a second image in one sample"
        sample.digest = content_hash(data)
    elif field == "cls":
        sample.cls = data
        sample.index = data.decode("utf-8", "replace").strip()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            sample.problem = f"{base}: byte 0x{data[bad_byte_at(data, exc)]:02X} is not UTF-8"
            return
        try:  # as strictly as a label file: a key written twice is not the last one's
            record = strict_json(text, base)
        except LabelFileError as exc:
            sample.problem = f"{base}: {exc.problems[0]}"
            return
        if isinstance(record, dict):  # (another tool's list of boxes says nothing here)
            _from_record(sample, record)


def _from_record(sample: ShardSample, record: dict[str, object]) -> None:
    path, split = record.get("path"), record.get("split")
    sample.json_split = split
    sample.status = record.get("status")
    sample.verified_label = record.get("verified_label")
    digest = record.get("hash")
    sample.recorded_hash = digest if isinstance(digest, str) else None
    if isinstance(path, str) and path:
        sample.path = path
    if isinstance(split, str) and split and split.lower() != NO_SPLIT:
        sample.split = split
    if record.get("no_split") is True and split in (None, "", NO_SPLIT_WRITTEN_AS):
        sample.split = None  # LabelDesk's export: an image without a split, in train
    if "label" in record:
        label = record["label"]
        sample.label = sample.json_label = label
        if isinstance(label, int) and not isinstance(label, bool):
            sample.cls = str(label).encode()
            sample.label = _NO_LABEL  # named by classes.txt, as a .cls would be


def _class(text: str, classes: list[str] | None) -> tuple[object, str | None]:
    """(the class a class index names, or _NO_LABEL with the problem)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        return _NO_LABEL, f"the class index {text[:40]!r} is not a whole number"
    if classes is None:
        return _NO_LABEL, f"class index {text}, but no {CLASSES_FILE} beside the shards names it"
    index = int(text)
    if index >= len(classes) or not classes[index]:
        return (
            _NO_LABEL,
            f"class index {index}, but {CLASSES_FILE} has no class on line {index + 1}",
        )
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
