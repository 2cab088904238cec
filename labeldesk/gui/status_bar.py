"""The main window's status bar: a message too long for the room beside the job bar and
the counts ends in "…", with the whole of it as the bar's tooltip (it was cut off
mid-word with no sign: "Training finished: pr"). :meth:`currentMessage` still gives the
whole message. The counts step aside while a message that needs their room shows (at
1024 px beside a job bar, a message had room for four letters)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStatusBar, QWidget

MARGIN = 24  # the bar's own margins and the gap before the first permanent widget


class ElidingStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._permanent: list[QWidget] = []
        self._yielding: list[QWidget] = []  # may hide while a long message shows
        self._stepped_aside: list[QWidget] = []
        self._whole = ""  # the message as given, when it is shown shortened
        self.messageChanged.connect(self._changed)

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        super().addPermanentWidget(widget, stretch or 0)
        self._permanent.append(widget)

    def add_yielding_widget(self, widget: QWidget) -> None:
        """A permanent widget that steps aside for a message that needs its room."""
        self.addPermanentWidget(widget)
        self._yielding.append(widget)

    def showMessage(self, message: str, timeout: int | None = 0) -> None:
        self._come_back()
        shown = message
        if self.isVisible():  # (laid out: the room is known)
            metrics = self.fontMetrics()
            room = self.room()
            if metrics.horizontalAdvance(message) > room and self._step_aside():
                layout = self.layout()
                if layout is not None:
                    layout.activate()  # lay the others out now: they may take some of it
                room = self.room()
            shown = metrics.elidedText(message, Qt.TextElideMode.ElideRight, room)
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
            self._come_back()

    def _step_aside(self) -> bool:
        """Hide the yielding widgets that show; whether any did."""
        for widget in self._yielding:
            if widget.isVisible():
                widget.hide()
                self._stepped_aside.append(widget)
        return bool(self._stepped_aside)

    def _come_back(self) -> None:
        for widget in self._stepped_aside:
            widget.show()
        self._stepped_aside = []

    def room(self) -> int:
        """The width left of the permanent widgets that are showing, in pixels."""
        lefts = [w.geometry().left() for w in self._permanent if w.isVisible()]
        right = min(lefts) if lefts else self.width()
        return max(right - MARGIN, 40)
