"""A row whose reader named its image by another path than the one the file wrote.

A Label Studio task of LabelDesk's export names a copy the export renamed (one of
``a.png`` and ``A.png``, a name too long to copy) by the copy's file name, and the
image's path in the source project as ``data.path``; the reader takes ``data.path``,
which finds the image in that project (also from Label Studio's own export of the
tasks, saved where no export manifest lies beside it). In a project made from the
export's folder the copy is an image itself and ``data.path`` is only a file name, which
finds another image (``images/x/a.png``) or none: there the path as written names the
image exactly, and that one is taken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from .label_paths import exact, listed, spellings
from .label_rows import Rows, RowTable


class _Read(Protocol):
    rows: Rows
    written_paths: list[str]  # per row: the path as written when it is not the row's ("")
    led_back: list[bool]  # (set when the rows went back into the project they came from)


def prefer_written(found: _Read, known: Callable[[Iterable[str]], set[str]], root: Path) -> None:
    """Each row whose path as written (``found.written_paths``) names an image exactly
    (``known``: those of some paths that do) names that image. Not in the project the
    rows were exported from (``led_back``): its export's manifest said which image each
    file is."""
    written = found.written_paths
    if not any(written) or found.led_back:
        return
    spelt = {i: listed(spellings(root, path)) for i, path in enumerate(written) if path}
    images = known(p for candidates in spelt.values() for p in candidates)
    chosen = {i: exact(written[i], candidates, images) for i, candidates in spelt.items()}
    if any(chosen.values()):
        rows = found.rows
        found.rows = RowTable(r._replace(path=chosen.get(i) or r.path) for i, r in enumerate(rows))
