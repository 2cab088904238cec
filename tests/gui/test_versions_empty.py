"""Dataset versions with none yet: the page says how to make one, not "Select a version
and press Compare" (there is none to select, and Compare is greyed out)."""

from __future__ import annotations

from labeldesk.gui.versions_view import VersionsView


def test_the_page_says_how_to_make_the_first_version(qtbot, project):
    view = VersionsView(project)
    qtbot.addWidget(view)
    hint = view.diff_text.placeholderText()
    assert "No versions yet" in hint and "New version…" in hint
    assert not view.compare_button.isEnabled() and not view.export_button.isEnabled()
    job = view.create_version("v1")
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    assert view.diff_text.placeholderText().startswith("Select a version and press Compare")
    view.shutdown()


def test_the_hint_on_screen_is_repainted_when_the_first_version_comes(qtbot, project):
    """The hint is drawn by the box: changed without a repaint, "No versions yet" stayed
    on screen beside the new version."""
    from PySide6.QtCore import QEvent, QObject

    view = VersionsView(project)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    painted: list[int] = []

    class Paints(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint:
                painted.append(1)
            return False

    paints = Paints()
    view.diff_text.viewport().installEventFilter(paints)
    qtbot.wait(50)
    painted.clear()
    job = view.create_version("v1")
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    qtbot.waitUntil(lambda: bool(painted), timeout=2000)
    view.shutdown()
