"""The main window's status bar: a message too long for the room beside the job bar and
the counts ends in "…", with the whole of it as the bar's tooltip (it was cut off
mid-word with no sign: "Training finished: pr"). :meth:`currentMessage` still gives the
whole message. A tooltip waits for a still pointer and goes when it moves, with nothing
saying it is there: over a shortened message the pointer is a hand, and a click opens
the whole of it above the bar (wrapped, selectable to copy; Esc or a click elsewhere
closes it), as a shortened line in a desktop app's status bar does. The counts step
aside while a message that needs their room shows (at 1024 px beside a job bar, a
message had room for four letters). The message is fitted again whenever the room
changes: the window shown or resized, a job bar shown or hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QStatusBar, QVBoxLayout, QWidget

MARGIN = 24  # the bar's own margins and the gap before the first permanent widget
_ROOM_EVENTS = (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.Resize, QEvent.Type.Move)
WHOLE_WIDTH = 640  # the widest the whole message opens (narrower in a narrower window)


class WholeMessage(QFrame):
    """The whole of a shortened status message, in a popup over the bar."""

    def __init__(self, parent: QWidget):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("wholeMessage")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.label)

    def open_over(self, bar: QWidget, text: str) -> None:
        """Show ``text`` wrapped, its bottom on the bar's top, at the bar's left."""
        self.label.setText(text)
        width = max(min(WHOLE_WIDTH, bar.width() - 8), 120)
        self.setFixedWidth(width)
        self.resize(width, self.heightForWidth(width))  # the wrapped text's, frame included
        self.show()
        self.move(bar.mapToGlobal(QPoint(4, -self.frameGeometry().height() - 2)))


class ElidingStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._permanent: list[QWidget] = []
        self._yielding: list[QWidget] = []  # may hide while a long message shows
        self._stepped_aside: list[QWidget] = []
        self._whole = ""  # the message as given
        self._shown = ""  # as this bar last drew it (anything else came from Qt itself)
        self._fitting = False
        self._fitted_for: tuple[object, ...] = ()  # the room the message was fitted to
        self._timer = QTimer(self)  # its own: fitting again must not restart the time
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clearMessage)
        # one owned timer for fitting again: a burst of events is one fit, and nothing
        # is left queued for a bar deleted meanwhile
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(0)
        self._refit_timer.timeout.connect(self._refit)
        self.messageChanged.connect(self._changed)
        self.whole_message = WholeMessage(self)

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        super().addPermanentWidget(widget, stretch or 0)
        self._permanent.append(widget)
        widget.setCursor(Qt.CursorShape.ArrowCursor)  # the hand is the message's alone
        widget.installEventFilter(self)

    def add_yielding_widget(self, widget: QWidget) -> None:
        """A permanent widget that steps aside for a message that needs its room."""
        self.addPermanentWidget(widget)
        self._yielding.append(widget)

    def showMessage(self, message: str, timeout: int | None = 0) -> None:
        self._timer.stop()
        self._whole = message
        self._fit()
        if timeout:
            self._timer.start(timeout)

    def currentMessage(self) -> str:
        shown = super().currentMessage()
        return self._whole if shown and shown == self._shown else shown

    def room(self) -> int:
        """The width left of the permanent widgets that are showing, in pixels."""
        lefts = [w.geometry().left() for w in self._permanent if w.isVisible()]
        right = min(lefts) if lefts else self.width()
        return max(right - MARGIN, 40)

    # -- fitting -----------------------------------------------------------------------
    def _fit(self) -> None:
        """Draw the message shortened to the room there is now (all of it while hidden:
        fitted when shown)."""
        if self._fitting:
            return
        self._fitting = True
        try:
            self._come_back()
            message, shown = self._whole, self._whole
            if message and self.isVisible():
                metrics = self.fontMetrics()
                room = self.room()
                if metrics.horizontalAdvance(message) > room and self._step_aside():
                    layout = self.layout()
                    if layout is not None:
                        layout.activate()  # lay the others out now: they may take some
                    room = self.room()
                shown = metrics.elidedText(message, Qt.TextElideMode.ElideRight, room)
            self._shown = shown
            super().showMessage(shown, 0)
            self._say_shortened(shown != message)
            self._fitted_for = self._room_key()
        finally:
            self._fitting = False

    def _changed(self, text: str) -> None:
        if text != self._shown or not text:  # cleared, timed out, or Qt's own status tip
            self._timer.stop()
            self._whole = self._shown = ""
            self._say_shortened(False)
            self._come_back()

    def shortened(self) -> bool:
        """The message showing is not the whole of it."""
        shown = super().currentMessage()
        return bool(shown) and shown == self._shown and self._shown != self._whole

    def show_whole(self) -> None:
        """Open the whole message over the bar (when it is shortened)."""
        if self.shortened():
            self.whole_message.open_over(self, self._whole)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        on_message = event.position().x() < self.room() + MARGIN
        if event.button() == Qt.MouseButton.LeftButton and self.shortened() and on_message:
            self.show_whole()
            return
        super().mousePressEvent(event)

    def _say_shortened(self, shortened: bool) -> None:
        """The tooltip and the pointer over a shortened message: the whole of it, and
        a hand that says a click opens it."""
        self.setToolTip(self._whole if shortened else "")
        if shortened:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.unsetCursor()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ROOM_EVENTS and self._whole and not self._fitting:
            self._refit_timer.start()  # once the layout has settled
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._whole and not self._fitting:
            self._refit_timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._whole:
            self._refit_timer.start()

    def _refit(self) -> None:
        """Fit again when the room changed (not for the moves its own fitting caused)."""
        if not self._whole or super().currentMessage() != self._shown:
            return
        if self._room_key() != self._fitted_for:
            self._fit()

    def _room_key(self) -> tuple[object, ...]:
        """The room itself (the counts growing moves the job bar: its width alone missed
        that)."""
        return (self.isVisible(), self.width(), self.room())

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
