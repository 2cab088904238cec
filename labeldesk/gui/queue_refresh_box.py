"""'Refresh the queue every N labels': the review view's one setting, saved in QSettings.

It sits in a view where plain keys decide (digits label, Enter accepts, Esc leaves), so
it takes the focus only from a click or Alt+Q (its label's underlined q), and while the
number has focus it keeps Enter and Esc for itself and hands focus back after.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QWidget

from labeldesk.gui import settings

_OWN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


class RefreshSpinBox(QSpinBox):
    """A spin box whose Enter (commit) and Esc (revert) win over the window's shortcuts."""

    done = Signal()  # editing ended with Enter or Esc

    def event(self, event: QEvent) -> bool:
        overridden = event.type() == QEvent.Type.ShortcutOverride
        if overridden and isinstance(event, QKeyEvent) and event.key() in _OWN_KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.lineEdit().setText(self.textFromValue(self.value()))  # drop what was typed
            self.done.emit()
            return
        super().keyPressEvent(event)  # Enter interprets the text: valueChanged if it differs
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.done.emit()


class QueueRefreshBox(QWidget):
    """The label, the number and 'labels'; the number starts from the saved preference
    and every change is saved."""

    changed = Signal(int)  # the new number of labels between two refreshes

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.spin = RefreshSpinBox()
        self.spin.setRange(*settings.QUEUE_REFRESH_RANGE)
        self.spin.setValue(settings.queue_refresh_every())
        self.spin.setKeyboardTracking(False)  # typing "25" is one change, not two
        self.spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.spin.setToolTip(
            "Each refresh refits the model on the current labels and recomputes the queue."
        )
        self.spin.valueChanged.connect(self._changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Refresh the &queue every")  # Alt+Q: the number takes the keys
        label.setBuddy(self.spin)
        layout.addWidget(label)
        layout.addWidget(self.spin)
        layout.addWidget(QLabel("labels"))

    def value(self) -> int:
        return self.spin.value()

    def _changed(self, labels: int) -> None:
        settings.set_queue_refresh_every(labels)
        self.changed.emit(labels)
