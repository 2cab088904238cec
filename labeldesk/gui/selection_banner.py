"""The banner in the sidebar, under the class list, while a selection is shown ("Showing
55 images selected on the map ✕"): says what the grid holds and offers the way back."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from labeldesk.core.display import counted
from labeldesk.gui.word_joiner import unbroken_names


class SelectionBanner(QFrame):
    cleared = Signal()  # the ✕ was clicked

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("selectionBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#selectionBanner { background: palette(highlight); border-radius: 4px; }"
            "#selectionBanner QLabel { color: palette(highlighted-text); }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.clear_button = QToolButton()
        self.clear_button.setText("✕")
        self.clear_button.setToolTip("Drop the selection: back to the filters")
        self.clear_button.setAccessibleName("Drop the selection")  # not "✕"
        self.clear_button.setAutoRaise(True)
        self.clear_button.clicked.connect(self.cleared)
        row.addWidget(self.text, 1)
        row.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def say(self, description: str, shown: int | None = None, total: int | None = None) -> None:
        """ "Showing N images <description>", or "N of the M …" when filters narrow it."""
        description = unbroken_names(description)  # "t-shirt_top" wraps as one word
        if shown is None or total is None:
            self.text.setText(f"Showing {description}")
        elif shown == total:
            self.text.setText(f"Showing {counted(total, 'image')} {description}")
        else:
            self.text.setText(
                f"Showing {shown:,} of the {counted(total, 'image')} {description} "
                "(narrowed by the filters)"
            )
