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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .project import Project

SHOWN = 3  # candidates named in the problem of an ambiguous path


class SuffixMatches:
    """For each relative written path that matched nothing: the images it may mean."""

    def __init__(self, found: dict[str, list[str]]):
        self.found = found

    @classmethod
    def find(cls, project: Project, unmatched: Iterable[Sequence[str]]) -> SuffixMatches:
        """``unmatched``: the candidate spellings of each row that named no image (as
        :func:`labeldesk.core.label_files.apply_label_rows` tidies them; the first is
        the tidied relative path)."""
        wanted = {
            c[0]
            for c in unmatched
            if c
            and c[0]
            and not c[0].startswith("/")
            and ":" not in c[0][:3]
            and ".." not in c[0].split("/")
        }
        if not wanted:
            return cls({})
        rows = project.db.query("SELECT path FROM images WHERE removed_at IS NULL")
        return cls(suffix_candidates(wanted, (row[0] for row in rows)))

    def unique(self, candidates: Sequence[str]) -> str | None:
        """The one image the row's first spelling stands for, or None."""
        matches = self.found.get(candidates[0], []) if candidates else []
        return matches[0] if len(matches) == 1 else None

    def ambiguity(self, candidates: Sequence[str]) -> str | None:
        """The problem of a row whose path fits several images equally well, or None."""
        matches = self.found.get(candidates[0], []) if candidates else []
        if len(matches) < 2:
            return None
        shown = ", ".join(repr(m) for m in matches[:SHOWN])
        more = f" and {len(matches) - SHOWN} more" if len(matches) > SHOWN else ""
        return (
            f"{candidates[0]!r} fits {len(matches)} images ({shown}{more}); write more of its path"
        )


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
