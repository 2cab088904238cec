"""The main window's status bar: a message too long for the room beside the job bar and
the counts ends in "…", with the whole of it as the bar's tooltip (it was cut off
mid-word with no sign: "Training finished: pr"). :meth:`currentMessage` still gives the
whole message."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStatusBar, QWidget

MARGIN = 24  # the bar's own margins and the gap before the first permanent widget


class ElidingStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._permanent: list[QWidget] = []
        self._whole = ""  # the message as given, when it is shown shortened
        self.messageChanged.connect(self._changed)

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        super().addPermanentWidget(widget, stretch or 0)
        self._permanent.append(widget)

    def showMessage(self, message: str, timeout: int | None = 0) -> None:
        shown = message
        if self.isVisible():  # (laid out: the room is known)
            metrics = self.fontMetrics()
            shown = metrics.elidedText(message, Qt.TextElideMode.ElideRight, self.room())
        self._whole = message if shown != message else ""
        super().showMessage(shown, timeout or 0)
        self.setToolTip(self._whole)

    def currentMessage(self) -> str:
        shown = super().currentMessage()
        return self._whole if shown and self._whole else shown

    def _changed(self, text: str) -> None:
        if not text:  # timed out or cleared
            self._whole = ""
            self.setToolTip("")

    def room(self) -> int:
        """The width left of the permanent widgets that are showing, in pixels."""
        lefts = [w.geometry().left() for w in self._permanent if w.isVisible()]
        right = min(lefts) if lefts else self.width()
        return max(right - MARGIN, 40)
