"""Rows of a LabelDesk export read back into the project it came from name the image each
was exported as: by the project path the export recorded (:mod:`labeldesk.interop.formats
.export_paths`), and, when the file at that path holds other bytes now, by the bytes
recorded with it (two files swapped or renumbered since the export; the scan moved their
labels with their pictures). Qt-free; paths in, paths out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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


def follow_pictures(
    db: Database,
    rows: tuple[list[str], list[str]],
    refused: tuple[list[str], list[str]],
) -> tuple[list[str], list[str]]:
    """The (paths, content hashes) of the good rows and of the refused (bad) rows, each
    path led to where the picture it was exported as is now: the one image with those
    bytes that is not another row's own image still, good or bad (a copy the export wrote
    too keeps its own row), when the path holds other bytes. Two files swapped, each with
    a copy the export wrote too: each row goes to its picture, not to the other's. A path
    stays when no image has the picture now but the rows' own (edited since: the edited
    image keeps its row, the copy its own), and when several others do. "" (not a file
    the export wrote) stays ""."""
    every = [*rows[1], *refused[1]]
    if not any(every):
        return rows[0], refused[0]
    by_hash = live_paths_by_hash(db, {h for h in every if h})
    pairs = [*zip(*rows, strict=True), *zip(*refused, strict=True)]
    stays = {p for p, h in pairs if p and h and p in by_hash.get(h, [])}

    def follow(paths: list[str], hashes: list[str]) -> list[str]:
        led = []
        for path, digest in zip(paths, hashes, strict=True):
            same = by_hash.get(digest, []) if path and digest else []
            free = [q for q in same if q not in stays]
            moved = path not in same and len(free) == 1
            led.append(free[0] if moved else path)
        return led

    return follow(*rows), follow(*refused)
