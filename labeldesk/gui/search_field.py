"""The sidebar's path search: a field the keyboard can leave.

Ctrl+F put the keyboard in the field, and there it stayed: Enter applied the filter,
Down and Esc did nothing, and only Tab (through the rest of the sidebar) reached the
grid again. Here Enter and Down hand the keyboard to the grid; Esc clears the text, or
leaves when there is none.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit


class SearchField(QLineEdit):
    done = Signal()  # the person is done typing: the grid takes the keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, plain = event.key(), event.modifiers() == Qt.KeyboardModifier.NoModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)  # returnPressed: the filter applies now
            self.done.emit()
        elif key == Qt.Key.Key_Down and plain:
            self.done.emit()
        elif key == Qt.Key.Key_Escape and plain:
            if self.text():
                self.clear()
            else:
                self.done.emit()
        else:
            super().keyPressEvent(event)
