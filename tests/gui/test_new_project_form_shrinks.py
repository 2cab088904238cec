"""The new-project form gives back the room a note took once the note goes: a note
("⚠ …one level too high…", "Found 600 images…") that disappeared left a blank gap."""

from __future__ import annotations

from labeldesk.gui.dialogs import NewProjectDialog


def _snug(dialog: NewProjectDialog) -> int:
    layout = dialog.layout()
    assert layout is not None
    return layout.totalHeightForWidth(dialog.width())


def test_the_form_shrinks_back_when_its_notes_go(qtbot, tmp_path):
    from helpers import make_imagefolder

    outer = tmp_path / "data"
    make_imagefolder(outer / "fashion")
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    first = dialog.height()
    dialog.images_edit.setText(str(outer))  # one level too high: a warning and a button
    qtbot.waitUntil(lambda: dialog.use_suggested.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: dialog.found.text().startswith("Found"), timeout=5000)
    grown = dialog.height()
    assert grown > first
    dialog.images_edit.setText("")  # every note goes
    qtbot.waitUntil(lambda: not dialog.note.isVisible() and not dialog.found.isVisible())
    assert dialog.height() <= max(first, _snug(dialog))
    assert dialog.height() < grown


def test_a_form_the_person_made_taller_keeps_its_height(qtbot, tmp_path):
    from helpers import make_imagefolder

    outer = tmp_path / "data"
    make_imagefolder(outer / "fashion")
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(dialog.width(), 600)  # dragged taller by hand
    dialog.images_edit.setText(str(outer))
    qtbot.waitUntil(lambda: dialog.use_suggested.isVisible(), timeout=5000)
    dialog.images_edit.setText("")
    qtbot.waitUntil(lambda: not dialog.note.isVisible())
    assert dialog.height() == 600
