"""Matching a label file's rows to images by content: a folder of class folders (or a
WebDataset shard) holds the image files themselves, so a row's file names its image by
its bytes, whatever the folders around it (which are the labels, not where the image
lives in the project).

A file is hashed only when its size is that of some image with a known content
(:func:`.image_rows.live_sizes`), so re-encoded copies and files of other datasets cost
a ``stat`` each. Hashes are kept on the :class:`~.label_read.LabelFile` with the file's
size and time, so a check before an import (the app's form) and the import itself read
each file once, and a file changed in between is read again. A reader that hashed the
bytes itself (a shard's member) gives the hash alone. :class:`ByContent` is how
:func:`.label_files.apply_label_rows` matches such rows.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .errors import Cancelled
from .image_rows import live_paths_by_hash, live_sizes
from .indexed_files import hash_file
from .label_stems import StemMatches
from .label_suffixes import SuffixMatches
from .progress import CancelToken, Progress, ProgressCallback, no_progress

if TYPE_CHECKING:
    from .db import Database

MATCHING = "matching files by their bytes"
PROGRESS_EVERY = 64  # files between two progress reports (and cancel checks)

# file -> its hash as its reader gave it, or (size, mtime_ns, hash) as hashed here
Hashes = dict[str, str | tuple[int, int, str]]


def same_content(
    db: Database,
    files: list[str],
    hashes: Hashes,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[list[list[str]], list[str | None]]:
    """Per file (``""``: none): the paths of the images in the folder now with its bytes
    (``[]`` when none), and why it could not be read (None when it could). Reports
    progress and stops (:class:`~.errors.Cancelled`) on ``cancel`` between files: a
    folder of 100k images takes minutes to read."""
    sizes = live_sizes(db) if any(files) else set()
    digests: list[str | None] = []
    problems: list[str | None] = []
    for n, file in enumerate(files):
        if n % PROGRESS_EVERY == 0:
            if cancel is not None and cancel.cancelled:
                raise Cancelled("cancelled while matching files by their bytes")
            progress(Progress(n, len(files), MATCHING))
        digest, problem = _digest(file, sizes, hashes) if file else (None, None)
        digests.append(digest)
        problems.append(problem)
    progress(Progress(len(files), len(files), MATCHING))
    by_hash = live_paths_by_hash(db, {d for d in digests if d}) if any(digests) else {}
    return [by_hash.get(d, []) if d else [] for d in digests], problems


def _digest(file: str, sizes: set[int], hashes: Hashes) -> tuple[str | None, str | None]:
    cached = hashes.get(file)
    if isinstance(cached, str):
        return cached, None
    try:
        st = os.stat(file)
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0 or st.st_size not in sizes:
            return None, None  # (a FIFO would hang; /proc files say size 0)
        if cached is not None and cached[:2] == (st.st_size, st.st_mtime_ns):
            return cached[2], None
        digest = hash_file(Path(file))
    except OSError as exc:
        return None, f"cannot read it: {exc.strerror or exc}"
    hashes[file] = (st.st_size, st.st_mtime_ns, digest)
    return digest, None


ImageOf = Callable[[str, list[str]], tuple[str | None, bool]]  # (path, spellings) -> image
Ambiguity = Callable[[list[str]], str | None]  # spellings -> why several images fit


class PathRow(Protocol):
    @property
    def path(self) -> str: ...


class ContentRows(Protocol):
    """What :class:`ByContent` reads of a :class:`~.label_read.LabelFile`: every row
    has a content file (or a key of ``content_hashes``)."""

    @property
    def rows(self) -> Sequence[PathRow]: ...
    @property
    def content_files(self) -> list[str]: ...
    @property
    def fallback_paths(self) -> list[str]: ...
    @property
    def refused_content(self) -> list[str]: ...
    @property
    def content_hashes(self) -> Hashes: ...
    @property
    def led_back(self) -> list[bool]: ...
    @property
    def source_paths(self) -> list[str]: ...


class ByContent:
    """Rows with a content file (a folder of class folders, a WebDataset shard): each
    names the image with its file's bytes; duplicates are told apart by the row's path,
    the path its export's manifest records for its file, or its fallback path, else
    listed. A row its export leads back whose bytes changed
    since names the image it was exported from; any other that no image has the bytes of
    (a re-encoded copy) names the image its fallback path names, counted as found by
    name. Bad rows leave out every image with their bytes.

    ``spellings(path)``: the project paths a written path may mean, most likely first;
    ``unknown(path)``: the problem of a row whose path names no image."""

    def __init__(
        self,
        db: Database,
        found: ContentRows,
        spellings: Callable[[str], list[str]],
        unknown: Callable[[str], str],
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ):
        n = len(found.rows)
        self.db, self.found, self.spellings, self.unknown = db, found, spellings, unknown
        self.same, self.unreadable = same_content(
            db, found.content_files, found.content_hashes, progress, cancel
        )
        self.fallback = found.fallback_paths or [""] * n
        self.led_back = found.led_back or [False] * n
        # per row, the path its LabelDesk export's manifest records for its file ("": none)
        self.recorded = found.source_paths or [""] * n
        self.fallback_candidates = [
            spellings(f) if f and not same and not back else []
            for f, same, back in zip(self.fallback, self.same, self.led_back, strict=True)
        ]
        self.by_name = [False] * n
        self.held: set[str] = set()  # images a bad row's bytes name

    def paths_needed(self, per_row: list[list[str]]) -> list[list[str]]:
        """The spellings to look up: the led-back rows' own paths whose bytes match no
        image, and the fallback paths of the rest that match none."""
        own = [
            c if back and not same else []
            for c, back, same in zip(per_row, self.led_back, self.same, strict=True)
        ]
        return own + self.fallback_candidates

    def image(
        self, i: int, image_of: ImageOf, ambiguity_of: Ambiguity
    ) -> tuple[str | None, str | None]:
        """(the image row ``i`` names, or the problem)."""
        row = self.found.rows[i]
        if self.unreadable[i]:
            return None, f"{row.path!r}: {self.unreadable[i]}"
        same = self.same[i]
        if same:  # (a led-back row's file name below its class folder is not its image's)
            below = "" if self.led_back[i] else self.fallback[i]
            # duplicates are told apart by the row's path, else by the path its export
            # recorded (in a project of a copy of the image folder: its own path there)
            named = [*self.spellings(row.path), *filter(None, [self.recorded[i]])]
            path = one_of(same, named, below)
            if path is None:
                self.held.update(same)
                return None, duplicates(row.path, same)
            return path, None
        if self.led_back[i]:  # the export's own file, changed since it was written
            spellings = self.spellings(row.path)
            path, exact = image_of(row.path, spellings)
            if path is None:
                return None, ambiguity_of(spellings) or self.unknown(row.path)
            self.by_name[i] = not exact and "/" in path and "/" not in spellings[0]
            return path, None
        candidates = self.fallback_candidates[i]
        path = image_of(self.fallback[i], candidates)[0] if candidates else None
        if path is not None:
            self.by_name[i] = True
            return path, None
        problem = f"{row.path!r}: no image in the project has its bytes"
        ambiguity = ambiguity_of(candidates)
        for hint in (SuffixMatches.HINT, StemMatches.HINT):  # advice for a typed path
            ambiguity = ambiguity and ambiguity.removesuffix("; " + hint)
        if ambiguity:
            return None, f"{problem}, and {ambiguity}"
        if self.fallback[i]:
            return None, f"{problem} or the name {self.fallback[i]!r}"
        return None, problem

    def held_by_bad(self) -> set[str]:
        """Every image whose bytes a bad row (or a file refused while read) holds: such
        rows leave out images by their bytes only, not by their paths."""
        named, _ = same_content(self.db, self.found.refused_content, self.found.content_hashes)
        return self.held.union(p for same in named for p in same)


def one_of(same: list[str], spellings: list[str], below: str) -> str | None:
    """Of images with one content (duplicates), the one the row's path names (one of its
    ``spellings``), or the one its fallback path ends (the path below a class folder; a
    WebDataset key's stem, having no extension, ends none); None when that leaves
    several."""
    if len(same) == 1:
        return same[0]
    named_by_path = next((p for p in spellings if p in same), None)
    if named_by_path is not None:
        return named_by_path
    named = [p for p in same if below and (p == below or p.endswith("/" + below))]
    return named[0] if len(named) == 1 else None


def duplicates(path: str, same: list[str]) -> str:
    shown = ", ".join(repr(p) for p in same[:5])
    more = f" and {len(same) - 5} more" if len(same) > 5 else ""
    return (
        f"{path!r} has the content of {len(same)} images ({shown}{more}), duplicates that "
        "its path does not tell apart; label them in the app"
    )
