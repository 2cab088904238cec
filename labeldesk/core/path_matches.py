"""What label-file paths that name no image exactly may mean: the shared part of matching
by file stem (:mod:`.label_stems`) and by path suffix (:mod:`.label_suffixes`).

A subclass says which written paths it tries (:meth:`PathMatches.wanted`) and which of
the project's paths each may mean (:meth:`PathMatches.match`); a row is matched only
when exactly one image fits, and otherwise its problem lists the candidates.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import ClassVar, TypeVar

SHOWN = 3  # candidates named in the problem of an ambiguous path
M = TypeVar("M", bound="PathMatches")


def same_path(candidates: Sequence[str]) -> list[str]:
    """The first spelling, then those of the others that differ from it only by a
    backslash kept or the Unicode form (not the path as written with its outer spaces or
    ``file:`` scheme, which may name a path outside the image folder)."""
    if not candidates:
        return []
    first = _plain(candidates[0])
    return [candidates[0], *(c for c in candidates[1:] if _plain(c) == first)]


def _plain(path: str) -> str:
    return unicodedata.normalize("NFC", path.replace("\\", "/"))


class PathMatches:
    """For each written path that matched nothing exactly: the images it may mean."""

    HINT: ClassVar[str] = ""  # what to write instead, when several images fit

    def __init__(self, found: dict[str, list[str]]):
        self.found = found

    @classmethod
    def wanted(cls, unmatched: Iterable[Sequence[str]]) -> set[str]:
        """The written paths to try: the spellings of each unmatched row that
        :func:`same_path` keeps (the first is the tidied relative path; the others,
        tried in turn when it fits no image, keep a backslash as a file name's character
        or are in the other Unicode form, as macOS writes names)."""
        return {c for candidates in unmatched for c in same_path(candidates) if c}

    @classmethod
    def match(cls, wanted: set[str], paths: Iterable[str]) -> dict[str, list[str]]:
        raise NotImplementedError

    @classmethod
    def find(cls: type[M], paths: Sequence[str], unmatched: Iterable[Sequence[str]]) -> M:
        """``paths``: the project's image paths (read once by the caller for every kind
        of match); ``unmatched``: the candidate spellings of each row that named none."""
        wanted = cls.wanted(unmatched)
        return cls(cls.match(wanted, paths) if wanted else {})

    def _fitting(self, candidates: Sequence[str]) -> tuple[str, list[str]]:
        """(the row's first spelling that fits any image, the images it fits), or
        ("", [])."""
        fitting = ((c, self.found[c]) for c in same_path(candidates) if self.found.get(c))
        return next(fitting, ("", []))

    def unique(self, candidates: Sequence[str]) -> str | None:
        """The one image the row's first fitting spelling stands for, or None."""
        matches = self._fitting(candidates)[1]
        return matches[0] if len(matches) == 1 else None

    def ambiguity(self, candidates: Sequence[str]) -> str | None:
        """The problem of a row whose path fits several images, or None."""
        spelling, matches = self._fitting(candidates)
        if len(matches) < 2:
            return None
        shown = ", ".join(repr(m) for m in matches[:SHOWN])
        more = f" and {len(matches) - SHOWN} more" if len(matches) > SHOWN else ""
        return f"{spelling!r} fits {len(matches)} images ({shown}{more}); {self.HINT}"
