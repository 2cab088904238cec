"""A comparison with "the labels now" follows the labels: it said "no differences" after
labels had changed since, until Compare was pressed again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.gui.versions_view import STALE_NOTE


def versions_page(qtbot, window, project):
    """The project's Dataset versions page with version "v1" compared with now."""
    assert window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0, timeout=10000)
    window.show_versions()
    page = window.pages.versions
    job = page.create_version("v1")
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    page.select("v1")
    page.compare()
    qtbot.waitUntil(lambda: page.last_diff is not None, timeout=10000)
    assert "no differences" in page.diff_text.toPlainText()
    return page


def label_first_image(qtbot, window) -> None:
    window.show_browser()
    view = window.view
    view.grid.select_row(0)
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)


def test_the_comparison_is_made_again_when_the_page_is_shown_again(qtbot, window, project):
    page = versions_page(qtbot, window, project)
    label_first_image(qtbot, window)
    window.show_versions()
    qtbot.waitUntil(lambda: "1 label changed" in page.diff_text.toPlainText(), timeout=10000)
    assert STALE_NOTE not in page.diff_text.toPlainText()


def test_a_change_while_the_page_is_shown_says_the_comparison_is_out_of_date(
    qtbot, window, project
):
    page = versions_page(qtbot, window, project)
    label_first_image(qtbot, window)
    window.show_versions()
    qtbot.waitUntil(lambda: "1 label changed" in page.diff_text.toPlainText(), timeout=10000)
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo, here
    qtbot.waitUntil(lambda: page.diff_text.toPlainText().startswith(STALE_NOTE), timeout=5000)
    page.compare_button.click()
    qtbot.waitUntil(lambda: "no differences" in page.diff_text.toPlainText(), timeout=10000)
    assert STALE_NOTE not in page.diff_text.toPlainText()


def test_a_comparison_of_two_versions_is_left_as_it_is(qtbot, window, project):
    page = versions_page(qtbot, window, project)
    label_first_image(qtbot, window)
    window.show_versions()
    job = page.create_version("v2")
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    page.select("v1")
    page.compare_with.setCurrentIndex(page.compare_with.findData("v2"))
    page.compare()
    qtbot.waitUntil(lambda: "v1 → v2: 1 label" in page.diff_text.toPlainText(), timeout=10000)
    shown = page.diff_text.toPlainText()
    assert "->" not in shown  # the app's arrow, "→", on every line (a label's old → new)
    assert any(": " in line and " → " in line for line in shown.splitlines()[1:])
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(200)
    assert page.diff_text.toPlainText() == shown  # both versions are as they were
