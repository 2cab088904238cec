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
