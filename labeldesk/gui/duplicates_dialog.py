"""The duplicate and leakage groups behind the counts in Statistics, side by side.

Each group shows its images (thumbnails from the browser's loader and cache) with path,
label, split and status, and offers what fixes it: keep one image (exclude the rest),
exclude the checked ones, or move the whole group to one split. Every action is one
undoable batch written through the browser (``write``), so the grid, the status bar and
Undo see it like a label change; the dialog then re-reads its members and says which
groups are resolved, and ``changed`` lets Statistics recount.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from labeldesk.browse.duplicate_groups import (
    KINDS,
    Group,
    Member,
    keep_only,
    one_split,
    refresh_states,
)
from labeldesk.core.display import counted
from labeldesk.core.project import Project
from labeldesk.core.redo import standing_batch
from labeldesk.core.undo import batch_paths
from labeldesk.core.vocab import EXCLUDED, SPLITS
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.dialog_height import within_screen
from labeldesk.gui.pixel_ratio import pixel_ratio, square_pixmap
from labeldesk.gui.thumbnails import ThumbnailLoader

THUMB = 120
SHOWN_AT_ONCE = 60  # groups built per page: thousands of widgets would take seconds
Writer = Callable[[Callable[[], object], list[str], str], bool]  # change, paths, message
ImageSize = Callable[[int], tuple[int, int]]  # image id -> (width, height), 0 unknown


CHECK_ROOM = 28  # a check box's indicator and its gap, in pixels


class _MemberTile(QFrame):
    """One image of a group: thumbnail, facts, and what can be done with it."""

    def __init__(self, member: Member, group: Group, dialog: DuplicatesDialog):
        super().__init__()
        self.member = member
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(THUMB + 70)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.thumb, 0, Qt.AlignmentFlag.AlignHCenter)
        # names too long for the card end in "…" (the tooltip has the whole path)
        room = THUMB + 70 - 8
        elided = self.fontMetrics().elidedText
        middle = Qt.TextElideMode.ElideMiddle
        self.check = QCheckBox(elided(Path(member.path).name, middle, room - CHECK_ROOM))
        self.check.setToolTip(member.path)
        layout.addWidget(self.check)
        facts = f"{member.label or NO_LABEL} · {member.split or 'no split'}"
        self.facts = QLabel(facts + (" · excluded" if member.excluded else ""))
        self.facts.setToolTip(member.path)
        self.facts.setWordWrap(True)
        layout.addWidget(self.facts)
        path = QLabel(elided(str(Path(member.path).parent), Qt.TextElideMode.ElideLeft, room))
        path.setStyleSheet("color: palette(placeholder-text);")
        path.setToolTip(member.path)
        layout.addWidget(path)
        self.keep_button = QPushButton("Keep only this")
        self.keep_button.setToolTip(
            "Exclude this image's copies in the group (one undoable step); an image only "
            "like one of its copies is another picture and stays"
        )
        self.keep_button.setEnabled(not member.excluded and bool(keep_only(group, member)))
        self.keep_button.clicked.connect(lambda: dialog.keep(group, member))
        self.open_button = QPushButton("Show in browser")
        self.open_button.clicked.connect(lambda: dialog.open_in_browser(group, member))
        layout.addWidget(self.keep_button)
        layout.addWidget(self.open_button)
        if member.excluded:
            self.thumb.setEnabled(False)  # drawn dimmed

    def set_pixmap(self, pixmap: QPixmap) -> None:
        # 28 px images with hard edges; at the screen's pixels (sharp on a HiDPI screen)
        self.thumb.setPixmap(square_pixmap(pixmap, THUMB, pixel_ratio(self.thumb)))


class _GroupBox(QGroupBox):
    def __init__(self, group: Group, dialog: DuplicatesDialog):
        super().__init__(group.describe())
        self.group = group
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.tiles = [_MemberTile(m, group, dialog) for m in group.members]
        for tile in self.tiles:
            row.addWidget(tile)
        row.addStretch(1)
        layout.addLayout(row)
        actions = QHBoxLayout()
        self.exclude_button = QPushButton("Exclude checked")
        self.exclude_button.clicked.connect(lambda: dialog.exclude_checked(self))
        self.split_box = QComboBox()
        self.split_box.addItems(SPLITS)
        self.move_button = QPushButton("Move group to split")
        self.move_button.setToolTip("Put every image of this group in the chosen split")
        self.move_button.clicked.connect(
            lambda: dialog.move_to_split(group, self.split_box.currentText())
        )
        actions.addWidget(self.exclude_button)
        actions.addSpacing(16)
        actions.addWidget(self.move_button)
        actions.addWidget(self.split_box)
        actions.addStretch(1)
        layout.addLayout(actions)

    def checked_paths(self) -> list[str]:
        return [t.member.path for t in self.tiles if t.check.isChecked()]

    def controls(self) -> list[QWidget]:
        """What Tab reaches in this group, in that order."""
        tiles = [w for t in self.tiles for w in (t.check, t.keep_button, t.open_button)]
        return [*tiles, self.exclude_button, self.move_button, self.split_box]


class DuplicatesDialog(QDialog):
    changed = Signal()  # members were written to (or an undo ran): recount
    openRequested = Signal(list, str, int)  # group paths, what they are, image to select

    def __init__(
        self,
        project: Project,
        groups: Sequence[Group],
        *,
        write: Writer,
        undo: Callable[[], None] | None = None,
        loader: ThumbnailLoader | None = None,
        image_size: ImageSize | None = None,
        kind: str = "all",
        parent: QWidget | None = None,
        busy: Callable[[], str | None] | None = None,
    ):
        """``busy``: while the browser's big write runs, why an action must wait (its
        write would wait for that one on the GUI thread); None when it need not."""
        super().__init__(parent)
        self.busy = busy or (lambda: None)
        self.setWindowTitle("Duplicates and leakage")
        self.project = project
        self.groups = list(groups)
        self.write = write
        self.undo_change = undo  # (kept for callers; the dialog undoes its own batches)
        self._made: list[int] = []  # the batches this dialog wrote, oldest first
        self.loader = loader
        self.image_size = image_size
        self.shown = SHOWN_AT_ONCE
        self.boxes: list[_GroupBox] = []
        self.kind_box = QComboBox()
        for key, text in KINDS.items():
            self.kind_box.addItem(text, key)
        self.kind_box.setCurrentIndex(list(KINDS).index(kind if kind in KINDS else "all"))
        self.kind_box.currentIndexChanged.connect(lambda _: self._rebuild(reset_page=True))
        self.count_label = QLabel()
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip(
            "Take back this window's last change (Ctrl+Z); Edit → Undo in the main window "
            "takes back your last change anywhere"
        )
        self.undo_button.setEnabled(False)  # until this window has changed something
        self.undo_button.clicked.connect(self.undo)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.kind_box)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.undo_button)
        self.container = QWidget()
        self.list_layout = QVBoxLayout(self.container)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.container)
        self.more_button = QPushButton()
        self.more_button.clicked.connect(self._show_more)
        # Close, as the app's other dialogs have it (Esc and the title bar's button were
        # the only ways out): last in the Tab order; Space or Enter on it closes.
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)
        if loader is not None:
            loader.ready.connect(self._thumbnail_ready)
        self.resize(within_screen(self, 980, 680))  # the groups scroll
        self._rebuild()

    @property
    def kind(self) -> str:
        return str(self.kind_box.currentData())

    def listed(self) -> list[Group]:
        return [g for g in self.groups if g.matches(self.kind)]

    # -- actions (each one undoable batch, through the browser's writer) ----------------
    def keep(self, group: Group, member: Member) -> bool:
        refresh_states(self.project, [group])  # as they are now, not as last shown
        if member.excluded:  # excluded elsewhere since: keeping it would leave no copy
            self._reread()
            name = Path(member.path).name
            self.count_label.setText(f"{name} was excluded since: nothing written")
            return False
        paths = keep_only(group, member)
        if not paths:
            self._reread()
            return False
        excluded = counted(len(paths), "duplicate")
        text = f"Kept {Path(member.path).name}, excluded {excluded} (Ctrl+Z undoes)"
        return self._exclude(paths, shown_ids(group, paths), text)

    def exclude_checked(self, box: _GroupBox) -> bool:
        paths = box.checked_paths()
        if not paths:
            self.count_label.setText("Check the images to exclude first")
            return False
        text = f"Excluded {counted(len(paths), 'image')} (Ctrl+Z undoes)"
        return self._exclude(paths, shown_ids(box.group, paths), text)

    def _exclude(self, paths: list[str], shown: dict[str, int], text: str) -> bool:
        # shown: the pictures on screen (a scan that swapped files since the groups were
        # found had the exclusion land on another image, and the copy stayed in use)
        change = partial(self.project.set_status, paths, EXCLUDED, shown_ids=shown)
        return self._write(change, paths, text)

    def move_to_split(self, group: Group, split: str) -> bool:
        refresh_states(self.project, [group])  # a member moved elsewhere since moves too
        changes = one_split(group, split)
        if not changes:
            self.count_label.setText(f"Group {group.number} is in {split} already")
            return False
        moved = counted(len(changes), "image")
        text = f"Moved {moved} of group {group.number} to {split} (Ctrl+Z undoes)"
        shown = shown_ids(group, list(changes))
        change = partial(self.project.set_splits, changes, shown_ids=shown)
        return self._write(change, list(changes), text)

    def undo(self) -> None:
        """Take back this window's newest change still standing (an undo in the main
        window may have taken it back already, and Edit → Redo made it again as a batch of
        its own); never one made elsewhere (it undid a labeling-queue decision)."""
        if self._refused():
            return
        while self._made:
            standing = standing_batch(self.project.db, self._made[-1])
            if standing is not None:
                self._made[-1] = standing  # itself, or Edit → Redo's batch that made it again
                break
            self._made.pop()  # taken back already (Edit → Undo): nothing to say of it
        if self._made:
            batch = self._made[-1]
            text = "Undid this window's last change"
            if self.write(partial(self.project.undo, batch), self._paths_of(batch), text):
                self._made.pop()
        self.undo_button.setEnabled(bool(self._made))
        self._reread()

    def open_in_browser(self, group: Group, member: Member) -> None:
        self.openRequested.emit(group.paths, f"in duplicate group {group.number}", member.image_id)

    def _refused(self) -> bool:
        """True (said where the person looks: in this dialog) while a big write runs."""
        text = self.busy()
        if text is not None:
            self.count_label.setText(text)
        return text is not None

    def _write(self, change: Callable[[], object], paths: list[str], text: str) -> bool:
        made: list[object] = []
        if self._refused() or not self.write(lambda: made.append(change()), paths, text):
            return False
        batch = getattr(made[0], "batch_id", None) if made else None
        if isinstance(batch, int):
            self._made.append(batch)
            self.undo_button.setEnabled(True)
        self._reread()
        return True

    def project_changed(self, image_ids: Iterable[int] | None) -> None:
        """A write elsewhere (a class key in the browser after *Show in browser*, a
        colleague): the groups holding those images (``None``: all) show their labels,
        splits and statuses as they are now; they kept the old ones until reopened.
        Looked at once the write is done, so this window's own actions, which re-read
        their groups themselves, rebuild nothing twice."""
        if not self.isVisible():  # closed: opened again, it reads its groups anew
            return
        ids = None if image_ids is None else set(image_ids)
        QTimer.singleShot(0, self, partial(self._follow, ids))  # (none once closed)

    def _follow(self, ids: set[int] | None) -> None:
        if self.project.db.closed:  # closed since it was heard (File → Close): gone
            return
        touched = [
            g for g in self.groups if ids is None or any(m.image_id in ids for m in g.members)
        ]
        before = [(m.label, m.split, m.status) for g in touched for m in g.members]
        refresh_states(self.project, touched)
        if before != [(m.label, m.split, m.status) for g in touched for m in g.members]:
            self._rebuild()

    def _paths_of(self, batch: int) -> list[str]:
        return batch_paths(self.project.db, batch)

    def _reread(self) -> None:
        refresh_states(self.project, self.groups)
        self._rebuild()
        self.changed.emit()

    # -- display -------------------------------------------------------------------------
    def _rebuild(self, reset_page: bool = False) -> None:
        if reset_page:
            self.shown = SHOWN_AT_ONCE
        place = self._focus_place()
        while self.list_layout.count():  # the previous build's boxes and stretch
            item = self.list_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.boxes = []
        listed = self.listed()
        for group in listed[: self.shown]:
            box = _GroupBox(group, self)
            self.list_layout.addWidget(box)
            self.boxes.append(box)
            for tile in box.tiles:
                self._set_thumbnail(tile)
        self.list_layout.addStretch(1)
        newest = self.previousInFocusChain()  # (new boxes join the chain at its end)
        if self.boxes and newest is not None:  # Tab: the groups, "Show more", Close
            QWidget.setTabOrder(newest, self.more_button)
            QWidget.setTabOrder(self.more_button, self.close_button)
        total = len(listed)
        self.count_label.setText(self._count_text(total))
        rest = total - min(total, self.shown)
        self.more_button.setVisible(rest > 0)
        self.more_button.setText(f"Show {min(rest, SHOWN_AT_ONCE):,} more of {rest:,}")
        if place is not None:
            self._refocus(*place)

    def _focus_place(self) -> tuple[int, int, int] | None:
        """Where the keyboard is among the groups: (group number, its row among those
        listed, the control's place in the group); None when it is not on a group."""
        focus = self.focusWidget()  # (the window's, active or not)
        for row, box in enumerate(self.boxes):
            if focus is not None and box.isAncestorOf(focus):
                controls = box.controls()
                at = controls.index(focus) if focus in controls else 0
                return box.group.number, row, at
        return None

    def _refocus(self, number: int, row: int, at: int) -> None:
        """After an action rebuilt the list, the keyboard stays where the person was: on
        the same control of the same group, or, when the group left the list (resolved,
        no longer leaking), on the group that took its place (it went back to the top of
        the window, and Tab had to pass every group before to come back)."""
        same = [box for box in self.boxes if box.group.number == number]
        if same:
            box, start = same[0], at
        elif self.boxes:
            box, start = self.boxes[min(row, len(self.boxes) - 1)], 0
        else:
            self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        controls = box.controls()
        usable = [w for w in controls[start:] + controls[:start] if w.isEnabled()]
        # drawn as keyboard focus when the keyboard was in use (the old box's deletion
        # took that away: the new place had focus but drew none)
        keyboard = self.testAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange)
        if usable:  # once the new boxes are shown: a hidden widget took the place in the
            # Tab order but drew no focus either
            QTimer.singleShot(0, self, partial(self._focus_on, usable[0], keyboard))

    def _focus_on(self, widget: QWidget, keyboard: bool) -> None:
        if any(widget in box.controls() for box in self.boxes):  # (not rebuilt since)
            widget.setFocus(Qt.FocusReason.TabFocusReason)
            self.setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange, keyboard)
            widget.update()
            self.list_scroll.ensureWidgetVisible(widget)

    def _count_text(self, total: int) -> str:
        """How many groups are listed, of how many (a group keeps its number among them
        all: "Group 2" is the only one listed when one group leaks)."""
        every = len(self.groups)
        if not total:
            return "No groups of this kind: nothing to fix here."
        if total == every:
            return f"{total:,} group" + ("" if total == 1 else "s")
        return f"{total:,} of the {every:,} groups (numbered among them all)"

    def _show_more(self) -> None:
        self.shown += SHOWN_AT_ONCE
        self._rebuild()

    def _set_thumbnail(self, tile: _MemberTile) -> None:
        if self.loader is None:
            return
        m = tile.member
        width, height = self.image_size(m.image_id) if self.image_size else (0, 0)
        pixmap = self.loader.pixmap(m.image_id, m.path, width, height)
        if pixmap is not None and not pixmap.isNull():
            tile.set_pixmap(pixmap)

    def _thumbnail_ready(self, image_id: int) -> None:
        for box in self.boxes:
            for tile in box.tiles:
                if tile.member.image_id == image_id:
                    self._set_thumbnail(tile)

    def tiles(self) -> list[_MemberTile]:
        return [t for box in self.boxes for t in box.tiles]


def shown_ids(group: Group, paths: list[str]) -> dict[str, int]:
    """Path -> the image the group showed there, for a write that must reach that image."""
    ids = {m.path: m.image_id for m in group.members}
    return {p: ids[p] for p in paths if p in ids}
