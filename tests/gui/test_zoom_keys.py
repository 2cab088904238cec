"""The large image (Enter on the grid, a neighbour clicked in the review) zooms and pans
from the keyboard: + and − (or Ctrl+= / Ctrl+−) zoom, Ctrl+0 fits, the arrows pan while
zoomed; any other key still closes it and does nothing else. Before, the view had no
zoom at all and any key closed it (the detail panel's preview zoomed with the wheel
only)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage

from labeldesk.gui.dialogs import ShortcutsDialog
from labeldesk.gui.image_display import ImagePopup
from labeldesk.gui.image_model import ImageRole
from labeldesk.gui.image_preview import ImagePreview


def popup_with(qtbot, side: int = 28) -> ImagePopup:
    popup = ImagePopup()
    qtbot.addWidget(popup)
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    popup.show_image("a/b.png", "bag", image)
    qtbot.waitExposed(popup)
    return popup


def test_plus_minus_and_ctrl_0_zoom_and_fit(qtbot):
    popup = popup_with(qtbot)
    picture = popup.picture
    fit = picture.scale()
    assert not picture.zoomed and "+ zooms in" in popup.caption.text()
    qtbot.keyClick(popup, Qt.Key.Key_Plus)
    assert popup.isVisible() and picture.zoomed and picture.scale() > fit
    assert f"{picture.scale() * 100:.0f}%" in popup.caption.text()
    qtbot.keyClick(popup, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    bigger = picture.scale()
    qtbot.keyClick(popup, Qt.Key.Key_Minus)
    assert fit < picture.scale() < bigger
    qtbot.keyClick(popup, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert popup.isVisible() and not picture.zoomed and picture.scale() == fit


def test_arrows_pan_while_zoomed_and_close_it_when_not(qtbot):
    popup = popup_with(qtbot)
    picture = popup.picture
    for _ in range(3):
        qtbot.keyClick(popup, Qt.Key.Key_Plus)
    left_before = picture.target_rect().left()
    qtbot.keyClick(popup, Qt.Key.Key_Right)  # shows more of the right side
    assert popup.isVisible() and picture.target_rect().left() < left_before
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    assert picture.target_rect().top() < picture.rect().top()
    qtbot.keyClick(popup, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(popup, Qt.Key.Key_Right)  # fitted: a key closes it, as before
    assert not popup.isVisible()


def test_panning_stops_at_the_image_edge(qtbot):
    popup = popup_with(qtbot)
    picture = popup.picture
    qtbot.keyClick(popup, Qt.Key.Key_Plus)
    for _ in range(200):
        qtbot.keyClick(popup, Qt.Key.Key_Left)
    rect = picture.target_rect()
    assert rect.left() <= picture.rect().center().x() <= rect.right()  # never panned off


def test_the_browser_large_view_zooms_and_a_label_key_still_only_closes(qtbot, view):
    view.grid.select_row(2)
    label_before = view.model.index(2, 0).data(ImageRole.Label)
    qtbot.keyClick(view.grid, Qt.Key.Key_Return)
    popup = view.detail.large
    assert popup is not None and popup.isVisible()
    qtbot.waitUntil(popup.picture.has_image)
    qtbot.keyClick(popup, Qt.Key.Key_Plus)
    assert popup.isVisible() and popup.picture.zoomed
    qtbot.keyClick(popup, Qt.Key.Key_1)
    assert not popup.isVisible()
    assert view.model.index(2, 0).data(ImageRole.Label) == label_before


def test_the_wheel_zoom_says_its_scale_too(qtbot):
    popup = popup_with(qtbot)
    popup.picture.zoom_by(2.0, QPointF(popup.picture.rect().center()))
    assert "%" in popup.caption.text() and "arrows" in popup.caption.text()


def test_the_key_list_and_the_tooltip_name_the_zoom_keys(qtbot):
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    table = dialog.table
    rows = {table.item(r, 1).text(): table.item(r, 0).text() for r in range(table.rowCount())}
    zoom = [keys for what, keys in rows.items() if what.startswith("In the large image")]
    assert zoom and "+" in zoom[0] and "Ctrl+0" in zoom[0]
    popup = popup_with(qtbot)
    assert "Ctrl+0" in popup.toolTip() and popup.picture.toolTip() == popup.toolTip()
    panel_preview = ImagePreview()
    qtbot.addWidget(panel_preview)
    assert "Enter" in panel_preview.toolTip()  # the detail panel's preview points to it


def test_the_caption_shows_names_with_markup_characters_as_written(qtbot):
    popup = ImagePopup()
    qtbot.addWidget(popup)
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    popup.show_image("odd/<i>a</i> & b.png", "x<y", image)
    from PySide6.QtGui import QTextDocument

    shown = QTextDocument()
    shown.setHtml(popup.caption.text())
    assert shown.toPlainText().startswith("x<y · odd/<i>a</i> & b.png")


def test_the_caption_of_an_image_without_a_label_says_unlabeled_as_the_app_does(qtbot):
    popup = ImagePopup()
    qtbot.addWidget(popup)
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    popup.show_image("a/b.png", None, image)
    from PySide6.QtGui import QTextDocument

    from labeldesk.gui.app_words import NO_LABEL

    shown = QTextDocument()
    shown.setHtml(popup.caption.text())
    assert shown.toPlainText().startswith(f"{NO_LABEL} · a/b.png")  # before: (unlabeled)
