"""A keyboard user who starts a run from Start (Tab to it, Space) sees the focus mark on
Cancel during the run and on Start after it: when Start was disabled the focus fell to
Cancel and Qt dropped its keyboard-focus state, so neither button was marked. A mouse
user still gets no mark, as after any click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from labeldesk.gui.training_panel import TrainingPanel

pytest.importorskip("torch")


def marked(button: QWidget) -> bool:
    """Focused, in a window whose last focus change was by keyboard: what Fusion draws
    its focus frame for (not after a click)."""
    return button.hasFocus() and button.window().testAttribute(
        Qt.WidgetAttribute.WA_KeyboardFocusChange
    )


def run_from_start(qtbot, panel: TrainingPanel, by_keyboard: bool) -> list[bool]:
    """Start a run (Tab to Start and Space, or a click); Cancel's mark while it runs."""
    during: list[bool] = []
    panel.runningChanged.connect(lambda on: during.append(marked(panel.cancel_button)) if on else 0)
    panel.epochs.setValue(3)
    if by_keyboard:
        panel.epochs.setFocus()
        for _ in range(10):
            if panel.start_button.hasFocus():
                break
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert marked(panel.start_button)
        with qtbot.waitSignal(panel.runningChanged, timeout=5_000):
            qtbot.keyClick(panel.start_button, Qt.Key.Key_Space)
    else:
        with qtbot.waitSignal(panel.runningChanged, timeout=5_000):
            qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.job is not None and not panel.job.running, timeout=60_000)
    qtbot.waitUntil(panel.start_button.isEnabled)
    return during


@pytest.mark.parametrize("by_keyboard", [True, False])
def test_the_focus_mark_stays_with_a_keyboard_user(qtbot, training_panel, by_keyboard):
    panel = training_panel
    during = run_from_start(qtbot, panel, by_keyboard)
    assert during == [by_keyboard]  # Cancel, while the run goes on
    assert panel.start_button.hasFocus()
    assert marked(panel.start_button) == by_keyboard  # Start, after it


def test_cancel_by_keyboard_keeps_the_mark_for_start(qtbot, training_panel):
    panel = training_panel

    def press_cancel(on: bool) -> None:
        if on and panel.cancel_button.hasFocus():  # Space on Cancel as the run begins
            qtbot.keyClick(panel.cancel_button, Qt.Key.Key_Space)

    panel.runningChanged.connect(press_cancel)
    run_from_start(qtbot, panel, by_keyboard=True)
    assert panel.job is not None and panel.job.token.cancelled  # Space on Cancel took
    assert panel.start_button.hasFocus() and marked(panel.start_button)
