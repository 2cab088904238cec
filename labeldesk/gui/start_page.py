"""Shown when no project is open: open or create one, or pick a recent project."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.gui import settings
from labeldesk.gui.icons import app_icon

_PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class StartPage(QWidget):
    openRequested = Signal()  # ask for a folder
    newRequested = Signal()
    recentChosen = Signal(Path)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        outer.addLayout(column, 2)
        outer.addStretch(1)
        column.addStretch(1)

        title_row = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(QSize(56, 56)))
        title_row.addWidget(icon)
        title = QLabel("LabelDesk")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        title.setFont(font)
        title_row.addWidget(title)
        title_row.addStretch(1)
        column.addLayout(title_row)
        subtitle = QLabel("Curate image-classification datasets on your own machine.")
        subtitle.setWordWrap(True)
        column.addWidget(subtitle)

        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open project…")
        self.new_button = QPushButton("New project from folder…")
        self.open_button.clicked.connect(self.openRequested)
        self.new_button.clicked.connect(self.newRequested)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        column.addLayout(buttons)

        column.addSpacing(12)
        column.addWidget(QLabel("Recent projects:"))
        self.recent = QListWidget()
        self.recent.setObjectName("recentProjects")
        self.recent.itemActivated.connect(
            lambda item: self.recentChosen.emit(Path(item.data(_PATH_ROLE)))
        )
        column.addWidget(self.recent, 2)
        column.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the recent list (folders that vanished are left out)."""
        self.recent.clear()
        for path in settings.recent_projects():
            item = QListWidgetItem(f"{path.name}    {path.parent}")
            item.setData(_PATH_ROLE, str(path))
            item.setToolTip(str(path))
            self.recent.addItem(item)
        if not self.recent.count():
            placeholder = QListWidgetItem("No recent projects yet")
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(placeholder)
