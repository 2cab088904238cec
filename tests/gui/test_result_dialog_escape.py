"""Esc closes Dataset versions → Verify an export…'s result window. Without a window
manager (Xvfb, some remote desktops) the window was shown but never given the keyboard,
so Esc went to the window under the pointer and the result stayed open."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gui.test_versions_verify import exported, run_check

REPO = Path(__file__).resolve().parents[2]


def test_esc_closes_the_verify_result_wherever_the_keyboard_is_in_it(qtbot, project, tmp_path):
    view, out = exported(qtbot, project, tmp_path, fmt="csv")
    (out / "labels.csv").write_text("path,label\n")  # a result with details to read
    view.show()
    for target in ("dialog", "details", "copy_button"):
        run_check(qtbot, view, out)
        dialog = view.verify_dialog
        assert dialog is not None and dialog.isVisible() and dialog.details.isVisibleTo(dialog)
        widget = dialog if target == "dialog" else getattr(dialog, target)
        widget.setFocus()
        qtbot.keyClick(widget, Qt.Key.Key_Escape)
        assert not dialog.isVisible(), target


SHOW_RESULT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from labeldesk.core.project import open_project
    from labeldesk.gui.versions_view import VersionsView

    app = QApplication([])
    view = VersionsView(open_project(Path(sys.argv[1])))
    view.resize(900, 600)
    view.show()
    view.activateWindow()
    for _ in range(50):
        app.processEvents()
    view._show_result("/tmp/somewhere", "a result", "green", "its details")
    dialog = view.verify_dialog
    for _ in range(200):
        app.processEvents()
        if app.activeWindow() is dialog:
            break
        import time; time.sleep(0.01)
    print("active:", type(app.activeWindow()).__name__)
    """
)


@pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb (an X server, no window manager)")
def test_the_verify_result_gets_the_keyboard_without_a_window_manager(project, tmp_path):
    """On a real X server with no window manager (offscreen Qt activates every window)."""
    path = project.path
    project.close()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        display = server.stdout.readline().decode().strip()
        env = dict(os.environ, DISPLAY=f":{display}", QT_QPA_PLATFORM="xcb")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
        done = subprocess.run(
            [sys.executable, "-c", SHOW_RESULT, str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert "active: VerifyDialog" in done.stdout, done.stdout + done.stderr
