"""A row of small tiles showing an image's nearest neighbours, their labels and how similar
each is to the image under review.

The strip only displays rows; :func:`find_neighbours` computes them (run it as a
background :class:`~labeldesk.gui.workers.Job`: it searches the index and decodes images).
Clicking a tile emits :attr:`NeighbourStrip.clicked` with that neighbour's path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from labeldesk.core.display import format_similarity
from labeldesk.core.gone_files import FILE_MISSING_TIP, files_gone
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.elided_label import ElidedLabel
from labeldesk.gui.image_display import load_as_scanned
from labeldesk.gui.missing_badge import with_missing_badge
from labeldesk.gui.pixel_ratio import fit_pixmap, pixel_ratio
from labeldesk.gui.tile_caption import caption_lines, lines_needed

if TYPE_CHECKING:
    from labeldesk.core.progress import CancelToken
    from labeldesk.core.project import Project

NEIGHBOURS = 8
NEIGHBOUR_SIDE = 96
FEWEST_SHOWN = 3  # a narrow window shows the nearest this many, at least


class NeighbourRow(NamedTuple):
    """One tile's content (a plain 4-tuple is taken too: its file is there)."""

    path: str
    label: str | None
    image: QImage
    similarity: float  # cosine
    file_missing: bool = False  # gone from the image folder since the last scan


SIMILARITY_TIP = (
    "{path}\nLabel: {label}\nSimilarity to the image under review: {similarity} (the "
    "cosine of their embeddings; 100% is the same picture)"
)


def similarity_text(similarity: float) -> str:
    """Under a tile: how similar the neighbour is ("93% similar")."""
    return f"{format_similarity(similarity)} similar"


def find_neighbours(
    project: Project, path: str, k: int = NEIGHBOURS, cancel: CancelToken | None = None
) -> list[NeighbourRow]:
    """The ``k`` images most similar to ``path`` with their labels, pixels and cosine
    similarity to it, nearest first, and whether each one's file is gone since the last
    scan (its pixels then are the stored thumbnail's)."""
    from labeldesk.ml.neighbors import similar

    hits = similar(project, path, k=k)
    gone = files_gone(project, [str(hit["path"]) for hit in hits])
    rows: list[NeighbourRow] = []
    for hit, missing in zip(hits, gone, strict=True):
        if cancel is not None and cancel.cancelled:
            break
        label = hit["label"]
        image = load_as_scanned(project, str(hit["path"]), max_side=2 * NEIGHBOUR_SIDE)
        score = hit["score"]
        similarity = float(score) if isinstance(score, (int, float)) else 0.0
        named = label if isinstance(label, str) else None
        rows.append(NeighbourRow(str(hit["path"]), named, image, similarity, missing))
    return rows


class TileLabel(ElidedLabel):
    """A picture or caption of one tile; a left click on a filled tile reports its path.
    Text longer than the tile ends in "…" (centred in 96 px, "long-sleeved-pullover-with-
    hood" showed as "eved-pullover-wi", cut at both ends); the tile's tooltip names it
    whole."""

    clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent=parent)
        self.path = ""

    def set_path(self, path: str) -> None:
        self.path = path
        self.setToolTip(path)
        if path:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.unsetCursor()

    def _update_tip(self) -> None:
        QLabel.setToolTip(self, self._own_tip)  # the tile's tip, cut or not: it has more

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        inside = self.rect().contains(event.position().toPoint())
        if self.path and inside and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.path)


class CaptionLabel(TileLabel):
    """A tile's class name, on two lines where one is too narrow
    (:func:`~labeldesk.gui.tile_caption.caption_lines`): cut only where a line is wider
    than the tile."""

    def is_cut(self) -> bool:
        metrics, width = self.fontMetrics(), self.contentsRect().width()
        return any(metrics.horizontalAdvance(line) > width for line in self.text().split("\n"))


class NeighbourStrip(QWidget):
    """A row of small tiles: the nearest images, their labels and how similar each is
    (a grey line under the label: it adds height, never width). A narrow window shows
    the nearest as many as fit (at least :data:`FEWEST_SHOWN`): the strip never makes
    the window wider."""

    clicked = Signal(str)  # the path of the neighbour the user clicked

    def __init__(self, parent: QWidget | None = None, count: int = NEIGHBOURS):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tiles: list[tuple[TileLabel, TileLabel]] = []  # picture, caption
        self.similarity_labels: list[TileLabel] = []  # under each caption
        for _ in range(count):
            box = QVBoxLayout()
            picture, caption = TileLabel(), CaptionLabel()
            picture.setFixedSize(NEIGHBOUR_SIDE, NEIGHBOUR_SIDE)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setFrameShape(QFrame.Shape.StyledPanel)
            # at the top of its two lines' room: a one-line name level with a long one's first
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            caption.setFixedWidth(NEIGHBOUR_SIDE)
            similarity = TileLabel()
            similarity.setAlignment(Qt.AlignmentFlag.AlignCenter)
            similarity.setFixedWidth(NEIGHBOUR_SIDE)
            similarity.setStyleSheet("color: palette(placeholder-text);")
            for label in (picture, caption, similarity):
                label.clicked.connect(self.clicked)
            box.addWidget(picture)
            box.addWidget(caption)
            box.addWidget(similarity)
            layout.addLayout(box)
            self.tiles.append((picture, caption))
            self.similarity_labels.append(similarity)
        layout.addStretch(1)
        self._caption_lines = 0
        self.keep_room_for([])
        self.clear()

    def keep_room_for(self, names: Sequence[str]) -> None:
        """Captions with room for the lines the longest of ``names`` (the project's
        classes) takes: the tiles' rows, and the review above them, hold still from one
        image to the next."""
        metrics = self.tiles[0][1].fontMetrics() if self.tiles else self.fontMetrics()
        lines = lines_needed([NO_LABEL, *names], metrics, NEIGHBOUR_SIDE)
        if lines != self._caption_lines:
            self._caption_lines = lines
            for _, caption in self.tiles:
                caption.setMinimumHeight(lines * metrics.lineSpacing())

    def _tile_step(self) -> int:
        layout = self.layout()
        spacing = layout.spacing() if layout is not None else 0
        return NEIGHBOUR_SIDE + max(spacing, 0)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        fewest = min(FEWEST_SHOWN, len(self.tiles))
        return QSize(fewest * self._tile_step(), hint.height())

    def sizeHint(self) -> QSize:
        return QSize(len(self.tiles) * self._tile_step(), super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_tiles()

    def visible_count(self) -> int:
        """How many tiles the strip's width has room for."""
        step = self._tile_step()
        room = (self.width() + step - NEIGHBOUR_SIDE) // step  # no spacing after the last
        return max(min(FEWEST_SHOWN, len(self.tiles)), min(len(self.tiles), room))

    def _fit_tiles(self) -> None:
        shown = self.visible_count()
        for i, (picture, caption) in enumerate(self.tiles):
            for label in (picture, caption, self.similarity_labels[i]):
                label.setVisible(i < shown)

    def paths(self) -> list[str]:
        """The paths on show, in tile order."""
        return [picture.path for picture, _ in self.tiles if picture.path]

    def labels(self) -> list[str | None]:
        """The labels of :meth:`paths`, in the same order."""
        return [self._labels.get(path) for path in self.paths()]

    def file_missing(self) -> list[bool]:
        """Whether each of :meth:`paths` has its "file missing" badge."""
        return [self._missing.get(path, False) for path in self.paths()]

    def image(self, path: str) -> QImage:
        """The pixels a tile was given (small), or a null image."""
        return self._images.get(path, QImage())

    def _lines(self, name: str) -> list[str]:
        caption = self.tiles[0][1]
        return caption_lines(name, caption.fontMetrics(), NEIGHBOUR_SIDE)

    def clear(self) -> None:
        self._labels: dict[str, str | None] = {}
        self._images: dict[str, QImage] = {}
        self._missing: dict[str, bool] = {}
        for (picture, caption), similarity in zip(self.tiles, self.similarity_labels, strict=True):
            for label in (picture, caption, similarity):
                label.clear()
                label.set_path("")

    def show_neighbours(self, rows: Sequence[NeighbourRow]) -> None:
        self.clear()
        labels = [row[1] for row in rows if row[1]]
        if any(len(self._lines(name)) > self._caption_lines for name in labels):
            self.keep_room_for(labels)  # a class added since the room was kept
        side = QSize(NEIGHBOUR_SIDE - 4, NEIGHBOUR_SIDE - 4)
        tiles = zip(self.tiles, self.similarity_labels, rows, strict=False)
        for (picture, caption), similar, row in tiles:
            path, label, image, cosine, missing = NeighbourRow(*row)
            pixmap = fit_pixmap(image, side, pixel_ratio(picture))
            picture.setPixmap(with_missing_badge(pixmap, side.width()) if missing else pixmap)
            caption.setText("\n".join(self._lines(label or NO_LABEL)))
            similar.setText(similarity_text(cosine))
            self._labels[path], self._images[path] = label, image
            similarity = format_similarity(cosine)
            named = label or NO_LABEL  # whole, where the caption ends in "…"
            tip = SIMILARITY_TIP.format(path=path, label=named, similarity=similarity)
            tip += f"\n{FILE_MISSING_TIP}" if missing else ""
            self._missing[path] = missing
            for shown in (picture, caption, similar):
                shown.set_path(path)
                shown.setToolTip(tip)
