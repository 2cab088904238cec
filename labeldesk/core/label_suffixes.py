"""Matching a label file's paths to images by path suffix.

Other tools name an image by where *they* keep it: Label Studio by a path under its
document root (``dataset/train/cat/a.jpg``), an uploaded file's name (``a.jpg``) or a URL
(``bucket/train/cat/a.jpg``); a FiftyOne or Label Studio export made from a subfolder of
the image folder by a path below it. A relative written path that names no image (not
exactly, not by its stem, :mod:`.label_stems`) is taken to mean the image whose path it
ends with, or that ends with it, folder by folder: ``dataset/train/cat/a.jpg`` and
``a.jpg`` both mean ``train/cat/a.jpg``, but ``dog/a.jpg`` does not. The image sharing
the most trailing folders wins; when several tie they are listed instead of guessed
between. An absolute path is never matched this way: one outside the image folder stays
refused.

The project's paths are read only when some row matched nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .path_matches import PathMatches


class SuffixMatches(PathMatches):
    HINT = "write more of its path"

    @classmethod
    def match(cls, wanted: set[str], paths: Iterable[str]) -> dict[str, list[str]]:
        return suffix_candidates(wanted, paths)

    @classmethod
    def wanted(cls, unmatched: Iterable[Sequence[str]]) -> set[str]:
        """Relative paths only: an absolute one outside the image folder stays refused."""
        return {
            path
            for path in super().wanted(unmatched)
            if not path.startswith("/") and ":" not in path[:3] and ".." not in path.split("/")
        }


def suffix_candidates(wanted: Iterable[str], paths: Iterable[str]) -> dict[str, list[str]]:
    """For each of ``wanted``: the ``paths`` that end with it or that it ends with (whole
    folder and file names), keeping only those that share the most trailing names."""
    parts = {w: w.split("/") for w in wanted}
    names = {p[-1] for p in parts.values()}
    by_name: dict[str, list[str]] = {}
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        if name in names:
            by_name.setdefault(name, []).append(path)
    out: dict[str, list[str]] = {}
    for written, written_parts in parts.items():
        best, matches = 0, []
        for path in by_name.get(written_parts[-1], []):
            path_parts = path.split("/")
            n = min(len(path_parts), len(written_parts))
            if path_parts[-n:] != written_parts[-n:]:
                continue
            if n > best:
                best, matches = n, [path]
            elif n == best:
                matches.append(path)
        if matches:
            out[written] = sorted(matches)
    return out
