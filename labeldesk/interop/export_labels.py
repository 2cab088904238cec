"""The labels and splits an export folder gives its images, read back as the tools that
use it read them (``labeldesk version P verify``).

An export's manifest lists every file's SHA-256, but it is a file of the export like any
other: a label changed in ``labels.csv`` (or an image moved to another class folder)
with the manifest's list made to match would pass a check of the files alone. So each
format's labels are read by the reader ``labeldesk import`` uses for it, each row led to
the image file it names and that file's content hash, and compared by content with the
version's images: ``(hash, label, split)`` as a multiset, which keeps duplicates of one
picture (the same bytes under two labels) apart. WebDataset's samples are read for the
hash of their image's bytes and for a ``KEY.cls`` that names another class in
``classes.txt`` than ``KEY.json`` does (training code reads the index; LabelDesk's
reader the ``.json``).
"""

from __future__ import annotations

import json
import tarfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress

from .formats import read_labels

# The file each format keeps its labels in (the others: the folder itself)
LABEL_FILES = {"csv": "labels.csv", "parquet": "labels.parquet", "labelstudio": "tasks.json"}
# Read the folder as whatever it is: a Hugging Face export without metadata is a folder of
# class folders (hf's reader wants a metadata file)
DETECTED = ("hf",)
SAME_SPLIT = "*"  # splits --make-splits made for the export: not the version's to compare

Labeled = tuple[str, str, str | None]  # (content hash, label, split)


@dataclass
class ReadBack:
    """Per labeled row the export gives: (its file in the export, content hash, label,
    split); ``problems``: ``{"path", "why"}`` of rows or files that could not be read."""

    rows: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)


def read_back(
    folder: Path,
    manifest: dict[str, Any],
    *,
    labeled: bool,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ReadBack:
    """The labeled rows of the export in ``folder``, each with the content hash of the
    file it names (the manifest's ``image_hashes``, whose files are hashed separately;
    WebDataset: the bytes in the shard). ``labeled``: it should hold a labeled image."""
    fmt = str(manifest.get("format"))
    source = LABEL_FILES.get(fmt, "")
    found = ReadBack()
    try:
        fmt_read = None if fmt in DETECTED else fmt
        _, rows = read_labels(folder / source, fmt_read, progress=progress, cancel=cancel)
    except Cancelled:  # (a LabelDeskError too: stopped, not a label file that is wrong)
        raise
    except LabelDeskError as exc:
        if not labeled and not source:  # (no class folder, no shard with a label: the
            return found  # folder's reader finds nothing to read, and says so)
        found.problems.append({"path": source or ".", "why": f"its labels cannot be read: {exc}"})
        return found
    for line, problem in rows.problems:
        found.problems.append({"path": source or ".", "why": f"{rows.unit} {line}: {problem}"})
    listed = manifest.get("image_hashes")
    hashes = listed if isinstance(listed, dict) else {}
    for n, row in enumerate(rows.rows):
        # the file the row shows (Label Studio: data.image, where the task's data.path,
        # the project path, was read instead)
        file = rows.written_paths[n] if n < len(rows.written_paths) else ""
        file = file or row.path
        if n < len(rows.source_hashes):
            content = rows.source_hashes[n] or str(hashes.get(file, ""))
        else:
            held = rows.content_hashes.get(rows.content_files[n]) if rows.content_files else None
            content = held if isinstance(held, str) else ""
        if not content:
            found.problems.append(
                {"path": file, "why": "a label for a file the export did not write"}
            )
        elif row.label is not None:
            found.rows.append((file, content, row.label, row.split))
    return found


def label_differences(
    expected: list[tuple[str, str, str, str | None]],
    read: list[tuple[str, str, str, str | None]],
    *,
    splits: bool = True,
) -> list[dict[str, Any]]:
    """How the labeled images the export holds (``read``: file, hash, label, split) differ
    from the version's (``expected``: path, hash, label, split): per picture whose labels
    differ, the export's file and what it gives (None: no label) paired with the
    version's path and what it had (None: no such labeled image)."""

    def key(row: tuple[str, str, str, str | None]) -> Labeled:
        return row[1], row[2], row[3] if splits else SAME_SPLIT

    want, have = Counter(map(key, expected)), Counter(map(key, read))
    lacking, extra = want - have, have - want
    theirs = [r for r in expected if _take(lacking, key(r))]
    ours = [r for r in read if _take(extra, key(r))]
    unpaired: dict[str, list[tuple[str, str, str, str | None]]] = {}
    for row in reversed(theirs):  # (popped from the end: in path order)
        unpaired.setdefault(row[1], []).append(row)
    found: list[dict[str, Any]] = []
    for file, content, label, split in ours:
        same = unpaired.get(content)
        found.append(_difference(file, content, label, split, same.pop() if same else None))
    left = sorted(r for rows in unpaired.values() for r in rows)
    found += [_difference(None, r[1], None, None, r) for r in left]
    return found


def _take(extra: Counter[Labeled], k: Labeled) -> bool:
    """Whether a row of ``k`` is one of the ``extra`` (counted down as they are taken)."""
    if extra[k] > 0:
        extra[k] -= 1
        return True
    return False


def _difference(
    file: str | None,
    content: str,
    label: str | None,
    split: str | None,
    version: tuple[str, str, str, str | None] | None,
) -> dict[str, Any]:
    return {
        "path": file,
        "hash": content,
        "label": label,
        "split": split,
        "version_path": None if version is None else version[0],
        "version_label": None if version is None else version[2],
        "version_split": None if version is None else version[3],
    }


def difference_line(row: dict[str, Any]) -> str:
    """``train/dog/cat0.jpg: dog (train); the version: train/cat/cat0.jpg, cat (train)``"""

    def said(label: str | None, split: str | None) -> str:
        return f"{label} ({split or 'no split'})"

    version = said(row["version_label"], row["version_split"])
    if row["path"] is None:
        return f"{row['version_path']}: the export gives it no label; the version: {version}"
    ours = f"{row['path']}: {said(row['label'], row['split'])}"
    if row["version_path"] is None:
        return f"{ours}; a label the version does not give this picture"
    return f"{ours}; the version: {row['version_path']}, {version}"


def shard_samples(folder: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Each WebDataset sample's content hash as its ``KEY.json`` gives it, by
    ``<shard>:<KEY.json>``; and the ``KEY.cls`` members that name another class in
    ``classes.txt`` than the ``KEY.json`` beside them (``{"path", "why"}``)."""
    classes = _class_lines(folder)
    hashes: dict[str, str] = {}
    problems: list[dict[str, str]] = []
    # (a FIFO so named is not opened: it would block; the files' check names it)
    for shard in sorted(p for p in folder.glob("*.tar") if p.is_file()):
        labels: dict[str, object] = {}
        indices: dict[str, str] = {}
        try:
            _read_shard(shard, hashes, labels, indices)
        except (tarfile.TarError, OSError, EOFError) as exc:  # cut short, not a tar
            problems.append({"path": shard.name, "why": f"cannot be read as a shard: {exc}"})
        for key, index in sorted(indices.items()):
            why = _cls_problem(index, classes, labels.get(key))
            if why:
                problems.append({"path": f"{shard.name}:{key}.cls", "why": why})
    return hashes, problems


def _read_shard(
    shard: Path, hashes: dict[str, str], labels: dict[str, object], indices: dict[str, str]
) -> None:
    """Each sample's ``KEY.json`` hash (into ``hashes``) and label, and ``KEY.cls``."""
    with tarfile.open(shard) as tar:
        for member in tar:
            key, _, kind = member.name.partition(".")
            if not member.isfile() or kind not in ("json", "cls"):
                continue
            data = tar.extractfile(member)
            raw = data.read() if data else b""
            if kind == "cls":
                indices[key] = raw.decode("utf-8", "replace").strip()
                continue
            try:
                sample = json.loads(raw)
            except ValueError:
                sample = None
            if isinstance(sample, dict):
                labels[key] = sample.get("label")
                if isinstance(sample.get("hash"), str):
                    hashes[f"{shard.name}:{member.name}"] = sample["hash"]


def _cls_problem(index: str, classes: list[str], label: object) -> str | None:
    named = classes[int(index)] if index.isdigit() and int(index) < len(classes) else None
    if named is not None and named == label:
        return None
    said = f"its .json says {label}" if isinstance(label, str) else "its .json gives no label"
    if named is None:
        return f"class {index}, which classes.txt does not name; {said}"
    return f"class {index} ({named}) in classes.txt, but {said}"


def _class_lines(folder: Path) -> list[str]:
    file = folder / "classes.txt"
    if not file.is_file():  # (none, or a FIFO: not opened)
        return []
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return []
    return [line.strip() for line in text.splitlines()]
