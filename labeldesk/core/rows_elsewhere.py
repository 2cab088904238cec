"""Rows of a LabelDesk export applied to another project than the one it came from (a
project made from the export's folder, a colleague's project of a copy of the image
folder): the paths as written, unless the export says better.

- A Label Studio task of a copy the export renamed (one of ``a.png`` and ``A.png``, a
  name too long to copy) names it by the copy's file name, and the image's path in the
  source project as ``data.path``; the reader takes ``data.path``, which finds the image
  in that project (also from Label Studio's own export of the tasks, saved where no
  manifest lies beside it). In a project made from the export's folder the copy is an
  image itself and ``data.path`` is only a file name, which finds another image
  (``images/x/a.png``) or none: there the path as written names the image exactly, and
  that one is taken (:func:`prefer_written`).
- A row names the image at the path the export's manifest records for its file, when
  that image holds the bytes the manifest records with it (the same picture, at its own
  path in a copy of the image folder) and the image the row names as written, if any,
  does not: ``images/a--<digest>.png`` (a file the export renamed) names no image there,
  and ``images/a.png`` (the copy of ``a.png``) may name another picture, the folder's own
  ``images/a.png`` (:func:`recorded_pictures`). In a project made from the export's
  folder each row names its copy, which holds those bytes, as written.

In the project the rows came from, :func:`.label_files._in_source_project` leads them
back instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .image_rows import live_paths_by_hash
from .label_paths import exact, listed, spellings
from .label_rows import Rows, RowTable

if TYPE_CHECKING:
    from .db import Database

Known = Callable[[Iterable[str]], set[str]]  # those of some paths that name an image exactly


class _Read(Protocol):
    rows: Rows
    written_paths: list[str]  # per row: the path as written when it is not the row's ("")
    led_back: list[bool]  # (set when the rows went back into the project they came from)
    exported_from: str | None  # (None once led back, or not an export)
    source_paths: list[str]  # per row: the path its export recorded ("": none)
    source_hashes: list[str]  # and the bytes it recorded with it ("": none)
    content_files: list[str]  # (rows named by their files' bytes: matched elsewhere)


def in_another_project(found: _Read, db: Database, known: Known, root: Path) -> None:
    """Both rules of the module's docstring, for rows not led back into their project."""
    if found.led_back:
        return
    prefer_written(found, known, root)
    if found.exported_from is not None and not found.content_files:
        recorded_pictures(found, db, known, root)


def prefer_written(found: _Read, known: Known, root: Path) -> None:
    """Each row whose path as written (``found.written_paths``) names an image exactly
    names that image."""
    written = found.written_paths
    if not any(written):
        return
    spelt = {i: listed(spellings(root, path)) for i, path in enumerate(written) if path}
    images = known(p for candidates in spelt.values() for p in candidates)
    chosen = {i: exact(written[i], candidates, images) for i, candidates in spelt.items()}
    _replace(found, chosen)


def recorded_pictures(found: _Read, db: Database, known: Known, root: Path) -> None:
    """Each row whose own image (the one it names exactly, if any) does not hold the
    bytes its export recorded names the image at its recorded path, when that one
    does."""
    paths, hashes, rows = found.source_paths, found.source_hashes, found.rows
    wanted = [i for i, (p, h) in enumerate(zip(paths, hashes, strict=True)) if p and h]
    if not wanted:
        return
    images = known(p for i in wanted for p in listed(spellings(root, rows[i].path)))
    by_hash = live_paths_by_hash(db, {hashes[i] for i in wanted})
    chosen: dict[int, str | None] = {}
    for i in wanted:
        holders = by_hash.get(hashes[i], ())
        own = exact(rows[i].path, listed(spellings(root, rows[i].path)), images)
        if paths[i] in holders and own not in holders:
            chosen[i] = paths[i]
    _replace(found, chosen)


def _replace(found: _Read, chosen: dict[int, str | None]) -> None:
    if any(chosen.values()):
        rows = found.rows
        found.rows = RowTable(r._replace(path=chosen.get(i) or r.path) for i, r in enumerate(rows))
