"""The image files of a Label Studio or FiftyOne export that its label files do not name
(``labeldesk version P verify``).

Both formats write an entry for every image they hold, an unlabeled one too: a Label
Studio task (``data.image``), a FiftyOne ``labels.json`` key (``null`` when unlabeled).
Their readers give no row for an unlabeled image without a split or status (nothing to
apply on import), so an entry removed was not seen, yet it takes the image out of the
dataset those tools load: Label Studio makes a task of each entry, and FiftyOne's
importer makes samples only of the keys ``labels.json`` lists (files in ``data/`` without
one are passed over). So the files the entries name are read apart from the labels.

A Label Studio task also gives ``data.path``, the image's path in the version, which
Label Studio shows but does not read; ``labeldesk import`` of the tasks (labels made in
Label Studio, brought back) matches a task by it where its file name differs from the
image's. So a ``data.path`` edited to another path would give the task's label to
another image of the project, or to none: each must be the version's path of the
picture the task's image file holds (:func:`task_path_problems`).
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.json_shown import json_shown

from .formats.fiftyone import DATA, LABELS
from .formats.json_input import list_items, load_json, load_json_text
from .formats.labelstudio import TASKS
from .formats.labelstudio_read import image_reference, reference_path

# the readers whose files name each image in an entry the reader may give no row
NAMED_BY = {"labelstudio": f"no task of {TASKS} names it", "fiftyone": "no key of {} names it"}
WRITES_ONE = " (the export writes one for every image it holds)"


def unlisted_files(folder: Path, reader: str, files: list[str]) -> list[dict[str, str]]:
    """``{"path", "why"}`` of each of ``files`` (image files in the export, by their
    path there) that no entry of the export's label files names; none where the reader
    writes no such entries, or where its files cannot be read (the reader says why)."""
    try:
        if reader == "labelstudio":
            named = _task_images(folder / TASKS)
            return [{"path": f, "why": NAMED_BY[reader] + WRITES_ONE}
                    for f in files if f not in named]  # fmt: skip
        if reader == "fiftyone":
            keys = _fiftyone_keys(folder)
            found = []
            for file in files:
                # its dataset: OUT/ (one dataset) or OUT/<split>/
                base = "" if file.startswith(f"{DATA}/") else file.split("/", 1)[0] + "/"
                stem = posixpath.splitext(file)[0]
                if stem not in keys.get(base, set()):
                    where = NAMED_BY[reader].format(base + LABELS)
                    found.append({"path": file, "why": where + WRITES_ONE})
            return found
    except (LabelDeskError, OSError):
        return []
    return []


def task_path_problems(
    folder: Path, pictures: dict[str, str], paths: dict[str, set[str]]
) -> list[dict[str, str]]:
    """``{"path", "why"}`` for each task of a Label Studio export whose ``data.path`` is
    not the version's path of the picture its image file holds (``pictures``: the
    version's image files in the export -> content hash; ``paths``: content hash -> the
    version's paths of that picture); none where ``tasks.json`` cannot be read (the
    reader says why)."""
    try:
        tasks = list_items(load_json_text(folder / TASKS), str(folder / TASKS))
    except (LabelDeskError, OSError):
        return []
    found = []
    for task in tasks:
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            continue
        ref, problem = image_reference(data)
        file, problem = reference_path(ref) if problem is None else ("", problem)
        wrote = sorted(paths.get(pictures.get(file, ""), ()))
        if problem is not None or not wrote or data.get("path") in wrote:
            continue
        own = data.get("path")
        gives = f"gives data.path {json_shown(own)}" if "path" in data else "has no data.path"
        found.append({"path": TASKS, "why": (
            f"the task of {file} {gives}, not the version's path of its picture that the "
            f"export wrote ({wrote[0]}): labeldesk import matches a task by data.path, so "
            "its label would go to another image, or to none; the task was edited since"
        )})  # fmt: skip
    return found


def _task_images(tasks: Path) -> set[str]:
    """The files (paths in the export) the tasks' ``data.image`` references name."""
    named: set[str] = set()
    for task in list_items(load_json_text(tasks), str(tasks)):
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            continue
        ref, problem = image_reference(data)
        path, problem = reference_path(ref) if problem is None else ("", problem)
        if problem is None:
            named.add(path)
    return named


def _fiftyone_keys(folder: Path) -> dict[str, set[str]]:
    """Per dataset (``""`` for ``OUT/labels.json``, else ``"<split>/"``), the files its
    ``labels.json`` keys name, as paths in the export without their extension."""
    bases = [""] if (folder / LABELS).is_file() else [
        f"{name}/" for name in sorted(os.listdir(folder)) if (folder / name / LABELS).is_file()
    ]  # fmt: skip
    found: dict[str, set[str]] = {}
    for base in bases:
        content: Any = load_json(folder / base / LABELS)
        labels = content.get("labels") if isinstance(content, dict) else None
        keys = labels if isinstance(labels, dict) else {}
        found[base] = {f"{base}{DATA}/{key}" for key in keys if isinstance(key, str)}
    return found
