"""Shown when no project is open: open or create one, pick a recent project, or drop a
folder on it (a project folder opens; any other folder starts a new project from it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.db import DB_FILENAME
from labeldesk.gui import settings, shortcuts
from labeldesk.gui.icons import app_icon

_PATH_ROLE = Qt.ItemDataRole.UserRole + 1
DROP_HINT = "…or drop a folder here: a project, or images for a new one"
RECENT_CAPTION = "Recent projects (double-click one, or select it and press Enter, to open it):"
_HINT_STYLE = "QLabel#dropHint {{ border: 2px dashed palette({border}); padding: 14px; }}"


def dropped_folder(mime: QMimeData) -> Path | None:
    """The one local folder being dragged, or None (files, several items, remote URLs)."""
    urls = mime.urls() if mime.hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    folder = Path(urls[0].toLocalFile())
    return folder if folder.is_dir() else None


def is_project(folder: Path) -> bool:
    return (folder / DB_FILENAME).is_file()


class StartPage(QWidget):
    openRequested = Signal()  # ask for a folder
    newRequested = Signal()
    recentChosen = Signal(Path)
    projectDropped = Signal(Path)  # a LabelDesk project folder was dropped: open it
    folderDropped = Signal(Path)  # another folder was dropped: new project from its images

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._dragged: Path | None = None  # the acceptable folder being dragged over us
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
        # The File menu's keys work here too: said on the buttons, where a new user looks.
        self.open_button = QPushButton(f"Open project… ({shortcuts._text(shortcuts.OPEN_KEYS)})")
        self.new_button = QPushButton(
            f"New project from folder… ({shortcuts._text(shortcuts.NEW_KEYS)})"
        )
        self.open_button.clicked.connect(self.openRequested)
        self.new_button.clicked.connect(self.newRequested)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.drop_hint = QLabel()
        self.drop_hint.setObjectName("dropHint")
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setWordWrap(True)
        column.addWidget(self.drop_hint)
        self._show_drop_target(None)

        column.addSpacing(12)
        recent_caption = QLabel(RECENT_CAPTION)  # a single click only selects
        recent_caption.setWordWrap(True)
        column.addWidget(recent_caption)
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
        if self.recent.count():
            self.recent.setCurrentRow(0)  # Tab to the list, Enter: the last project opens
        else:
            placeholder = QListWidgetItem("No recent projects yet")
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(placeholder)

    def take_keyboard(self) -> None:
        """Give the keyboard to the recent list where it lists a project (the newest is
        highlighted: Enter opens it, as its caption says), else to *Open project…*.
        After File → Close project it was on no widget, and Enter did nothing."""
        item = self.recent.currentItem()
        listed = item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
        (self.recent if listed else self.open_button).setFocus()

    # -- drag and drop -----------------------------------------------------------------
    def _show_drop_target(self, folder: Path | None) -> None:
        """Say what dropping ``folder`` would do, highlighted; None: the resting hint."""
        if folder is None:
            text, border, bold = DROP_HINT, "mid", False
        elif is_project(folder):
            text, border, bold = f"Drop to open the project “{folder.name}”", "highlight", True
        else:
            text = f"Drop to create a project from the images in “{folder.name}”"
            border, bold = "highlight", True
        self.drop_hint.setText(text)
        self.drop_hint.setStyleSheet(_HINT_STYLE.format(border=border))
        font = self.drop_hint.font()
        font.setBold(bold)
        self.drop_hint.setFont(font)

    @staticmethod
    def _accept(event: QDropEvent) -> bool:
        """Accept as a copy or a link, never a move: the dragged folder is left alone."""
        for action in (Qt.DropAction.CopyAction, Qt.DropAction.LinkAction):
            if event.possibleActions() & action:
                event.setDropAction(action)
                event.accept()
                return True
        event.ignore()
        return False

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._dragged = dropped_folder(event.mimeData())
        if self._dragged is None:
            event.ignore()  # the cursor shows "no drop"; the hint stays as it is
        elif self._accept(event):
            self._show_drop_target(self._dragged)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._dragged is None:
            event.ignore()
        else:
            self._accept(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._dragged = None
        self._show_drop_target(None)

    def dropEvent(self, event: QDropEvent) -> None:
        self._dragged = None
        self._show_drop_target(None)
        folder = dropped_folder(event.mimeData())
        if folder is None:
            event.ignore()
        elif self._accept(event):
            signal = self.projectDropped if is_project(folder) else self.folderDropped
            # After the drop returns: a modal form opened inside dropEvent would hold the
            # file manager's drag until it closes.
            QTimer.singleShot(0, self, lambda: signal.emit(folder))
