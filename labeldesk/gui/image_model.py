"""The grid's item model: an array of catalog positions, display data read on demand.

A reset stores one NumPy array (the filtered positions) and its inverse; nothing is
computed per row until the view asks for a row it is painting, so 100k images cost
the same to show as 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QPixmap

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.thumbnails import ThumbnailLoader

AnyIndex = QModelIndex | QPersistentModelIndex
MAX_CHANGE_SIGNALS = 64


class ImageRole(IntEnum):
    ImageId = Qt.ItemDataRole.UserRole + 1
    Path = Qt.ItemDataRole.UserRole + 2
    Label = Qt.ItemDataRole.UserRole + 3
    ClassIndex = Qt.ItemDataRole.UserRole + 4  # position in project.classes(), -1 unlabeled
    Split = Qt.ItemDataRole.UserRole + 5
    Status = Qt.ItemDataRole.UserRole + 6
    ThumbnailFailed = Qt.ItemDataRole.UserRole + 7
    Width = Qt.ItemDataRole.UserRole + 8
    Height = Qt.ItemDataRole.UserRole + 9


@dataclass(frozen=True, slots=True)
class TileData:
    """All a tile painter needs, fetched in one plain Python call.

    The delegate uses this instead of ``index.data(role)``: besides being one call instead
    of six, it avoids converting QVariants back to Python, which in PySide6 6.12 on
    Python 3.11 drops a reference to ``None`` for every empty value (enough repaints then
    crash the process with "deallocating None").
    """

    pixmap: QPixmap | None
    label: str | None
    colour_slot: int  # of its class in the palette (-1: none)
    split: str | None
    status: str | None
    failed: bool
    flagged: bool = False  # a likely mislabel
    skipped: bool = False  # the scan could not use the file


def tooltip(catalog: ImageCatalog, pos: int) -> str:
    """Path, label, split and status, plus what the model thinks when it knows."""
    if not catalog.usable[pos]:
        return f"{catalog.paths[pos]}\nskipped: {catalog.skip_reasons[pos]}"
    label = catalog.labels[pos] or NO_LABEL
    status = f" · {catalog.statuses[pos]}" if catalog.statuses[pos] else ""
    lines = [str(catalog.paths[pos]), f"{label} · {catalog.splits[pos] or 'no split'}{status}"]
    opinion = catalog.opinion(pos)  # the same line as the detail panel's
    if opinion:
        lines.append(opinion)
    return "\n".join(lines)


class ImageListModel(QAbstractListModel):
    """Rows are images of a :class:`ImageCatalog` selected by an :class:`ImageFilter`."""

    def __init__(self, loader: ThumbnailLoader | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._catalog: ImageCatalog | None = None
        self._filter = ImageFilter()
        self._rows = np.empty(0, dtype=np.int64)  # catalog positions, one per row
        self._row_of = np.empty(0, dtype=np.int64)  # catalog position -> row, or -1
        self._shown_at = 0  # the catalog's generation when the rows were read
        # list_changes's last answer and the catalog generation it was counted in
        self._changes: tuple[int, tuple[int, int]] | None = None
        self._loader = loader
        if loader is not None:
            loader.ready.connect(self._thumbnail_ready)

    # -- contents ----------------------------------------------------------------
    @property
    def catalog(self) -> ImageCatalog | None:
        return self._catalog

    @property
    def image_filter(self) -> ImageFilter:
        return self._filter

    def set_catalog(self, catalog: ImageCatalog | None, wanted: ImageFilter | None = None) -> None:
        """Show ``catalog`` (through ``wanted``, or the current filter): one reset."""
        self._catalog = catalog
        if wanted is not None:
            self._filter = wanted
        self._reset()

    def set_filter(self, wanted: ImageFilter) -> None:
        self._filter = wanted
        self._reset()

    def rename_filter_class(self, name: str) -> None:
        """The class the filter picks was renamed: the same images, now under ``name``
        (no reset: the rows, the selection and the place stay)."""
        if self._filter.label is not None:
            self._filter = replace(self._filter, label=name)
            self._changes = None

    def _reset(self) -> None:
        self.beginResetModel()
        self._changes = None
        if self._catalog is None:
            self._rows = np.empty(0, dtype=np.int64)
            self._row_of = np.empty(0, dtype=np.int64)
        else:
            self._rows = self._catalog.filter(self._filter).astype(np.int64)
            self._row_of = np.full(len(self._catalog), -1, dtype=np.int64)
            self._row_of[self._rows] = np.arange(len(self._rows), dtype=np.int64)
            self._shown_at = self._catalog.generation
        self.endResetModel()

    def list_changes(self) -> tuple[int, int]:
        """(images the filter takes now that the rows lack, rows it no longer takes that
        nobody edited since they were read): the rows are read when the filter is applied
        and stay put as labels and scores change, so this says what a rescoring changed;
        an image a person relabeled leaves the list without a word.

        Counted from the filter's mask (no sort), and only again once the catalog's
        values changed: the browser asks after every key press."""
        catalog = self._catalog
        if catalog is None or len(self._row_of) != len(catalog):
            return 0, 0
        if self._changes is not None and self._changes[0] == catalog.generation:
            return self._changes[1]
        taken = catalog.matches(self._filter)
        still = taken[self._rows]
        added = int(np.count_nonzero(taken)) - int(np.count_nonzero(still))
        left = self._rows[~still]
        gone = int(np.count_nonzero(catalog.edited_at[left] <= self._shown_at))
        self._changes = (catalog.generation, (added, gone))
        return added, gone

    def positions_changed(self, positions: Iterable[int]) -> None:
        """Repaint rows whose catalog entries changed (after a label edit); rows stay put
        even if they no longer match the filter, so the user's place is not lost."""
        wanted = positions if isinstance(positions, np.ndarray) else list(positions)
        rows = np.sort(self._row_of[np.asarray(wanted, dtype=np.int64)])
        rows = rows[rows >= 0]
        if not len(rows):
            return
        # One signal per contiguous run of rows; a scattered bulk edit gets a single
        # signal spanning it (repainting a few extra rows beats thousands of signals).
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        runs = np.split(rows, breaks) if len(breaks) < MAX_CHANGE_SIGNALS else [rows]
        for run in runs:
            self.dataChanged.emit(self.index(int(run[0])), self.index(int(run[-1])))

    # -- lookups used by views and controllers -----------------------------------
    def position(self, row: int) -> int:
        return int(self._rows[row])

    def image_id(self, row: int) -> int:
        assert self._catalog is not None
        return int(self._catalog.ids[self._rows[row]])

    def path(self, row: int) -> str:
        assert self._catalog is not None
        return str(self._catalog.paths[self._rows[row]])

    def positions(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Catalog positions of ``rows`` (array in, array out)."""
        return self._rows[np.asarray(rows, dtype=np.int64)]

    def paths_of_rows(self, rows: Sequence[int] | np.ndarray) -> list[str]:
        if self._catalog is None or not len(rows):
            return []
        return [str(p) for p in self._catalog.paths[self.positions(rows)]]

    def rows_to_ids(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        if self._catalog is None or not len(rows):
            return np.empty(0, dtype=np.int64)
        return self._catalog.ids[self._rows[np.asarray(rows, dtype=np.int64)]]

    def rows_of_ids(self, image_ids: np.ndarray) -> np.ndarray:
        """The rows of ``image_ids`` that are shown now, ascending (the rest left out)."""
        if self._catalog is None or not len(image_ids):
            return np.empty(0, dtype=np.int64)
        positions = self._catalog.positions_of(np.asarray(image_ids, dtype=np.int64))
        rows = self._row_of[positions[positions >= 0]]
        return np.sort(rows[rows >= 0]).astype(np.int64)  # ids are unique: so are rows

    def row_of_id(self, image_id: int) -> int:
        if self._catalog is None:
            return -1
        position = int(self._catalog.positions_of([image_id])[0])
        return -1 if position < 0 else int(self._row_of[position])

    def tile(self, row: int) -> TileData:
        """Paint data for ``row`` (valid rows only); queues the thumbnail if missing."""
        catalog = self._catalog
        assert catalog is not None
        pos = int(self._rows[row])
        image_id = int(catalog.ids[pos])
        pixmap = failed = None
        skipped = not catalog.usable[pos]
        if self._loader is not None and not skipped:
            pixmap = self._loader.pixmap(
                image_id,
                str(catalog.paths[pos]),
                int(catalog.widths[pos]),
                int(catalog.heights[pos]),
            )
            failed = pixmap is None and self._loader.failed(image_id)
        return TileData(
            pixmap,
            catalog.labels[pos],
            catalog.colour_slot(pos),
            catalog.splits[pos],
            catalog.statuses[pos],
            bool(failed) or skipped,
            bool(catalog.flagged[pos]),
            skipped,
        )

    # -- Qt model API --------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flag = Qt.ItemFlag
        return flag.ItemIsEnabled | flag.ItemIsSelectable | flag.ItemNeverHasChildren

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        catalog = self._catalog
        if catalog is None or not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        pos = int(self._rows[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            return catalog.labels[pos] or ""
        if role == Qt.ItemDataRole.DecorationRole:
            if self._loader is None:
                return None
            return self._loader.pixmap(
                int(catalog.ids[pos]),
                str(catalog.paths[pos]),
                int(catalog.widths[pos]),
                int(catalog.heights[pos]),
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(catalog, pos)
        return self._custom_data(catalog, pos, role)

    def _custom_data(self, catalog: ImageCatalog, pos: int, role: int) -> Any:
        if role == ImageRole.ImageId:
            return int(catalog.ids[pos])
        if role == ImageRole.Path:
            return str(catalog.paths[pos])
        if role == ImageRole.Label:
            return catalog.labels[pos]
        if role == ImageRole.ClassIndex:
            return catalog.class_index(pos)
        if role == ImageRole.Split:
            return catalog.splits[pos]
        if role == ImageRole.Status:
            return catalog.statuses[pos]
        if role == ImageRole.ThumbnailFailed:
            return self._loader is not None and self._loader.failed(int(catalog.ids[pos]))
        if role == ImageRole.Width:
            return int(catalog.widths[pos])
        if role == ImageRole.Height:
            return int(catalog.heights[pos])
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(role): QByteArray(role.name.lower().encode()) for role in ImageRole})
        return names

    def _thumbnail_ready(self, image_id: int) -> None:
        row = self.row_of_id(image_id)
        if row >= 0:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
