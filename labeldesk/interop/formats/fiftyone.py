"""FiftyOne image classification (``fo.types.FiftyOneImageClassificationDataset``):
``data/<uuid>.<ext>`` and ``labels.json`` = ``{"classes": [...], "labels": {uuid: target}}``,
where a target is an index into ``classes`` (or the label itself when there are no
``classes``) and ``null`` means unlabeled.

The layout has no splits, so an export with val or test images writes one dataset per
split, ``OUT/<split>/data`` + ``OUT/<split>/labels.json`` (as FiftyOne's zoo datasets are
laid out), all with the same ``classes``, and the images without a split, labeled or
not, in ``OUT/unassigned/``; an export with no split but train (a project without split
folders: its labeled images are train) writes one ``OUT/data`` + ``OUT/labels.json``.
A labeled image without a split counts as train in LabelDesk, but the other formats
write it among train with a mark that LabelDesk reads back (the manifest's
``no_split``, a record's ``no_split``); nothing of that survives FiftyOne, whose exporter
writes ``classes`` and ``labels`` alone, under file names of its own (``a-2.jpg`` for a
second ``a.jpg``, exact copies included). The dataset's folder is what a person keeps
when they load each dataset into FiftyOne and export it again, so such an image is
written apart, in ``unassigned/``, and comes back without a split. The importer
reads both: a folder with ``labels.json``, a folder of per-split folders (the folder
names give the splits), or a ``labels.json`` itself (no split: the images keep theirs).

Review statuses: the format has no place FiftyOne reads for them (its importer takes
``classes`` and ``labels`` alone, and of a ``{"label": …}`` target only the label and
confidence, so not even a label's tags), so a dataset with verified or excluded images
gets one more key, ``"labeldesk_status": {uuid: "verified" | "excluded"}``, which
FiftyOne ignores and LabelDesk reads back: an export imported into a fresh project
keeps what people decided, as the CSV, Parquet, Hugging Face, WebDataset and Label
Studio exports do. ``"labeldesk_verified_label": {uuid: label}`` names the label each
``verified`` was given for: a label edited in the file since comes back unverified
(:mod:`labeldesk.core.label_status`).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from dataclasses import replace
from pathlib import Path
from typing import Any

from labeldesk.core.errors import LabelFileError
from labeldesk.core.file_kinds import is_present
from labeldesk.core.json_shown import json_shown, quoted
from labeldesk.core.label_files import LabelFile
from labeldesk.core.layout import SPLIT_FOLDERS

from ..writing import (
    UNASSIGNED,
    ExportRun,
    Item,
    copy_images,
    export_classes,
    register_exporter,
    verified_label,
)
from .base import Importer, ImportOptions, register_importer
from .json_input import RowMaker, load_json

LABELS = "labels.json"
DATA = "data"
STATUS = "labeldesk_status"  # {uuid: status}: only images that have one
VERIFIED_LABEL = "labeldesk_verified_label"  # {uuid: the label "verified" was given for}
_SNIFF_BYTES = 4096


@register_exporter("fiftyone")
def _fiftyone(run: ExportRun) -> None:
    """OUT/data + OUT/labels.json, or one such dataset per split (OUT/<split>/…)."""
    items, out, report = run.items, run.out, run.report
    classes = export_classes(run.project, run.options)
    index = {name: n for n, name in enumerate(classes)}
    per_split = any(item.split not in ("train", UNASSIGNED) for item in items)
    datasets: dict[str, dict[str, int | None]] = {} if per_split else {"": {}}
    statuses: dict[str, dict[str, str]] = {}
    bound: dict[str, dict[str, str]] = {}
    used: dict[str, set[str]] = {}
    ordered = sorted(items, key=lambda i: (i.split, i.path))

    def dataset_of(item: Item) -> str:
        """Its split's dataset; one without a split of its own (written as the train it
        counts in elsewhere) in ``unassigned/``: see the module's docstring."""
        if not per_split:
            return ""
        return UNASSIGNED if item.split_implied else item.split

    def folder(item: Item) -> str:
        """data/<the image's folder in the project>: the key (its path in data/) leads
        back to the project's image when the export is imported there."""
        data = posixpath.join(dataset_of(item), DATA)
        return posixpath.join(data, posixpath.dirname(item.path)).rstrip("/")

    for item, rel in copy_images(replace(run, items=ordered), folder):
        if per_split and item.split_implied:  # (not among train: counted where it is)
            report.split_implied.discard(rel)
            report.kept_apart.add(item.path)
        data = posixpath.join(dataset_of(item), DATA)
        key = _unique_key(out, data, rel, used.setdefault(dataset_of(item), set()))
        final = posixpath.join(data, key) + posixpath.splitext(rel)[1]
        if final != rel:  # renamed for a unique key
            report.moved(rel, final)
            report.renamed[final] = item.path
        labels = datasets.setdefault(dataset_of(item), {})
        labels[key] = None if item.label is None else index[item.label]
        if item.status is not None:
            statuses.setdefault(dataset_of(item), {})[key] = item.status
        if verified_label(item) is not None:
            bound.setdefault(dataset_of(item), {})[key] = str(verified_label(item))
    report.carries_status = True  # under STATUS, where any image has one
    for base, labels in datasets.items():
        (out / base / DATA).mkdir(parents=True, exist_ok=True)
        content: dict[str, Any] = {"classes": classes, "labels": labels}
        if base in statuses:  # (only then: an export without statuses stays as it was)
            content[STATUS] = statuses[base]
        if base in bound:
            content[VERIFIED_LABEL] = bound[base]
        text = json.dumps(content, ensure_ascii=False, indent=1)
        (out / base / LABELS).write_text(text + "\n", encoding="utf-8")


def _unique_key(out: Path, data: str, rel: str, used: set[str]) -> str:
    """The file's path in ``data`` without its extension (FiftyOne's key), the file
    renamed when another of the dataset has the same key (``a.jpg`` and ``a.png``)."""
    inside = posixpath.relpath(rel, data)
    stem, suffix = os.path.splitext(posixpath.basename(inside))
    prefix = posixpath.dirname(inside)
    if posixpath.join(prefix, stem) in used:
        folder = out / posixpath.dirname(rel)
        digest = hashlib.blake2b(rel.encode(), digest_size=4).hexdigest()
        n, new = 0, f"{stem}--{digest}"
        # a file already there under the new name (another stem's) is never replaced
        while posixpath.join(prefix, new) in used or os.path.lexists(folder / f"{new}{suffix}"):
            n += 1
            new = f"{stem}--{digest}-{n}"
        os.rename(out / rel, folder / f"{new}{suffix}")
        stem = new
    key = posixpath.join(prefix, stem)
    used.add(key)
    return key


# -- import --------------------------------------------------------------------------
def _datasets(path: Path) -> list[tuple[Path, str | None]]:
    """(labels.json, split) of every dataset at ``path`` (see the module's docstring)."""
    if path.is_file():
        return [(path, None)]
    if is_present(path / LABELS):
        return [(path / LABELS, None)]
    found = sorted(p for p in path.iterdir() if p.is_dir() and is_present(p / LABELS))
    return [(p / LABELS, SPLIT_FOLDERS.get(p.name.lower())) for p in found]


def _sniff(path: Path) -> bool:
    """A dataset folder (or one of per-split datasets), or a labels.json that starts
    like FiftyOne's."""
    try:
        if path.is_dir():
            return any((labels.parent / DATA).is_dir() for labels, _ in _datasets(path))
        if path.name == LABELS and (path.parent / DATA).is_dir():
            return True
        if path.suffix.lower() != ".json" or not path.is_file():
            return False
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    except OSError:
        return False
    return head.startswith("{") and head[1:].lstrip().startswith(('"classes"', '"labels"'))


def _read(path: Path, options: ImportOptions) -> LabelFile:
    if not path.exists():
        raise LabelFileError(str(path), ["file not found"])
    datasets = _datasets(path)
    if not datasets:
        raise LabelFileError(str(path), [f"no {LABELS} here nor in a folder below it"])
    maker = RowMaker(str(path))
    root = (path if path.is_dir() else path.parent).absolute()
    entry = 0
    file_of: dict[int, Path] = {}  # entry -> its image file
    for labels_path, split in datasets:
        several = len(datasets) > 1
        entry = _read_one(labels_path, split, maker, entry, root, file_of, several=several)
    rows = maker.result()
    # The files are copies of the images: a row names its image by their bytes, as a
    # folder of class folders does (FiftyOne's own exporter renames and flattens them,
    # so their paths name nothing in the project); else by the file's path in data/.
    rows.content_files = [str(file_of[row.line]) for row in rows.rows]
    rows.fallback_paths = [_below_data(file_of[row.line]) for row in rows.rows]
    rows.refused_content = [str(file_of[line]) for line, _ in rows.refused if line in file_of]
    return rows


def _below_data(file: Path) -> str:
    parts = file.as_posix().split(f"/{DATA}/")
    return parts[-1] if len(parts) > 1 else file.name


def _read_one(
    labels_path: Path,
    split: str | None,
    maker: RowMaker,
    entry: int,
    root: Path,
    file_of: dict[int, Path],
    several: bool,
) -> int:
    """Add one labels.json's rows; returns the last entry number used (numbers run on
    across the datasets, and a problem names its file when there are several)."""
    data = load_json(labels_path)
    where = f"{labels_path.parent.name}/{LABELS}: " if several else ""
    if not isinstance(data, dict) or not isinstance(data.get("labels"), dict):
        raise LabelFileError(str(labels_path), ['expected {"classes": [...], "labels": {...}}'])
    classes = data.get("classes")
    if classes is not None and not (
        isinstance(classes, list) and all(isinstance(c, str) for c in classes)
    ):
        raise LabelFileError(str(labels_path), ['"classes" must be a list of class names'])
    statuses = data.get(STATUS, {})
    if not isinstance(statuses, dict):
        raise LabelFileError(str(labels_path), [f'"{STATUS}" must map keys to statuses'])
    bound = data.get(VERIFIED_LABEL, {})
    if not isinstance(bound, dict):
        raise LabelFileError(str(labels_path), [f'"{VERIFIED_LABEL}" must map keys to labels'])
    files = _files_by_key(labels_path.parent / DATA)
    for key, target in data["labels"].items():
        entry += 1
        label, problem = _target(target, classes)
        matches = files.get(key, [])
        if problem is None and len(matches) != 1:
            problem = _missing(key, matches)
        if problem is not None:
            maker.problem(entry, f"{where}{quoted(key[:120], True)}: {problem}")
        else:  # its path from the folder read, matched by suffix: in a project of that
            # folder, or in the one LabelDesk exported it from (data/ keeps its folders)
            path = matches[0].relative_to(root).as_posix()
            maker.add(entry, path, label, split, statuses.get(key), bound.get(key))
            file_of[entry] = matches[0]
    return entry


def _files_by_key(data: Path) -> dict[str, list[Path]]:
    """Every file under data/ by its path there without the extension (``uuid``, or
    ``sub/uuid`` for nested folders): the keys FiftyOne writes."""
    out: dict[str, list[Path]] = {}
    if not data.is_dir():
        return out
    base = data.absolute()
    for folder, _, names in os.walk(base):
        for name in names:
            full = Path(folder) / name
            key = posixpath.splitext(full.relative_to(base).as_posix())[0]
            out.setdefault(key, []).append(full)
    return out


def _missing(key: str, matches: list[Path]) -> str:
    if matches:
        names = ", ".join(sorted(p.name for p in matches))
        return f"{len(matches)} files in data/ have this name ({names}); keep one"
    if ".." in key.replace("\\", "/").split("/") or key.startswith(("/", "\\")):
        return "refused: the key leads out of data/"
    return "no image with this name in data/"


def _target(target: Any, classes: list[str] | None) -> tuple[object, str | None]:
    """(label, problem) of one target: an index into classes, a label, null, or
    ``{"label": …}`` (FiftyOne's form with a confidence)."""
    if isinstance(target, dict) and "label" in target:
        target = target["label"]
    if target is None or isinstance(target, str):
        return target, None
    if isinstance(target, list):
        return None, "several labels (multi-label) are not supported"
    if isinstance(target, int) and not isinstance(target, bool):
        if classes is None:
            return None, f'class index {target} but the file has no "classes"'
        if not 0 <= target < len(classes):
            return None, f'class index {target} is not in "classes" (0-{len(classes) - 1})'
        if not classes[target].strip():  # (a blank label means unlabeled: not by index)
            return None, f'class index {target} names no class in "classes" (it is blank)'
        return classes[target], None
    return None, f"the target {json_shown(target, 60)} is not a class index, a label or null"


register_importer(
    Importer(
        "fiftyone",
        "FiftyOne image classification: data/ + labels.json (or one per split folder)",
        _sniff,
        _read,
    )
)
