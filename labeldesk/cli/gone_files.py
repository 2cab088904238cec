"""A note for a listing drawn from stored data (embeddings) that shows images whose files
are gone from the image folder since the last scan: only the images shown are looked at,
one stat each, never the whole project."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from labeldesk.core.gone_files import files_gone

if TYPE_CHECKING:
    from labeldesk.core.project import Project

NAMED = 3  # gone images named in the note, at most

SCAN_ADVICE = (
    "run `labeldesk scan PROJECT` to bring the project up to date (a moved or renamed "
    "file is found again, labels and all)"
)


def gone_note(project: Project, asked: str | None, listed: Sequence[str]) -> str | None:
    """Why some of the images a command shows (``asked``: the image it was asked about,
    or None; ``listed``: the others) are not in the image folder now, or None when all
    are there: deleted, moved or renamed since the last scan, shown still from what was
    stored. Where the image folder itself is not there, that is said instead."""
    shown = ([asked] if asked is not None else []) + list(listed)
    if not shown:
        return None
    if not os.path.isdir(project.root):
        return (
            f"the image folder {project.root} is not there (a drive not connected?): the "
            "listing comes from the stored embeddings"
        )
    gone = [p for p, missing in zip(shown, files_gone(project, shown), strict=True) if missing]
    if not gone:
        return None
    named = [f"{p} (the image asked about)" if p == asked else p for p in gone[:NAMED]]
    more = f" and {len(gone) - NAMED:,} more" if len(gone) > NAMED else ""
    if len(shown) == 1:
        subject = "the image shown is"
    elif len(gone) == len(shown):
        subject = "both images shown are" if len(shown) == 2 else f"all {len(shown):,} shown are"
    else:
        verb = "is" if len(gone) == 1 else "are"
        subject = f"{len(gone):,} of the {len(shown):,} images shown {verb}"
    return (
        f"{subject} no longer in the image folder (deleted, moved or renamed since the last "
        f"scan; the listing comes from the stored embeddings): {', '.join(named)}{more}; "
        + SCAN_ADVICE
    )
