"""A dialog's report under its form (Export, Import labels, New version) in a scroll
area: the dialog grows for it up to the screen's height (:func:`grow_to_fit`), and what
is left over scrolls. Before, a long report (many classes, many left-out files, long
paths) grew the Export dialog past a 1366 × 768 screen's bottom, its buttons with it.

Tab reaches the report while it says something: the arrows, Page Up and Page Down
scroll it, and Ctrl+C copies it (the part selected with the mouse, else all of it)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QWidget

from labeldesk.gui.word_joiner import BREAK_HINT, WORD_JOINER
from labeldesk.gui.wrapped_message import WrappedMessage

LEAST_LINES = 3  # the report's least height, in lines, when the screen is too short


class ReportArea(QScrollArea):
    """``message`` in a frameless scroll area, as tall as its text asks (its size hint),
    down to :data:`LEAST_LINES` lines where the dialog cannot be that tall; hidden while
    the message is empty."""

    def __init__(self, message: WrappedMessage, parent: QWidget | None = None):
        super().__init__(parent)
        self.message = message
        self.setWidget(message)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.viewport().setAutoFillBackground(False)  # the dialog's own background
        message.setAutoFillBackground(False)
        message.setContentsMargins(3, 2, 3, 2)  # clear of the focus ring (gui/focus_ring)
        self.setAccessibleName("Report")
        self.set_text(message.text())

    def set_text(self, text: str) -> None:
        """Show ``text`` (none: the report and its room go, and Tab passes it by)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.setVisible(bool(text))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if text else Qt.FocusPolicy.NoFocus)
        self.setAccessibleDescription(text)
        self.verticalScrollBar().setValue(0)
        self.updateGeometry()

    def text(self) -> str:
        return self.message.text()

    def _text_height(self) -> int:
        if not self.message.text():
            return 0
        width = self.viewport().width() if self.isVisible() else 0
        if width <= 0:  # not laid out yet: as wide as the area will be
            width = max(self.width(), super().minimumSizeHint().width())
        return self.message.heightForWidth(width)  # (its margins counted in)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._text_height())

    def minimumSizeHint(self) -> QSize:
        least = self.fontMetrics().lineSpacing() * LEAST_LINES
        return QSize(super().minimumSizeHint().width(), min(self._text_height(), least))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            chosen = self.message.selectedText() or self.message.text()
            plain = chosen.replace(BREAK_HINT, "").replace(WORD_JOINER, "")
            QGuiApplication.clipboard().setText(plain)
            event.accept()
            return
        super().keyPressEvent(event)
