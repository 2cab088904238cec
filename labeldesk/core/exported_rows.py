"""Rows of a LabelDesk export read back into the project it came from name the image each
was exported as: by the project path the export recorded (:mod:`labeldesk.interop.formats
.export_paths`), and, when the file at that path holds other bytes now, by the bytes
recorded with it (two files swapped or renumbered since the export; the scan moved their
labels with their pictures). Qt-free; paths in, paths out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .image_rows import live_paths_by_hash

if TYPE_CHECKING:
    from .db import Database


def same_folder(recorded: str | None, root: Path) -> bool:
    """Whether ``recorded`` (a manifest's folder) is ``root``."""
    if recorded is None:
        return False
    try:
        return Path(recorded) == root or Path(recorded).resolve() == root.resolve()
    except (OSError, RuntimeError, ValueError):
        return False


class Followed(NamedTuple):
    """Rows of an export led to their pictures (:func:`follow_pictures`)."""

    paths: list[str]  # of the good rows
    refused: list[str]  # of the refused (bad) rows
    # good rows (by index) whose picture is now at several other places and whose path
    # holds other bytes (or nothing): which one the row was exported as cannot be told
    ambiguous: dict[int, list[str]]


def follow_pictures(
    db: Database,
    rows: tuple[list[str], list[str]],
    refused: tuple[list[str], list[str]],
) -> Followed:
    """The (paths, content hashes) of the good rows and of the refused (bad) rows, each
    path led to where the picture it was exported as is now: the one image with those
    bytes that is not another row's own image still, good or bad (a copy the export wrote
    too keeps its own row), when the path holds other bytes. Two files swapped, each with
    a copy the export wrote too: each row goes to its picture, not to the other's. A path
    stays when no image has the picture now but the rows' own (edited since: the edited
    image keeps its row, the copy its own). When several others have it (copies the
    export did not write), the row stays too and is listed as ambiguous: its path may
    hold another picture now (two files swapped), which its label must not go to. ""
    (not a file the export wrote) stays ""."""
    every = [*rows[1], *refused[1]]
    if not any(every):
        return Followed(rows[0], refused[0], {})
    by_hash = live_paths_by_hash(db, {h for h in every if h})
    pairs = [*zip(*rows, strict=True), *zip(*refused, strict=True)]
    stays = {p for p, h in pairs if p and h and p in by_hash.get(h, [])}
    ambiguous: dict[int, list[str]] = {}

    def follow(paths: list[str], hashes: list[str], unclear: dict[int, list[str]]) -> list[str]:
        led = []
        for i, (path, digest) in enumerate(zip(paths, hashes, strict=True)):
            same = by_hash.get(digest, []) if path and digest else []
            free = [q for q in same if q not in stays]
            if path not in same and len(free) > 1:
                unclear[i] = free
            led.append(free[0] if path not in same and len(free) == 1 else path)
        return led

    return Followed(follow(*rows, ambiguous), follow(*refused, {}), ambiguous)


def copies_problem(path: str, holders: list[str]) -> str:
    """Why a row of an export read back names no image (:attr:`Followed.ambiguous`): its
    picture is at several places now, and its own path holds other bytes (or none)."""
    shown = ", ".join(repr(p) for p in holders[:3]) + (", …" if len(holders) > 3 else "")
    return (
        f"{path!r} was exported as a picture that {len(holders)} images hold now ({shown}), "
        "and that file holds other bytes: duplicates that its path does not tell apart; "
        "label them in the app"
    )
