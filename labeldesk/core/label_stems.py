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
from collections.abc import Iterable

from .path_matches import PathMatches


class StemMatches(PathMatches):
    HINT = "write the path with its extension"

    @classmethod
    def match(cls, wanted: set[str], paths: Iterable[str]) -> dict[str, list[str]]:
        return stem_candidates(wanted, paths)


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
