"""Matching a label file's image ids to images by file stem.

Kaggle-style manifests name an image by an id without its extension (``train.csv`` with
``id,category`` for ``train/0a1b2c.jpg``). A written path that names no image exactly
is taken to mean the image whose path without its extension equals it (``train/0a1b2c``)
or, for a bare name, the one image anywhere whose file stem equals it (``0a1b2c``) — only
when exactly one image fits: two candidates are listed instead of guessed between.

The project's paths are read only when some row matched nothing, so files that name
every image exactly cost nothing extra.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .project import Project

SHOWN = 3  # candidates named in the problem of an ambiguous id


class StemMatches:
    """For each written path that matched nothing exactly: the images it may mean."""

    def __init__(self, found: dict[str, list[str]]):
        self.found = found

    @classmethod
    def find(cls, project: Project, unmatched: Iterable[Sequence[str]]) -> StemMatches:
        """``unmatched``: the candidate spellings of each row that named no image (as
        :func:`labeldesk.core.label_files.apply_label_rows` tidies them)."""
        wanted = {c for candidates in unmatched for c in candidates[:1] if c}
        if not wanted:
            return cls({})
        rows = project.db.query("SELECT path FROM images WHERE removed_at IS NULL")
        return cls(stem_candidates(wanted, (row[0] for row in rows)))

    def unique(self, candidates: Sequence[str]) -> str | None:
        """The one image the row's first spelling stands for, or None."""
        matches = self.found.get(candidates[0], []) if candidates else []
        return matches[0] if len(matches) == 1 else None

    def ambiguity(self, candidates: Sequence[str]) -> str | None:
        """The problem of a row whose id fits several images, or None."""
        matches = self.found.get(candidates[0], []) if candidates else []
        if len(matches) < 2:
            return None
        shown = ", ".join(repr(m) for m in matches[:SHOWN])
        more = f" and {len(matches) - SHOWN} more" if len(matches) > SHOWN else ""
        return (
            f"{candidates[0]!r} fits {len(matches)} images ({shown}{more}); "
            "write the path with its extension"
        )


def stem_candidates(wanted: Iterable[str], paths: Iterable[str]) -> dict[str, list[str]]:
    """For each of ``wanted``: the ``paths`` whose path without its extension equals it
    or, when it has no folder, whose file stem equals it. An exact path-without-extension
    match wins over stems elsewhere (``a/x`` means ``a/x.jpg``, not ``b/x.jpg``)."""
    want = set(wanted)
    by_path: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    for path in paths:
        base, ext = posixpath.splitext(path)
        if not ext:
            continue
        if base in want:
            by_path.setdefault(base, []).append(path)
        stem = posixpath.basename(base)
        if stem in want and stem != base:
            by_stem.setdefault(stem, []).append(path)
    out: dict[str, list[str]] = {}
    for name in want:
        matches = by_path.get(name) or ([] if "/" in name else by_stem.get(name, []))
        if matches:
            out[name] = sorted(matches)
    return out
