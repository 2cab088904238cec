"""A one-line label that ends in "…" when its room is short, instead of asking for the
room: a plain QLabel's minimum width is its whole text, so the status bar's counts and a
job's message made the window as wide as they were (1,200 px while embedding at 800 px,
and it stayed that wide). The whole text stays the label's ``text()`` and, when cut, its
tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

SHORTEST = "Computing…"  # the least it asks room for


class ElidedLabel(QLabel):
    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,  # ElideMiddle for a path
    ):
        super().__init__(text, parent)
        self._own_tip = ""  # a tooltip set by the caller, shown when nothing is cut
        self._mode = mode

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def clear(self) -> None:
        self.setText("")

    def setToolTip(self, tip: str) -> None:
        self._own_tip = tip
        self._update_tip()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        least = self.fontMetrics().horizontalAdvance(SHORTEST)
        return QSize(min(hint.width(), least), hint.height())

    def is_cut(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def shown_text(self) -> str:
        """The text as drawn: the whole text, or where it is cut, the part that fits
        with "…"."""
        if not self.is_cut():
            return self.text()
        return self.fontMetrics().elidedText(self.text(), self._mode, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.is_cut():
            super().paintEvent(event)
            return
        rect = self.contentsRect()
        shown = self.shown_text()
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            rect,
            int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            shown,
            self.foregroundRole(),
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def _update_tip(self) -> None:
        super().setToolTip(self.text() if self.is_cut() else self._own_tip)
