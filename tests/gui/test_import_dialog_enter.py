"""After Import has applied the labels, Enter closes the form: Import stayed the default
button, so Enter (the usual "done") read the file again and the result ("1 label
applied (Edit → Undo takes them back)") gave way to "nothing would change", the form
still open. Another file or option makes Enter import again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.gui.import_dialog import ImportDialog


def test_enter_closes_the_form_once_the_labels_are_applied(qtbot, project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\ntrain/dog/dog0.jpg,cat\n")
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.file.setText(str(f))
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10_000)
    assert dialog.import_button.isDefault()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "1 label applied" in dialog.found.text(), timeout=10_000)
    qtbot.waitUntil(dialog.close_button.isEnabled)
    assert dialog.close_button.isDefault() and not dialog.import_button.isDefault()
    assert dialog.focusWidget() is not dialog.import_button  # (it would take Enter)

    dialog.file.setText(str(tmp_path / "other.csv"))  # another file: Enter imports
    assert dialog.import_button.isDefault() and not dialog.close_button.isDefault()
    dialog.file.setText(str(f))
    qtbot.waitUntil(lambda: "nothing would change" in dialog.found.text(), timeout=10_000)
    dialog.shutdown()

    again = ImportDialog(project)  # Enter, once applied: the form closes, the result kept
    qtbot.addWidget(again)
    again.show()
    again.activateWindow()
    qtbot.waitUntil(again.isActiveWindow)
    f.write_text("path,label\ntrain/dog/dog1.jpg,cat\n")
    again.file.setText(str(f))
    qtbot.waitUntil(again.import_button.isEnabled, timeout=10_000)
    qtbot.mouseClick(again.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "1 label applied" in again.found.text(), timeout=10_000)
    qtbot.waitUntil(again.close_button.isEnabled)
    result = again.found.text()
    qtbot.keyClick(again.focusWidget() or again, Qt.Key.Key_Return)
    assert not again.isVisible() and again.found.text() == result
    again.shutdown()
