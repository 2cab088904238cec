"""Which files of the folder no longer hold what the last scan indexed: asked when a
dataset version is recorded, because a version names the indexed bytes and its export
can only write files that still hold them.

The check is the scan's own cheap one, without reading a byte: each usable image's file
is stat'ed and its size, modification time and change time compared with the indexed
ones (:func:`~labeldesk.core.indexed_files.stat_matches`). A file only touched (its bytes
the same) counts as changed here; the scan that is suggested hashes it and settles it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .db import Database
from .display import counted
from .image_rows import usable_stats
from .indexed_files import stat_matches
from .progress import Progress

NAMED = 3  # files named in the sentence
LISTED = 100  # paths of each kind kept for --json (a moved folder can be a million)
REPORT_EVERY = 20_000  # files between progress reports
CHECKING = "checking the files against the last scan"


@dataclass
class StaleFiles:
    """The usable images whose files are gone (moved, renamed or deleted) or changed
    (edited, replaced, or only touched) since the last scan: how many, and the first
    :data:`LISTED` of each in path order; ``checked``: how many files were looked at;
    ``root_missing``: the image folder itself is not there (an unplugged drive), so
    nothing could be checked."""

    checked: int = 0
    gone: int = 0
    changed: int = 0
    gone_paths: list[str] = field(default_factory=list)
    changed_paths: list[str] = field(default_factory=list)
    root_missing: bool = False

    @property
    def clean(self) -> bool:
        return not (self.gone or self.changed or self.root_missing)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "gone": self.gone,
            "changed_paths": self.changed_paths,
            "gone_paths": self.gone_paths,
            "root_missing": self.root_missing,
        }

    def warning(self, project: str = "PROJECT") -> str:
        """One sentence for a person ("" when every file is as indexed): what differs,
        the first few paths, what it means for the version and what to do."""
        if self.root_missing:
            return (
                "the image folder is not there (an unplugged drive or a moved folder?): "
                "whether the version's files still hold what the last scan found could not "
                "be checked"
            )
        if self.clean:
            return ""
        parts = []
        if self.changed:
            parts.append(f"{counted(self.changed, 'file')} changed (edited or touched)")
        if self.gone:
            parts.append(f"{counted(self.gone, 'file')} gone (moved, renamed or deleted)")
        first = [*self.changed_paths, *self.gone_paths][:NAMED]
        more = self.changed + self.gone - len(first)
        named = ", ".join(first) + (f" and {more:,} more" if more else "")
        return (
            f"{' and '.join(parts)} since the last scan: {named}. The version records them "
            "as they were indexed, so an export of it will list them under failed or "
            f"missing instead of writing them; to have a version hold the files as they "
            f"are now, run `labeldesk scan {project}` and record one under a new name"
        )


def stale_files(
    db: Database,
    root: Path,
    progress: Callable[[Progress], None] | None = None,
) -> StaleFiles:
    """Stat every usable image's file under ``root`` and compare it with the index (one
    ``stat`` a file, no read), reporting to ``progress`` every few thousand files."""
    rows = usable_stats(db)
    found = StaleFiles(checked=len(rows))
    if rows and not root.is_dir():
        found.root_missing = True
        return found
    base, join, stat = str(root), os.path.join, os.stat
    for i, (path, size, mtime, ctime) in enumerate(rows):
        if progress is not None and i % REPORT_EVERY == 0:
            progress(Progress(i, len(rows), CHECKING))
        try:
            st = stat(join(base, path))
        except (OSError, ValueError):  # gone, or a folder of the path now a file
            found.gone += 1
            if found.gone <= LISTED:
                found.gone_paths.append(path)
            continue
        if not stat_matches(st, (size, mtime, ctime)):
            found.changed += 1
            if found.changed <= LISTED:
                found.changed_paths.append(path)
    if progress is not None:
        progress(Progress(len(rows), len(rows), CHECKING))
    return found
