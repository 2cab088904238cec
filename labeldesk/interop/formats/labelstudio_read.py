"""Reading a Label Studio JSON export (image classification) into label rows.

A task is ``{"data": {"image": REF, ...}, "annotations": [...], "predictions": [...]}``.
Its label is the single choice of a ``choices`` result (from the ``<Choices>`` named
``choice`` when a task has several). Of several annotations on one task the newest
(``updated_at``, else ``created_at``, else the highest id) that was not cancelled wins,
as Label Studio's own "last annotation" view shows it; with ``--predictions`` the newest
prediction is read instead. A task without one sets only its ``data.split`` (the image
keeps its label; LabelDesk's export writes the split of unlabeled images too), or is not
a row when it has none. A task LabelDesk's export marked ``data.no_split`` (an image
without a split, written as ``train``) gives no split.

``REF`` is read the way Label Studio writes it, and becomes a path that the project's
images are matched with by suffix (:mod:`labeldesk.core.label_files`):

- ``/data/local-files/?d=dir/a.jpg`` (local-files storage): ``dir/a.jpg``, everything
  after ``d=`` (some versions wrote the path unescaped, ``#``, ``?`` and ``&`` included);
- ``/data/upload/3/1a2b3c4d-a.jpg`` (an uploaded file): ``a.jpg``, Label Studio's
  ``hex-`` prefix taken off;
- ``s3://bucket/dir/a.jpg`` (``gs://``, ``azure-blob://``, …): ``dir/a.jpg``, the
  object's key as written (a ``#`` or ``?`` in a key is part of its name);
- ``http(s)://host/dir/a.jpg``: ``dir/a.jpg`` (a query or fragment is not the path);
- anything else (a plain path) as it is.

A task with ``data.path`` (LabelDesk's own export writes the image's path in the
project there) whose file name differs from the reference's (LabelDesk shortened a name
too long to copy, or renamed one of ``a.png`` and ``A.png``) is matched by ``data.path``,
unless the reference itself names an image exactly (in a project made from the export's
folder, where ``data.path`` is only a file name: :mod:`labeldesk.core.rows_elsewhere`).

A reference with a ``..`` step, a NUL byte or a path no file could have is refused on
its task; inline ``data:`` images are not files and are refused too. A task whose image
is not in the project is listed, not refused (``LabelFile.unmatched_ok``): a Label
Studio project often holds more than one LabelDesk project's images. If no task matches,
nothing is applied.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from labeldesk.core.errors import LabelFileError
from labeldesk.core.json_shown import json_shown, quoted
from labeldesk.core.label_file_formats import KEEP_LABEL, Record
from labeldesk.core.label_files import LabelFile

from .base import ImportOptions
from .export_paths import NO_SPLIT_WRITTEN_AS
from .json_input import RowMaker

_UPLOAD_PREFIX = re.compile(r"^[0-9a-fA-F]+-(?=.)")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
# A local-files URL (with or without the server's address); its query, unparsed.
_LOCAL_FILES = re.compile(
    r"^(?:[A-Za-z][\w+.-]*://[^/]*)?(?:/[^?]*)?/data/local-files/?\?(.*)$", re.S
)
# A cloud storage URL: what follows the bucket is the object's key, as the bucket spells it.
_CLOUD_KEY = re.compile(r"^(?:s3|s3a|gs|gcs|azure-blob|az|abfss?|r2)://[^/]*/", re.I)
_UNESCAPED = re.compile(r"[\s\\#]|[^\x00-\x7f]")  # (never in an escaped URL)
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
_SNIFF_BYTES = 65536


def sniff_tasks(path: Path) -> bool:
    """A JSON list whose first item has ``data`` and ``annotations`` or ``predictions``
    (judged from the first 64 KB: Label Studio writes ``id``/``annotations`` before
    ``data``, but the keys' order is not promised)."""
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    except OSError:
        return False
    if not head.startswith("["):
        return False
    if '"annotation_id"' in head and '"lead_time"' in head:  # JSON-MIN (.labelstudio_min)
        return True
    return '"data"' in head and ('"annotations"' in head or '"predictions"' in head)


def tasks_rows(tasks: object, path: Path, options: ImportOptions) -> LabelFile:
    """Rows of the tasks' annotations (or, with ``options.predictions``, predictions), the
    tasks as loaded from ``path`` (a list, or its items as they are parsed: read once,
    each let go once its row is made); a task's problems are kept by its entry number
    (its place in the list, from 1)."""
    if not isinstance(tasks, list | Iterator):
        raise LabelFileError(
            str(path), ['expected a Label Studio export: a list of tasks {"data": ...}']
        )
    maker = RowMaker(str(path))
    written: dict[int, str] = {}
    uploads: set[int] = set()
    seen = _Unread()
    maker.parsed.records = _task_records(
        maker, iter(tasks), path, options, (written, uploads), seen
    )
    rows = maker.result(unmatched_ok=True)
    if not rows.rows and not rows.problems and seen.tasks:
        raise NoAnnotations(str(path), [seen.problem(options.predictions)])
    return with_written(rows, written, uploads)


class NoAnnotations(LabelFileError):
    """A Label Studio export none of whose tasks has an annotation to read: refused by
    ``import`` (nothing to apply), but what an export of images with no label is when
    ``version verify`` reads it back."""


class _Unread:
    """The tasks of an export and those with the kind of entry not read (predictions,
    when annotations are read): an export of tasks none of which has an annotation (a
    project exported before anyone labeled, tasks imported with predictions alone) gives
    no row, and is refused saying so, not as "the file has no rows"."""

    def __init__(self) -> None:
        self.tasks = 0
        self.other = 0  # tasks with an entry of the kind not read

    def see(self, task: object, other: str) -> None:
        self.tasks += 1
        if isinstance(task, dict) and task.get(other):
            self.other += 1

    def problem(self, predictions: bool) -> str:
        kind = "prediction" if predictions else "annotation"
        tasks = "its task" if self.tasks == 1 else f"its {self.tasks:,} tasks"
        why = "none made" if predictions else "none made, or all cancelled"
        text = (
            f"none of {tasks} has {'a' if predictions else 'an'} {kind} with a choice "
            f"({why}): nothing to apply, every image keeps its label"
        )
        if not predictions and self.other:
            have = "has" if self.other == 1 else "have"
            text += f"; {self.other:,} {have} predictions: read them with --predictions"
        elif predictions and self.other:
            text += " (read the annotations without --predictions)"
        return text


def with_written(rows: LabelFile, written: dict[int, str], uploads: set[int]) -> LabelFile:
    """``rows`` with each row's reference as written (``written``, by entry) where its
    ``data.path`` was taken instead (see :func:`own_path`), and the entries whose image is
    an uploaded file (``uploads``: its name is the safe spelling Label Studio stored it
    under, :mod:`labeldesk.core.upload_names`)."""
    if written:
        rows.written_paths = [written.get(row.line, "") for row in rows.rows]
    rows.upload_lines = uploads
    return rows


def is_upload(ref: str) -> bool:
    """Whether a reference is a file uploaded to Label Studio (``/data/upload/…``)."""
    return "/data/upload/" in ref and not _CLOUD_KEY.match(ref) and not _LOCAL_FILES.match(ref)


def _task_records(
    maker: RowMaker,
    tasks: Iterator[Any],
    path: Path,
    options: ImportOptions,
    kept: tuple[dict[int, str], set[int]],
    seen: _Unread,
) -> Iterator[Record]:
    """The tasks' records; ``kept``: where each task's reference is kept when its
    ``data.path`` is taken (:func:`own_path`), and the entries of uploaded files;
    ``seen``: counts the tasks."""
    written, uploads = kept
    kind = "predictions" if options.predictions else "annotations"
    other = "annotations" if options.predictions else "predictions"
    ids = _PredictionIds()
    for entry, task in enumerate(tasks, start=1):
        seen.see(task, other)
        if options.predictions and isinstance(task, dict):
            ids.see(task)  # (any object's, as when the list was judged whole)
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            maker.problem(entry, 'not a task: expected {"data": {"image": ...}, ...}')
            continue
        # the image first: a task whose label is bad still names it, and with bad rows
        # skipped that image is left out whatever another task says of it
        image: str | None = None
        ref, problem = image_reference(task["data"])
        if problem is None:
            image, problem = reference_path(ref)
        if problem is None and image is not None:
            image = own_path(task["data"], image, entry, written)
            if is_upload(ref):
                uploads.add(entry)
        text, label_problem, found = task_label(task.get(kind), kind)
        split, status = given_split(task["data"]), task["data"].get("status")
        label: object = text
        if label_problem is None and not found:
            if not split and not status:
                continue  # nothing to apply: the image keeps its label
            label = KEEP_LABEL  # its split and status still come back; its label stays
        if label_problem is not None:
            maker.problem(entry, label_problem, path=image)
        elif problem is not None:
            maker.problem(entry, problem)
        else:
            assert image is not None
            bound = task["data"].get("verified_label")
            record = maker.admitted(entry, image, label, split, status, bound)
            if record is not None:
                yield record
    if ids.only():  # (judged of every task: the whole file's problem, not a task's)
        raise LabelFileError(str(path), [PREDICTION_IDS])


def given_split(data: dict[str, Any]) -> object:
    """A task's ``split``, or None (the image keeps its own) where LabelDesk's export
    marked it ``no_split``: an image without a split, written as ``train``."""
    split = data.get("split")
    if data.get("no_split") is True and split in (None, "", NO_SPLIT_WRITTEN_AS):
        return None
    return split


PREDICTION_IDS = (
    "this export lists the predictions by id only (Label Studio's quick export does); "
    "export a snapshot with the predictions in full (POST /api/projects/ID/exports, "
    "then its download) to import them"
)


class _PredictionIds:
    """Whether the tasks' predictions are all ids, none in full (so none can be read),
    judged task by task."""

    def __init__(self) -> None:
        self.entries = False  # a prediction seen
        self.full = False  # one that is not an id

    def see(self, task: dict[str, Any]) -> None:
        listed = task.get("predictions")
        if listed and isinstance(listed, list):
            self.entries = self.entries or bool(listed)
            self.full = self.full or not all(isinstance(e, int) for e in listed)

    def only(self) -> bool:
        return self.entries and not self.full


def own_path(data: dict[str, Any], image: str, entry: int, written: dict[int, str]) -> str:
    """LabelDesk's export writes the image's project path as ``data.path``; where the
    exported file was renamed (a name too long to copy as it was, one of two names that
    differ in case), that path finds the image in the project the export came from, and
    the reference is kept in ``written`` under the task's ``entry`` (it is taken where it
    names an image exactly: a project of the export's folder); otherwise the reference
    is the path."""
    own = data.get("path")  # (as it is: a file name may start or end with a space)
    own = own if isinstance(own, str) and own.strip() else ""
    if own and posixpath.basename(own) != posixpath.basename(image):
        written[entry] = image
        return own
    return image


def image_reference(data: dict[str, Any]) -> tuple[str, str | None]:
    """The task's image: ``data["image"]`` (the template's name), else its one value
    that looks like an image reference."""
    value = data.get("image")
    if value is None:
        found = [v for v in data.values() if isinstance(v, str) and _looks_like_image(v)]
        if len(found) != 1:
            keys = ", ".join(sorted(map(str, data))[:10]) or "none"
            return "", f"cannot tell which data field is the image (keys: {keys}; expected 'image')"
        value = found[0]
    if not isinstance(value, str) or not value.strip():
        return "", "data.image must be the image's URL or path"
    return value.strip(), None


def _looks_like_image(value: str) -> bool:
    try:
        path = urlsplit(value).path if "://" in value or value.startswith("/data/") else value
    except ValueError:  # not a URL at all ("http://[bucket/a.jpg")
        return False
    return value.startswith("/data/") or path.lower().endswith(_IMAGE_SUFFIXES)


def reference_path(ref: str) -> tuple[str, str | None]:
    """The path in a Label Studio image reference (see the module's docstring), or the
    reason it is refused."""
    if ref.startswith("data:"):
        return "", "an inline data: image is not a file LabelDesk can match"
    if _DRIVE.match(ref):  # C:\images\a.jpg is a path, not a URL with scheme "c"
        return ref, None
    if local := _LOCAL_FILES.match(ref):
        return _local_files_path(local.group(1))
    if cloud := _CLOUD_KEY.match(ref):  # the bucket's own key, not a URL: "#" and "?" are
        return ref[cloud.end() :], None  # ordinary characters there, nothing is escaped
    try:
        parts = urlsplit(ref)
    except ValueError as exc:  # "http://[bucket/a.jpg": that task's problem, not the file's
        return "", f"not a valid URL ({exc}): {quoted(ref[:200], True)}"
    path = unquote(parts.path)
    if "/data/upload/" in f"/{path.lstrip('/')}":
        name = posixpath.basename(path)
        return _UPLOAD_PREFIX.sub("", name), None
    if parts.scheme:
        return path.lstrip("/"), None
    return ref, None


def _local_files_path(query: str) -> tuple[str, str | None]:
    """The ``d`` parameter of a local-files URL's query, everything after ``d=``: Label
    Studio's local storage wrote the path into the URL unescaped in some versions, so a
    ``#``, ``?``, ``&`` or ``+`` in it is part of the file's name (LabelDesk's own export
    escapes them, and ``%XX`` escapes are decoded, unless the value holds what no escaped
    value does: a space, a backslash, ``#``, a non-ASCII letter)."""
    if query.startswith("d="):
        value = query[2:]
    elif "&d=" in query:
        value = query.split("&d=", 1)[1]
    else:
        return "", "a local-files URL without ?d=<path>"
    # An escaped value never holds a space, a backslash, "#" or a non-ASCII letter: one
    # that does was written unescaped (str() of a path), so its "%" signs are the name's
    return (value if _UNESCAPED.search(value) else unquote(value)), None


def task_label(entries: object, kind: str) -> tuple[str | None, str | None, bool]:
    """(label, problem, found) of a task's annotations or predictions: found is False
    when there is none to read (none made, or all cancelled)."""
    if entries is None:
        return None, None, False
    if not isinstance(entries, list):
        return None, f"{kind} must be a list", False
    objects = [e for e in entries if isinstance(e, dict)]
    if len(objects) < len(entries):
        return None, f"{kind} must be objects with a 'result' (export them in full)", False
    usable = [(n, e) for n, e in enumerate(objects) if not e.get("was_cancelled")]
    if not usable:
        return None, None, False
    _, newest = max(usable, key=_newest_key)
    label, problem = result_label(newest.get("result"))
    return label, problem, problem is not None or label is not None


def _newest_key(numbered: tuple[int, dict[str, Any]]) -> tuple[float, float, int]:
    """Newest first by time, then id (compared as they are: a huge int id has no float),
    then place in the file."""
    n, entry = numbered
    ident = entry.get("id")
    return entry_time(entry), ident if isinstance(ident, int | float) else float("-inf"), n


def entry_time(entry: dict[str, Any]) -> float:
    """An annotation's time, ``updated_at`` else ``created_at``, as a timestamp (a time
    without a fraction or zone compares rightly with one that has them); -inf if none."""
    when = entry.get("updated_at") or entry.get("created_at")
    if isinstance(when, str):
        with contextlib.suppress(ValueError):
            stamp = datetime.fromisoformat(when.replace("Z", "+00:00"))
            if stamp.tzinfo is None:  # Label Studio writes UTC
                stamp = stamp.replace(tzinfo=timezone.utc)
            return stamp.timestamp()
    return float("-inf")


def result_label(result: object) -> tuple[str | None, str | None]:
    """The one class chosen in an annotation's (or prediction's) ``result``."""
    if not isinstance(result, list):
        return None, "the annotation has no result list"
    choices = [
        r
        for r in result
        if isinstance(r, dict) and isinstance(r.get("value"), dict) and "choices" in r["value"]
    ]
    if not choices:
        kinds = sorted({str(r.get("type")) for r in result if isinstance(r, dict)})
        if kinds:
            return None, f"no choices result ({', '.join(kinds)}): not an image classification"
        return None, None  # submitted without a choice: nothing to apply
    if len(choices) > 1:
        named = [r for r in choices if r.get("from_name") == "choice"]
        if len(named) != 1:
            names = ", ".join(sorted({str(r.get("from_name")) for r in choices}))
            return None, f"several Choices results ({names}); LabelDesk reads one named 'choice'"
        choices = named
    picked = choices[0]["value"]["choices"]
    if not isinstance(picked, list) or len(picked) > 1:
        return None, f"several choices {json_shown(picked)}: multi-label is not supported"
    if picked and isinstance(picked[0], str) and not picked[0].strip():
        return None, "an empty choice names no class (to unlabel an image, submit no choice)"
    return (picked[0] if picked else None), None
