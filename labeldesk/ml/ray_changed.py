"""A Ray embedding job in which every image the workers read differed from the file
indexed at the last scan: an error that says so (as a local run's
:class:`~labeldesk.core.errors.ScanNeeded`), not a job that ends as if done with nothing
embedded.

On a cluster there are two reasons for it and this machine cannot always tell which: the
images changed since the scan (a scan takes them in), or the workers read an out-of-date
copy of the image folder (a copy to bring up to date). The message says both, and what
this machine sees of its own files (still as scanned, or changed too) to tell which is
likelier.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from labeldesk.core.display import counted
from labeldesk.core.errors import ScanNeeded
from labeldesk.core.image_rows import usable_files
from labeldesk.core.indexed_files import stat_matches

from .ray_worker import CHANGED_ON_WORKER

if TYPE_CHECKING:
    from labeldesk.core.project import Project


def all_changed_on_workers(
    project: Project, failed: list[dict[str, str]], root: str, address: str
) -> ScanNeeded | None:
    """The error for a job that embedded nothing because every image it sent was read
    on the workers as changed (``failed``: the job's failed images); None otherwise."""
    if not failed or any(f["reason"] != CHANGED_ON_WORKER for f in failed):
        return None  # some could not be read: the report lists each with its reason
    paths = sorted(f["path"] for f in failed)
    return _scan_needed(project, paths, f"all {counted(len(paths), 'image')}", root, address)


def probed_changed(
    project: Project, paths: list[str], root: str, address: str
) -> ScanNeeded | None:
    """The error for a probe whose images the workers read as other files when each of
    them changed here too since the scan (the workers may read the same folder: a scan
    is the likelier fix, not another --remote-root); None when some are as scanned here
    (the workers' folder holds other files: the probe's own error says so)."""
    if not paths or _changed_here(project, set(paths)) != len(paths):
        return None
    return _scan_needed(project, paths, f"the first {counted(len(paths), 'image')}", root, address)


def _scan_needed(
    project: Project, paths: list[str], which: str, root: str, address: str
) -> ScanNeeded:
    first = ", ".join(paths[:3]) + (", …" if len(paths) > 3 else "")
    folder = shlex.quote(str(project.path))
    again = f"labeldesk embed {folder} --ray {shlex.quote(address)}"
    here = _changed_here(project, set(paths))
    if here is None:
        seen = "the image folder is not on this machine to compare"
    elif here == 0:
        seen = "here they are as scanned, so most likely the workers' copy is out of date"
    elif here == len(paths):
        seen = "here they changed since the scan too"
    else:
        seen = f"here {here:,} of them changed since the scan"
    return ScanNeeded(
        f"nothing was embedded: the Ray workers read {which} to embed as other files than "
        f"those indexed at the last scan ({first}); {seen}. If the images changed since the "
        f"scan, run `labeldesk scan {folder}` to index them as they are now, then run "
        f"`{again}`; if the workers' copy of the image folder ({root}) is out of date, "
        f"bring it up to date with this machine's, then run `{again}` again"
    )


def _changed_here(project: Project, paths: set[str]) -> int | None:
    """How many of ``paths`` differ here from the scan (size and times; gone counts);
    None when the image folder is not here at all."""
    if not project.root.is_dir():
        return None
    changed = 0
    rows: list[Any] = [r for r in usable_files(project.db) if r["path"] in paths]
    for row in rows:
        try:
            st = project.image_path(row["path"]).stat()
        except OSError:
            changed += 1
            continue
        if not stat_matches(st, (row["size"], row["mtime_ns"], row["ctime_ns"])):
            changed += 1
    return changed
