"""What label-file paths that name no image exactly may mean: the shared part of matching
by file stem (:mod:`.label_stems`) and by path suffix (:mod:`.label_suffixes`).

A subclass says which written paths it tries (:meth:`PathMatches.wanted`) and which of
the project's paths each may mean (:meth:`PathMatches.match`); a row is matched only
when exactly one image fits, and otherwise its problem lists the candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar, TypeVar

SHOWN = 3  # candidates named in the problem of an ambiguous path
M = TypeVar("M", bound="PathMatches")


class PathMatches:
    """For each written path that matched nothing exactly: the images it may mean."""

    HINT: ClassVar[str] = ""  # what to write instead, when several images fit

    def __init__(self, found: dict[str, list[str]]):
        self.found = found

    @classmethod
    def wanted(cls, unmatched: Iterable[Sequence[str]]) -> set[str]:
        """The written paths to try, from the candidate spellings of each unmatched row
        (the first is the tidied relative path)."""
        return {c for candidates in unmatched for c in candidates[:1] if c}

    @classmethod
    def match(cls, wanted: set[str], paths: Iterable[str]) -> dict[str, list[str]]:
        raise NotImplementedError

    @classmethod
    def find(cls: type[M], paths: Sequence[str], unmatched: Iterable[Sequence[str]]) -> M:
        """``paths``: the project's image paths (read once by the caller for every kind
        of match); ``unmatched``: the candidate spellings of each row that named none."""
        wanted = cls.wanted(unmatched)
        return cls(cls.match(wanted, paths) if wanted else {})

    def unique(self, candidates: Sequence[str]) -> str | None:
        """The one image the row's first spelling stands for, or None."""
        matches = self.found.get(candidates[0], []) if candidates else []
        return matches[0] if len(matches) == 1 else None

    def ambiguity(self, candidates: Sequence[str]) -> str | None:
        """The problem of a row whose path fits several images, or None."""
        matches = self.found.get(candidates[0], []) if candidates else []
        if len(matches) < 2:
            return None
        shown = ", ".join(repr(m) for m in matches[:SHOWN])
        more = f" and {len(matches) - SHOWN} more" if len(matches) > SHOWN else ""
        return f"{candidates[0]!r} fits {len(matches)} images ({shown}{more}); {self.HINT}"
