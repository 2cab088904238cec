"""The project's drift history: every drift report, as one JSON file under ``drift/``.

Files, like the model versions' folders under ``models/``, sit in the project folder and
are written atomically (a reader never sees half a report). A file that cannot be read
is skipped with a warning; it is never deleted (it is a record, not a cache). What a run
killed outright leaves is not a report: its temporary file (a hidden name, never listed,
removed by the next save) and the empty file that claimed its name (removed by the next
save once a minute old; a writer fills its claim within milliseconds).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.staging import EMPTY_LEFTOVER_AGE_S

from .cachefiles import write_bytes_atomically

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .drift import DriftReport

log = logging.getLogger(__name__)

_REPORT_NAME = re.compile(r"^\d{8}-\d{6}-\d{3,}\.json$")  # save_report's names


def drift_dir(project: Project) -> Path:
    return project.path / "drift"


def save_report(project: Project, report: DriftReport) -> Path | None:
    """Write ``report`` to the history; returns the file (named by time and a counter, so
    names sort in the order reports were saved, and never reused). None, nothing written,
    for a project that cannot be written (a read-only share or disk): the report is
    still shown."""
    if project.read_only is not None:
        return None
    folder = drift_dir(project)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_unwritten_claims(folder)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    n = 1
    while True:  # claim the name first: two reports saved in the same second keep both
        target = folder / f"{stamp}-{n:03d}.json"
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            break
        except FileExistsError:
            n += 1
    write_bytes_atomically(target, json.dumps(report.to_json(), indent=1).encode())
    return target


def _remove_unwritten_claims(folder: Path) -> None:
    """Delete the empty files named as reports that runs killed between claiming a name
    and writing their report left (a minute old: no running writer's claim is)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not _REPORT_NAME.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not entry.is_file(follow_symlinks=False) or info.st_size:
                continue
            if time.time() - info.st_mtime < EMPTY_LEFTOVER_AGE_S:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        log.info("removed %s, the name of a report an interrupted run never wrote", entry.path)


def drift_history(project: Project) -> list[dict[str, Any]]:
    """Every saved report, oldest first, each with its ``file`` name added (a hidden
    file is a report still being written, or a killed run's temporary: not one)."""
    out = []
    for path in sorted(drift_dir(project).glob("*.json")):
        if path.name.startswith("."):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            if not text:
                continue  # a name claimed by a report being written now
            record = json.loads(text)
        except (OSError, ValueError, RecursionError) as exc:
            log.warning("skipping drift report %s: %s", path, exc)
            continue
        if isinstance(record, dict):
            out.append({**record, "file": path.name})
    return out
