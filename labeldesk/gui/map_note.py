"""The note over the embedding map's plot while it has no map yet: the plot was an
empty white box while the first map was computed (a minute or more on a computer's first
map), nothing saying what would appear there. As the empty loss plot says what it will
show (:mod:`labeldesk.gui.loss_plot`)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

COMING = (
    "The map appears here once it is computed: each embedded image a point, images "
    "that look alike to the model near each other, coloured as 'Colour by' says."
)
NOTE_WIDTH = 420  # at most; less in a narrower plot


class EmptyMapNote(QLabel):
    """What will appear on the plot ``over``, centred on it, until :meth:`set_empty`
    says a map is drawn; transparent to the mouse."""

    def __init__(self, over: QWidget):
        super().__init__(COMING, over)
        self._over = over
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("color: palette(placeholder-text);")
        over.installEventFilter(self)  # resized: placed again
        self._place()

    def set_empty(self, empty: bool) -> None:
        """Shown while the plot has no map."""
        self.setVisible(empty)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._over:
            self._place()
        return super().eventFilter(watched, event)

    def _place(self) -> None:
        """Over the middle of the plot, as wide as it less a margin."""
        area = self._over.rect()
        width = max(120, min(NOTE_WIDTH, area.width() - 40))
        height = self.heightForWidth(width)
        self.setGeometry(
            area.center().x() - width // 2, area.center().y() - height // 2, width, height
        )
