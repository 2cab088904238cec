"""The sidebar's class list: All images, Unlabeled, then each class with its label key,
its colour and its image count; the entry picked stays picked as the counts are rebuilt
(a renamed class under its new name).

Item data is always a non-empty string: reading an unset or None value back from Qt trips
a PySide6 6.12 refcount bug (see TileData)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from labeldesk.gui import shortcuts
from labeldesk.gui.tile_delegate import class_color

ALL, UNLABELED, CLASS_PREFIX = "all", "unlabeled", "class:"
_KEY_ROLE = Qt.ItemDataRole.UserRole + 1


def _entry_key(kind: str, name: str | None) -> str:
    return f"{CLASS_PREFIX}{name}" if kind == CLASS_PREFIX else kind


def renamed_entry(entry: str | None, before: list[str], after: list[str]) -> str | None:
    """The class-list entry to keep picked once the classes went from ``before`` to
    ``after``: a picked class that was renamed (the one name that changed, in its place:
    a renamed class keeps its key; a rename here, its undo, or one in a terminal) is
    picked under its new name; any other entry is kept as it is."""
    if entry is None or not entry.startswith(CLASS_PREFIX) or len(before) != len(after):
        return entry
    name = entry.removeprefix(CLASS_PREFIX)
    if name in after or name not in before:
        return entry
    changed = [n for n, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    if changed != [before.index(name)]:
        return entry
    return CLASS_PREFIX + after[changed[0]]


def _swatch(color: QColor, side: int = 12) -> QIcon:
    pixmap = QPixmap(side, side)
    pixmap.fill(color)
    return QIcon(pixmap)


class ClassList(QTreeWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Classes")
        self.setObjectName("classList")
        self.setColumnCount(3)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

    def entry(self) -> str:
        """The picked entry's key (:data:`ALL` when nothing is picked)."""
        item = self.currentItem()
        return str(item.data(0, _KEY_ROLE)) if item is not None else ALL

    def selected_class(self) -> str | None:
        """The class picked (None: All images, Unlabeled or nothing)."""
        key = self.entry()
        return key.removeprefix(CLASS_PREFIX) if key.startswith(CLASS_PREFIX) else None

    def _keys(self) -> QBrush:
        """The key column's colour: the sidebar's (told of a theme switch before this
        list's own palette follows)."""
        return (self.parentWidget() or self).palette().placeholderText()

    def recolour_keys(self) -> None:
        """The key column in the theme's colour (switched: it drew in the old one, dark
        on dark)."""
        keys = self._keys()
        for n in range(self.topLevelItemCount()):
            item = self.topLevelItem(n)
            if item is not None:
                item.setForeground(0, keys)

    def set_counts(
        self,
        classes: list[str],
        counts: dict[str | None, int],
        colours: Mapping[str, int] | None = None,
    ) -> tuple[bool, str | None]:
        """Rebuild the list with fresh counts, keeping the picked entry (no signal);
        ``colours``: each class's palette slot (missing: its place in the list). Returns
        whether the picked class vanished (every image is shown now), and the new name of
        a picked class that was renamed (it stays picked)."""
        slots = colours or {}
        current = self.currentItem()
        before = str(current.data(0, _KEY_ROLE)) if current is not None else None
        keep = renamed_entry(before, self.listed_classes(), classes)
        self.blockSignals(True)
        self.clear()
        total = sum(counts.values())
        rows: list[tuple[str, str, int, str, str | None, QColor | None]] = [
            ("", "All images", total, ALL, None, None),
            ("", "Unlabeled", counts.get(None, 0), UNLABELED, None, class_color(-1)),
        ]
        for n, class_name in enumerate(classes):
            key = shortcuts.class_key(n)
            colour = class_color(slots.get(class_name, n))
            rows.append(
                (key, class_name, counts.get(class_name, 0), CLASS_PREFIX, class_name, colour)
            )
        selected: QTreeWidgetItem | None = None
        for key, text, count, kind, name, color in rows:
            item = QTreeWidgetItem([key, text, f"{count:,}"])
            entry = _entry_key(kind, name)
            item.setData(0, _KEY_ROLE, entry)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setForeground(0, self._keys())
            item.setIcon(1, _swatch(color if color is not None else QColor(0, 0, 0, 0)))
            if key:
                item.setToolTip(1, f"Press {key} to label the selected images as {name}")
            self.addTopLevelItem(item)
            if keep == entry:
                selected = item
        current = selected or self.topLevelItem(0)
        if current is not None:
            self.setCurrentItem(current)
        self.blockSignals(False)
        vanished = keep is not None and selected is None
        renamed = keep.removeprefix(CLASS_PREFIX) if keep != before and keep else None
        return vanished, None if vanished else renamed

    def listed_classes(self) -> list[str]:
        """The class names the list shows now, in order."""
        names = []
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            key = str(item.data(0, _KEY_ROLE)) if item is not None else ""
            if key.startswith(CLASS_PREFIX):
                names.append(key.removeprefix(CLASS_PREFIX))
        return names

    def select_class(self, name: str | None, *, unlabeled: bool = False) -> None:
        """Pick a class entry (None: All images; ``unlabeled``: Unlabeled)."""
        wanted = UNLABELED if unlabeled else ALL if name is None else CLASS_PREFIX + name
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item is not None and item.data(0, _KEY_ROLE) == wanted:
                self.setCurrentItem(item)
                return
