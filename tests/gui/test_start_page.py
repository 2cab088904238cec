"""The start page takes one dropped folder: a project opens, an image folder starts a new
project (through the new-project form, pre-filled)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel

from gui.shown import shown
from labeldesk.gui.dialogs import NewProjectDialog
from labeldesk.gui.start_page import DROP_HINT, StartPage

COPY_OR_MOVE = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
LEFT = Qt.MouseButton.LeftButton
NO_MODIFIERS = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def page(qtbot):
    widget = StartPage()
    shown(qtbot, widget, (800, 600))
    return widget


def mime_for(*items: Path | str) -> QMimeData:
    """Paths become local file URLs; strings are taken as URLs as they are."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(i)) if isinstance(i, Path) else QUrl(i) for i in items])
    return mime


def drag_enter(widget, mime: QMimeData, actions=COPY_OR_MOVE) -> QDragEnterEvent:
    event = QDragEnterEvent(QPoint(200, 200), actions, mime, LEFT, NO_MODIFIERS)
    QApplication.sendEvent(widget, event)
    return event


def drag_move(widget, mime: QMimeData, actions=COPY_OR_MOVE) -> QDragMoveEvent:
    event = QDragMoveEvent(QPoint(220, 210), actions, mime, LEFT, NO_MODIFIERS)
    QApplication.sendEvent(widget, event)
    return event


def drop(widget, mime: QMimeData, actions=COPY_OR_MOVE) -> QDropEvent:
    """Only the drop; a real one comes after :func:`drag_enter` (see :func:`drag_and_drop`)."""
    event = QDropEvent(QPointF(220, 210), actions, mime, LEFT, NO_MODIFIERS)
    QApplication.sendEvent(widget, event)
    return event


def drag_and_drop(widget, mime: QMimeData) -> QDropEvent:
    drag_enter(widget, mime)
    drag_move(widget, mime)
    return drop(widget, mime)


class Emitted:
    """Records what the page's two drop signals emit."""

    def __init__(self, page: StartPage):
        self.projects: list[Path] = []
        self.folders: list[Path] = []
        page.projectDropped.connect(self.projects.append)
        page.folderDropped.connect(self.folders.append)


def test_the_page_says_a_folder_can_be_dropped(page):
    assert page.acceptDrops()
    assert page.drop_hint.isVisible()
    assert page.drop_hint.text() == DROP_HINT
    assert "drop a folder here" in DROP_HINT


def test_an_image_folder_is_accepted_and_starts_a_new_project(qtbot, page, imagefolder):
    root, _ = imagefolder
    emitted, mime = Emitted(page), mime_for(root)
    enter = drag_enter(page, mime)
    assert enter.isAccepted()
    assert enter.dropAction() == Qt.DropAction.CopyAction  # never a move: the folder stays
    assert "create a project" in page.drop_hint.text() and root.name in page.drop_hint.text()
    assert page.drop_hint.font().bold()
    assert drag_move(page, mime).isAccepted()
    with qtbot.waitSignal(page.folderDropped):  # emitted once the drop has returned
        assert drop(page, mime).isAccepted()
        assert emitted.folders == []
    assert emitted.folders == [root] and emitted.projects == []
    assert page.drop_hint.text() == DROP_HINT  # back to rest after the drop


def test_a_project_folder_is_accepted_and_opened(qtbot, page, project):
    emitted, mime = Emitted(page), mime_for(project.path)
    assert drag_enter(page, mime).isAccepted()
    assert "open the project" in page.drop_hint.text()
    with qtbot.waitSignal(page.projectDropped):
        assert drop(page, mime).isAccepted()
    assert emitted.projects == [project.path] and emitted.folders == []


def test_a_link_is_used_when_copy_is_not_offered(page, imagefolder):
    root, _ = imagefolder
    link_or_move = Qt.DropAction.LinkAction | Qt.DropAction.MoveAction
    assert drag_enter(page, mime_for(root), link_or_move).dropAction() == Qt.DropAction.LinkAction


@pytest.mark.parametrize(
    "what",
    ["file", "two folders", "missing folder", "web url", "text", "move only"],
)
def test_anything_but_one_local_folder_is_refused(qtbot, page, imagefolder, tmp_path, what):
    root, _ = imagefolder
    image = next(p for p in root.rglob("*") if p.is_file())
    other = tmp_path / "other"
    other.mkdir()
    actions = COPY_OR_MOVE
    if what == "file":
        mime = mime_for(image)
    elif what == "two folders":
        mime = mime_for(root, other)
    elif what == "missing folder":
        mime = mime_for(tmp_path / "gone")
    elif what == "web url":
        mime = mime_for("https://example.com/images/")
    elif what == "text":
        mime = QMimeData()
        mime.setText(str(root))
    else:
        mime, actions = mime_for(root), Qt.DropAction.MoveAction
    emitted = Emitted(page)
    assert not drag_enter(page, mime, actions).isAccepted()
    assert page.drop_hint.text() == DROP_HINT  # no "drop here" feedback
    assert not page.drop_hint.font().bold()
    assert not drop(page, mime, actions).isAccepted()
    qtbot.wait(20)
    assert emitted.projects == [] and emitted.folders == []


def test_leaving_resets_the_hint(page, imagefolder):
    root, _ = imagefolder
    drag_enter(page, mime_for(root))
    assert page.drop_hint.text() != DROP_HINT
    QApplication.sendEvent(page, QDragLeaveEvent())
    assert page.drop_hint.text() == DROP_HINT
    assert not page.drop_hint.font().bold()
    assert not drag_move(page, mime_for(root)).isAccepted()  # no drag in progress


# -- the main window --------------------------------------------------------------------
def test_new_project_form_can_be_prefilled(qtbot, imagefolder):
    root, _ = imagefolder
    dialog = NewProjectDialog(images=root)
    qtbot.addWidget(dialog)
    assert dialog.paths() == (root, root.parent / f"{root.name}-labeldesk")
    assert dialog.problem() is None


def test_dropping_an_image_folder_creates_a_project_from_it(
    qtbot, window, imagefolder, monkeypatch
):
    root, expected = imagefolder
    shown: list[tuple[str, str, str | None]] = []

    def press_create(dialog: NewProjectDialog) -> int:
        edits = dialog.images_edit.text(), dialog.project_edit.text()
        shown.append((*edits, dialog.problem()))
        return 1  # QDialog.Accepted

    monkeypatch.setattr(NewProjectDialog, "exec", press_create)
    assert drag_and_drop(window.start_page, mime_for(root)).isAccepted()
    qtbot.waitUntil(lambda: window.create_job is not None)
    target = root.parent / f"{root.name}-labeldesk"
    assert shown == [(str(root), str(target), None)]
    qtbot.waitUntil(lambda: not window.create_job.running, timeout=20000)  # may end before any wait
    assert window.project is not None and window.project.path == target.resolve()
    assert window.project.root == root.resolve()
    qtbot.waitUntil(lambda: window.view.model.rowCount() == len(expected), timeout=10000)


def test_cancelling_the_form_creates_nothing(qtbot, window, imagefolder, monkeypatch):
    root, _ = imagefolder
    shown: list[NewProjectDialog] = []
    monkeypatch.setattr(NewProjectDialog, "exec", lambda dialog: shown.append(dialog) or 0)
    assert drag_and_drop(window.start_page, mime_for(root)).isAccepted()
    qtbot.waitUntil(lambda: len(shown) == 1)
    qtbot.wait(20)
    assert window.create_job is None and window.project is None
    assert not (root.parent / f"{root.name}-labeldesk").exists()


def test_dropping_a_project_folder_opens_it(qtbot, window, project):
    path = project.path
    project.close()
    assert drag_and_drop(window.start_page, mime_for(path)).isAccepted()
    qtbot.waitUntil(lambda: window.project is not None)
    assert window.project is not None and window.project.path == path
    assert window.view is not None and window.stack.currentWidget() is window.view


def test_new_project_form_warns_about_a_folder_one_level_too_high(qtbot, tmp_path):
    from helpers import make_imagefolder

    outer = tmp_path / "data"
    make_imagefolder(outer / "fashion")
    dialog = NewProjectDialog(images=outer)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.use_suggested.isVisible(), timeout=5000)  # checked off-thread
    assert dialog.note.isVisible() and "one level too high" in dialog.note.text()
    assert dialog.problem() is None  # a warning, not a refusal: the person decides
    dialog.use_suggested.click()
    assert dialog.paths() == (outer / "fashion", outer / "fashion-labeldesk")
    assert not dialog.note.isVisible() and not dialog.use_suggested.isVisible()


def test_new_project_form_shows_what_the_folder_holds_before_indexing(qtbot, tmp_path):
    from helpers import make_imagefolder

    outer = tmp_path / "data"
    make_imagefolder(outer / "fashion")
    dialog = NewProjectDialog(images=outer)
    qtbot.addWidget(dialog)
    dialog.show()
    # One level too high: everything would be one class, and the preview shows it.
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    assert list(dialog.preview.classes) == ["fashion"]
    assert "1 class" in dialog.found.text()
    dialog.use_suggested.click()
    qtbot.waitUntil(
        lambda: dialog.preview is not None and len(dialog.preview.classes) > 1, timeout=5000
    )
    text = dialog.found.text()
    assert "Splits: train" in text and "unlabeled" in text and "Classes: " in text
    assert dialog.preview.images == sum(dialog.preview.splits.values())


def test_the_buttons_say_their_keys_and_the_list_how_to_open(qtbot, project):
    """Started from the menu with no project, the page gave no key for its two buttons,
    and a single click on a recent project only selected it, with nothing saying that a
    double-click (or Enter) opens it."""
    from labeldesk.gui import settings

    settings.add_recent_project(project.path)
    page = StartPage()
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    assert page.open_button.text() == "Open project… (Ctrl+O)"
    assert page.new_button.text() == "New project from folder… (Ctrl+N)"
    captions = [label.text() for label in page.findChildren(QLabel)]
    assert "Recent projects (double-click one, or select it and press Enter, to open it):" in (
        captions
    )
    chosen: list[Path] = []
    page.recentChosen.connect(chosen.append)
    page.recent.setFocus()
    qtbot.keyClick(page.recent, Qt.Key.Key_Return)  # the newest is current: Enter opens it
    assert chosen == [project.path]


def test_after_close_project_enter_opens_the_highlighted_recent_project(qtbot, window, project):
    """File → Close project showed the start page with the project just closed
    highlighted in the recent list ("select it and press Enter, to open it"), but the
    keyboard was on no widget (the browser that had it was gone): Enter did nothing."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    assert window.open_project(project.path)
    window.view.grid.setFocus()
    window.close_project()
    assert window.stack.currentWidget() is window.start_page
    focused = QApplication.focusWidget()
    assert focused is window.start_page.recent
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.view is not None, timeout=10_000)
    assert window.project is not None and window.project.path == project.path
