"""The detail panel's strip of nearest neighbours: a tile per image (its thumbnail from
the grid's loader, its class and its similarity), opened by a click or a key (the
review's strip is :mod:`~labeldesk.gui.neighbour_strip`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QPalette, QPixmap, QResizeEvent
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QStyle

from labeldesk.core.display import format_similarity
from labeldesk.core.gone_files import FILE_MISSING, FILE_MISSING_TIP
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.missing_badge import with_missing_badge
from labeldesk.gui.pixel_ratio import pixel_ratio, square_pixmap
from labeldesk.gui.thumbnails import ThumbnailLoader
from labeldesk.gui.tile_caption import caption_lines, lines_needed

NEIGHBOUR_ICON = 60
_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)


@dataclass(frozen=True)
class Neighbour:
    """One tile of the neighbour strip."""

    image_id: int
    path: str
    label: str | None
    similarity: float
    width: int = 0
    height: int = 0
    file_missing: bool = False  # gone from the image folder since the last scan


class NeighbourList(QListWidget):
    """The neighbour strip: Enter, Return or Space on the current tile opens it, as a
    click does (Tab reaches the strip, the arrows move in it)."""

    opened = Signal(QListWidgetItem)

    def __init__(self, loader: ThumbnailLoader | None = None) -> None:
        super().__init__()
        self.loader = loader
        # the blank under the last whole row (resizeEvent) in the list's own colour
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(NEIGHBOUR_ICON, NEIGHBOUR_ICON))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSpacing(0)
        self.setWordWrap(False)  # captions break where caption_lines says
        self._caption_lines = 0
        self._fit_caption_lines(1)
        blank = QPixmap(NEIGHBOUR_ICON, NEIGHBOUR_ICON)
        blank.fill(Qt.GlobalColor.transparent)
        self.placeholder = QIcon(blank)
        if loader is not None:
            loader.ready.connect(self._thumbnail_ready)

    def _opens(self, event: QEvent) -> bool:
        return (
            isinstance(event, QKeyEvent)
            and event.key() in _OPEN_KEYS
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and self.currentItem() is not None
        )

    def event(self, event: QEvent) -> bool:
        # These keys are the strip's while it has focus, whatever a window shortcut says.
        if event.type() == QEvent.Type.ShortcutOverride and self._opens(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if self._opens(event) and item is not None:
            event.accept()
            self.opened.emit(item)
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Whole rows of tiles only; the room under the last one stays blank: a row cut
        short looked broken (a sliver of pictures under the first row at 1280 × 720, a
        second row cut across its captions at 1600 × 1000)."""
        super().resizeEvent(event)
        row = self.gridSize().height()
        inner = self.height() - 2 * self.frameWidth()
        spare = inner % row if row > 0 and inner > row else 0
        if self.viewportMargins().bottom() != spare:
            self.setViewportMargins(0, 0, 0, spare)

    def show_tiles(self, neighbours: list[Neighbour], classes: Sequence[str]) -> None:
        """Fill the strip (``classes``: the project's, whose names the captions make room
        for); thumbnails arrive from the loader as they are ready."""
        self.clear()
        metrics, room = self.fontMetrics(), self._caption_room()
        names = [NO_LABEL, *classes, *(n.label or NO_LABEL for n in neighbours)]
        self._fit_caption_lines(lines_needed(names, metrics, room))
        for n in neighbours:
            # the similarity under the class (an exact copy reads 100%): only a hover
            # told a copy leaking into another split from a look-alike
            similarity = format_similarity(n.similarity)
            lines = caption_lines(n.label or NO_LABEL, metrics, room)
            blank = [""] * (self._caption_lines - len(lines))  # the similarities level
            item = QListWidgetItem("\n".join([*lines, *blank, similarity]))
            said = f"{n.label or NO_LABEL}, {similarity} similar"
            said += f", {FILE_MISSING}" if n.file_missing else ""
            item.setData(Qt.ItemDataRole.AccessibleTextRole, said)
            item.setData(_ID_ROLE, n.image_id)
            tip = f"{n.path}\n{n.label or NO_LABEL} · similarity {similarity}"
            item.setToolTip(tip + (f"\n{FILE_MISSING_TIP}" if n.file_missing else ""))
            item.setSizeHint(self.gridSize())
            item.setIcon(self.placeholder)  # full size from the start: no relayout later
            self._set_icon(item, n)
            item.setData(_ID_ROLE + 1, (n.path, n.width, n.height, n.file_missing))
            self.addItem(item)

    def _caption_room(self) -> int:
        """The width a tile's caption is drawn in (the item view's text margins off)."""
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self)
        return NEIGHBOUR_ICON + 10 - 2 * (margin + 1)

    def _fit_caption_lines(self, lines: int) -> None:
        """Tiles with room for ``lines`` lines of caption (a class name broken in two),
        and the similarity's line under them."""
        if lines == self._caption_lines:
            return
        self._caption_lines = lines
        row = NEIGHBOUR_ICON + 22 + lines * self.fontMetrics().lineSpacing()
        self.setGridSize(QSize(NEIGHBOUR_ICON + 10, row))
        # one row at least, two or more where there is room: two rows at least kept the
        # window from being shorter than 724 px (a 1280x720 laptop screen)
        self.setMinimumHeight(row + 8)

    def _set_icon(self, item: QListWidgetItem, n: Neighbour) -> None:
        if self.loader is None:
            return
        pixmap = self.loader.pixmap(n.image_id, n.path, n.width, n.height)
        if pixmap is not None and not pixmap.isNull():
            # Tiny images (28 px datasets) are blown up with hard pixel edges; at the
            # screen's pixels (a HiDPI screen's too), not drawn larger and blurred.
            pixmap = square_pixmap(pixmap, NEIGHBOUR_ICON, pixel_ratio(self))
            if n.file_missing:
                pixmap = with_missing_badge(pixmap, NEIGHBOUR_ICON)
            item.setIcon(QIcon(pixmap))

    def _tile_again(self, item: QListWidgetItem) -> None:
        """The item's thumbnail from the loader again."""
        path, width, height, missing = item.data(_ID_ROLE + 1)
        shown = Neighbour(self.image_id(item), path, None, 0.0, width, height, missing)
        self._set_icon(item, shown)

    def follow_ratio(self) -> None:
        """The window moved to a screen of another scale (the loader was emptied): the
        tiles load again at its pixels. Until they come a tile is blank, never the old
        pixmap drawn stretched (or twice too small)."""
        for i in range(self.count()):
            item = self.item(i)
            item.setIcon(self.placeholder)
            self._tile_again(item)

    def _thumbnail_ready(self, image_id: int) -> None:
        for i in range(self.count()):
            item = self.item(i)
            if item is not None and self.image_id(item) == image_id:
                self._tile_again(item)

    @staticmethod
    def image_id(item: QListWidgetItem) -> int:
        return int(item.data(_ID_ROLE))

    def ids(self) -> list[int]:
        return [self.image_id(self.item(i)) for i in range(self.count())]
