"""The small views of a project that lower modules work with.

The scanner and the statistics need a project's folders, its database and a few reads,
not the whole :class:`~labeldesk.core.project.Project` (which calls them): typing them
against these protocols keeps ``project`` from being imported back, even for type hints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from .db import Database


class IndexedFolder(Protocol):
    """What a scan needs: where the images and thumbnails are, and the database."""

    root: Path
    db: Database

    @property
    def thumbs_dir(self) -> Path: ...

    @property
    def follows_outside_links(self) -> bool: ...

    def scan_excludes(self) -> tuple[Path, ...]: ...


class ImageTable(Protocol):
    """What statistics need: the image root, the database and two reads."""

    root: Path
    db: Database

    def images(self, *, include_skipped: bool = True) -> pd.DataFrame: ...

    def classes(self) -> list[str]: ...
