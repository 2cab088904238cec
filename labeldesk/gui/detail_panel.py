"""Right panel: the selected image larger, its facts, and its label history.

The preview decodes the original (through core's safe decoder) on a worker thread;
a newer selection makes an older result stale, so fast arrowing never shows a wrong image.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QListWidget,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.imageio import load_rgb
from labeldesk.core.labels import LabelEvent
from labeldesk.core.project import Project
from labeldesk.gui.catalog import ImageInfo
from labeldesk.gui.thumbnails import pil_to_qimage

log = logging.getLogger(__name__)

PREVIEW_MAX_SIDE = 768


class ImagePreview(QWidget):
    """Paints a pixmap fitted to the widget; sharp pixels when upscaling small images."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._text = ""
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(280, 280)

    def set_pixmap(self, pixmap: QPixmap | None, text: str = "") -> None:
        self._pixmap, self._text = pixmap, text
        self.update()

    def has_image(self) -> bool:
        return self._pixmap is not None and not self._pixmap.isNull()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = self.rect().adjusted(4, 4, -4, -4)
        if self.has_image():
            assert self._pixmap is not None
            size = self._pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            # Fit, but do not blow a normal photo past 1:1 unless it is tiny.
            if self._pixmap.width() > 128 and size.width() > self._pixmap.width():
                size = self._pixmap.size()
            target = self.rect()
            target.setSize(size)
            target.moveCenter(area.center())
            smooth = size.width() < 2 * self._pixmap.width()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawPixmap(target, self._pixmap)
        elif self._text:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._text
            )


class _PreviewTask(QRunnable):
    def __init__(self, panel: DetailPanel, token: int, path: Path):
        super().__init__()
        self._panel, self._token, self._path = panel, token, path
        self.setAutoDelete(True)

    def run(self) -> None:
        if self._token != self._panel._token:
            return  # already stale: the user moved on before this started
        try:
            img = load_rgb(self._path)
            img.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
            image = pil_to_qimage(img)
        except Exception as exc:  # unreadable now: say so in the panel, not in a dialog
            log.debug("preview of %s failed: %s", self._path, exc)
            image = QImage()
        self._panel._previewLoaded.emit(self._token, image)


def _format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def describe_event(event: LabelEvent) -> str:
    """One history line: when, what changed, who/what did it."""
    when = dt.datetime.fromtimestamp(event.created_at).strftime("%Y-%m-%d %H:%M")
    parts = []
    if event.old_label != event.new_label:
        parts.append(f"{event.old_label or '∅'} → {event.new_label or '∅'}")
    if event.old_status != event.new_status:
        parts.append(f"{event.old_status or 'unreviewed'} → {event.new_status or 'unreviewed'}")
    return f"{when}  {'; '.join(parts) or 'no change'}  ({event.source})"


class DetailPanel(QWidget):
    _previewLoaded = Signal(int, QImage)

    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = project
        self._token = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._previewLoaded.connect(self._show_preview)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 8, 8)
        self.title = QLabel("No image selected")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.preview = ImagePreview()
        layout.addWidget(self.preview, 3)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for name in ("Path", "Size", "Format", "Label", "Split", "Status"):
            value = QLabel("–")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = value
            form.addRow(f"{name}:", value)
        layout.addLayout(form)
        layout.addWidget(QLabel("Label history:"))
        self.history = QListWidget()
        self.history.setObjectName("labelHistory")
        layout.addWidget(self.history, 1)

    def show_none(self) -> None:
        self._token += 1
        self.title.setText("No image selected")
        self.preview.set_pixmap(None, "Select an image to see it here")
        for value in self.fields.values():
            value.setText("–")
        self.history.clear()

    def show_many(self, labels: list[str | None]) -> None:
        """Summarise a multi-selection: how many of each label it holds."""
        self._token += 1
        self.title.setText(f"{len(labels):,} images selected")
        counts = Counter(label or "unlabeled" for label in labels)
        summary = ", ".join(f"{name}: {n:,}" for name, n in counts.most_common(6))
        if len(counts) > 6:
            summary += f", and {len(counts) - 6} more"
        self.preview.set_pixmap(None, summary)
        for value in self.fields.values():
            value.setText("–")
        self.fields["Label"].setText(summary)
        self.history.clear()

    def show_image(self, info: ImageInfo) -> None:
        self._token += 1
        self.title.setText(Path(info.path).name)
        self.fields["Path"].setText(info.path)
        self.fields["Size"].setText(f"{info.width} × {info.height} px · {_format_bytes(info.size)}")
        self.fields["Format"].setText(info.format)
        self.fields["Label"].setText(info.label or "unlabeled")
        self.fields["Split"].setText(info.split or "none")
        self.fields["Status"].setText(info.status or "unreviewed")
        self.history.clear()
        try:
            events = self.project.history(info.path)
        except LabelDeskError as exc:
            events = []
            self.history.addItem(str(exc))
        self.history.addItems([describe_event(e) for e in events] or ["No label changes yet"])
        self.preview.set_pixmap(None, "Loading…")
        self._pool.start(_PreviewTask(self, self._token, self.project.image_path(info.path)))

    def shutdown(self) -> None:
        self._token += 1
        self._pool.waitForDone(5000)

    @Slot(int, QImage)
    def _show_preview(self, token: int, image: QImage) -> None:
        if token != self._token:
            return  # the selection moved on
        if image.isNull():
            self.preview.set_pixmap(None, "Cannot show this image (see Status)")
        else:
            self.preview.set_pixmap(QPixmap.fromImage(image))
