"""Label Studio's JSON-MIN export: one flat object per annotated task, the task's data
fields beside the annotation's choice, keyed by the ``<Choices>`` tag's name::

    {"image": "/data/local-files/?d=images/a.png", "id": 1, "choice": "cat",
     "annotator": 1, "annotation_id": 7, "created_at": "…", "updated_at": "…",
     "lead_time": 3.2}

The label is the key LabelDesk's labeling config names (``choice``), or the one named
with ``--label-column``, or else the one key that is neither Label Studio's own nor a
data field LabelDesk writes. Its value is a class name, ``{"choices": [name]}`` or
``[name]``; a second choice is a problem (multi-label is not supported). The image
reference is read as in the full export (:func:`.labelstudio_read.reference_path`), and
``split`` and ``status`` as there too.
"""

from __future__ import annotations

import itertools
from math import inf
from pathlib import Path
from typing import Any

from labeldesk.core.errors import LabelFileError
from labeldesk.core.json_shown import json_shown
from labeldesk.core.json_stream import opening
from labeldesk.core.label_file_formats import KEEP_LABEL
from labeldesk.core.label_files import LabelFile

from .base import ImportOptions
from .json_input import RowMaker, list_items, load_json_text, strict_json
from .labelstudio_read import (
    entry_time,
    given_split,
    image_reference,
    is_upload,
    own_path,
    reference_path,
    tasks_rows,
    with_written,
)

# Keys Label Studio puts in every JSON-MIN object, and the data fields LabelDesk writes
MIN_KEYS = {
    "id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement",
}  # fmt: skip
DATA_KEYS = {"image", "path", "split", "status", "no_split", "verified_label"}
CHOICE = "choice"  # the <Choices> name of LabelDesk's labeling config


def read_export(path: Path, options: ImportOptions) -> LabelFile:
    """A Label Studio JSON export, full (:mod:`.labelstudio_read`) or JSON-MIN. A full
    export's tasks are parsed one at a time as their rows are made (a million tasks are
    never held parsed); JSON-MIN is read whole (it is judged across its objects)."""
    source = str(path)
    text = load_json_text(path)
    if opening(text) != "[":  # (not a list: refused, or not JSON at all)
        return tasks_rows(strict_json(text, source), path, options)
    items = list_items(text, source)
    head: list[Any] = []  # the items up to the first object, which tells the export's kind
    for item in items:
        head.append(item)
        if isinstance(item, dict):
            break
    tasks = itertools.chain(head, items)
    if not is_min(head):
        return tasks_rows(tasks, path, options)
    if options.predictions:
        raise LabelFileError(source, ["a JSON-MIN export holds no predictions"])
    return read_min(list(tasks), source, options)


def is_min(tasks: list[Any]) -> bool:
    """Whether ``tasks`` is a JSON-MIN export (flat objects, no ``data``)."""
    first = next((t for t in tasks if isinstance(t, dict)), None)
    return first is not None and "data" not in first and "annotation_id" in first


def read_min(tasks: list[Any], source: str, options: ImportOptions) -> LabelFile:
    key = options.label_column or _label_key(tasks, source)
    maker = RowMaker(source)
    written: dict[int, str] = {}  # (see labelstudio_read.own_path)
    uploads: set[int] = set()  # (entries of uploaded files: see with_written)
    newest = _newest_per_task(tasks)
    for entry, task in enumerate(tasks, start=1):
        ident = _task_key(task) if isinstance(task, dict) else None
        if ident is not None and newest.get(ident, entry) != entry:
            continue  # another annotator's older annotation of this task
        if not isinstance(task, dict):
            maker.problem(entry, "not an object: expected a JSON-MIN task")
            continue
        ref, problem = image_reference(task)
        image: str | None = None
        if problem is None:
            image, problem = reference_path(ref)
        if problem is not None or image is None:
            maker.problem(entry, problem or "no image")
            continue
        image = own_path(task, image, entry, written)
        if is_upload(ref):
            uploads.add(entry)
        split, status = given_split(task), task.get("status")
        label, label_problem = _choice(task.get(key))
        if label_problem is not None:
            maker.problem(entry, label_problem, path=image)
        elif label is not None or split or status:
            given = KEEP_LABEL if label is None else label
            maker.add(entry, image, given, split, status, task.get("verified_label"))
    return with_written(maker.result(unmatched_ok=True), written, uploads)


def _task_key(task: dict[str, Any]) -> tuple[object, object] | None:
    """A task's identity: its id and image (exports of two projects joined into one file
    can share ids), or None without an id."""
    ident = task.get("id")
    if not isinstance(ident, int | str):
        return None
    image = task.get("image", task.get("path"))
    return ident, image if isinstance(image, str) else None


def _newest_per_task(tasks: list[Any]) -> dict[tuple[object, object], int]:
    """Task -> the entry of its newest annotation: JSON-MIN writes one object per
    annotation, so two annotators of a task are two objects (the full export's rule:
    the newest counts, by ``updated_at``, else ``created_at``, else the annotation id)."""
    best: dict[tuple[object, object], tuple[tuple[float, int | float], int]] = {}
    for entry, task in enumerate(tasks, start=1):
        if not isinstance(task, dict) or (ident := _task_key(task)) is None:
            continue
        number = task.get("annotation_id")  # (compared as it is: a huge int has no float)
        key = (entry_time(task), number if isinstance(number, int | float) else -inf)
        if ident not in best or key >= best[ident][0]:
            best[ident] = (key, entry)
    return {ident: entry for ident, (_, entry) in best.items()}


def _label_key(tasks: list[Any], source: str) -> str:
    keys: set[str] = set()
    for task in tasks[:1000]:
        if isinstance(task, dict):
            keys.update(k for k in task if isinstance(k, str))
    if CHOICE in keys:
        return CHOICE
    others = sorted(keys - MIN_KEYS - DATA_KEYS)
    if len(others) == 1:
        return others[0]
    shown = ", ".join(repr(k) for k in others[:20]) or "none"
    raise LabelFileError(
        source,
        [f"a JSON-MIN export: which key holds the label? name it with --label-column ({shown})"],
    )


def _choice(value: object) -> tuple[str | None, str | None]:
    """(the class chosen, or the problem); None, None when there is no choice."""
    if isinstance(value, dict):
        value = value.get("choices")
    if isinstance(value, list):
        if len(value) > 1:
            return None, f"several choices {json_shown(value)}: multi-label is not supported"
        value = value[0] if value else None
    if value is None or isinstance(value, str):
        return value or None, None
    return None, f"the label {json_shown(value)} is not a class name"
