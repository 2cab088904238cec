"""Until the user picks a theme, the app takes the desktop's: light or dark."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from labeldesk.gui import settings, theme
from labeldesk.gui.app import create_application


def desktop(window: str, text: str) -> QPalette:
    """A palette as a desktop's platform theme hands it to Qt."""
    palette = QPalette(QColor(window))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
    return palette


@pytest.fixture
def dark_desktop(monkeypatch, light_theme):
    monkeypatch.setattr(theme, "_desktop", desktop("#232629", "#eff0f1"), raising=False)


def lightness(role: QPalette.ColorRole) -> int:
    return create_application().palette().color(role).lightness()


def test_a_dark_desktop_gives_the_dark_theme(qtbot, dark_desktop):
    create_application()
    qtbot.wait(10)
    assert lightness(QPalette.ColorRole.Window) < 100
    assert lightness(QPalette.ColorRole.Base) < 100
    assert lightness(QPalette.ColorRole.Text) > 180  # light text on the dark base


def test_the_dark_theme_menu_item_is_ticked_on_a_dark_desktop(qtbot, dark_desktop):
    from labeldesk.gui.main_window import MainWindow

    create_application()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.menus.dark_action.isChecked()


def test_a_theme_the_user_picked_wins_over_the_desktop(qtbot, dark_desktop):
    settings.set_theme("light")
    create_application()
    assert lightness(QPalette.ColorRole.Window) > 180


def test_a_light_desktop_stays_light(qtbot, monkeypatch, light_theme):
    monkeypatch.setattr(theme, "_desktop", desktop("#efefef", "#000000"), raising=False)
    create_application()
    assert lightness(QPalette.ColorRole.Window) > 180
    assert theme.current_theme() == "light"
