"""New version…: one small form asks the name and the note together (it took two dialogs
in a row); a name that cannot be used is said in the form, which stays open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from labeldesk.gui.versions_view import VersionsView


def opened_form(qtbot, view):
    view.prompt_create()
    form = view.version_form
    assert form is not None
    qtbot.waitUntil(form.isVisible, timeout=5000)
    return form


def ok_button(form):
    return form.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_name_and_note_in_one_form(qtbot, project):
    view = VersionsView(project)
    qtbot.addWidget(view)
    form = opened_form(qtbot, view)
    assert form.name.hasFocus() or form.focusWidget() is form.name
    assert not ok_button(form).isEnabled()  # no name yet
    qtbot.keyClicks(form.name, "baseline")
    qtbot.keyClicks(form.note, "before the relabel")
    qtbot.mouseClick(ok_button(form), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=10000)
    assert view.version_form is None  # closed
    assert [(v.name, v.note) for v in view.versions] == [("baseline", "before the relabel")]
    view.shutdown()


def test_a_name_in_use_is_said_in_the_form_which_stays_open(qtbot, project):
    view = VersionsView(project)
    qtbot.addWidget(view)
    job = view.create_version("baseline")
    qtbot.waitUntil(lambda: not job.running and view.table.rowCount() == 1, timeout=10000)
    form = opened_form(qtbot, view)
    qtbot.keyClicks(form.name, "baseline")
    qtbot.keyClicks(form.note, "kept")
    qtbot.mouseClick(ok_button(form), Qt.MouseButton.LeftButton)
    assert form.isVisible()  # nothing recorded, the note typed is still there
    assert form.problem.text() == "There is a version named 'baseline' already; pick another name"
    assert view.create_job is job and view.table.rowCount() == 1
    form.name.clear()
    assert form.problem.text() == ""  # the error goes once the name is edited
    qtbot.keyClicks(form.name, "second")
    qtbot.mouseClick(ok_button(form), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=10000)
    assert {v.name: v.note for v in view.versions}["second"] == "kept"
    view.shutdown()


def test_cancel_records_nothing(qtbot, project):
    view = VersionsView(project)
    qtbot.addWidget(view)
    form = opened_form(qtbot, view)
    qtbot.keyClicks(form.name, "baseline")
    form.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert view.version_form is None and view.create_job is None
    view.shutdown()
