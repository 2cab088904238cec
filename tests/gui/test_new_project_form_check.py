"""The new-project form checks a folder's layout off the GUI thread: a flat folder of a
million images takes seconds to list, and the form must answer keys meanwhile."""

from __future__ import annotations

import threading

import pytest

from labeldesk.core import layout_check
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.gui import dialogs
from labeldesk.gui.dialogs import NewProjectDialog


def test_typing_a_folder_does_not_list_it_on_the_gui_thread(qtbot, tmp_path, monkeypatch):
    from helpers import make_imagefolder

    outer = tmp_path / "data"
    make_imagefolder(outer / "fashion")
    gui_thread = threading.get_ident()
    listed_on: set[int] = set()
    real = layout_check._subfolders

    def recording(folder):
        listed_on.add(threading.get_ident())
        return real(folder)

    monkeypatch.setattr(layout_check, "_subfolders", recording)
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.images_edit.setText(str(outer))  # typed or pasted
    qtbot.waitUntil(lambda: dialog.use_suggested.isVisible(), timeout=5000)
    assert "one level too high" in dialog.note.text()
    assert listed_on and gui_thread not in listed_on
    # A warning for the old folder goes as soon as the text changes.
    dialog.images_edit.setText(str(outer / "fashion"))
    assert not dialog.use_suggested.isVisible() and dialog.layout_warnings == []


def test_a_late_check_of_an_old_folder_is_not_shown(qtbot, tmp_path, monkeypatch):
    from helpers import make_imagefolder

    outer = tmp_path / "data"
    make_imagefolder(outer / "fashion")
    gate = threading.Event()
    real = dialogs.check_layout

    def slow_for_outer(folder, *, cancel=None):
        if folder == outer:
            gate.wait(30)
            return real(folder)  # not cancelled: its result must still be dropped
        return real(folder, cancel=cancel)

    monkeypatch.setattr(dialogs, "check_layout", slow_for_outer)
    dialog = NewProjectDialog(images=outer)
    qtbot.addWidget(dialog)
    old = dialog.check_job
    assert old is not None
    dialog.set_images(outer / "fashion")
    gate.set()
    qtbot.waitUntil(lambda: not old.running, timeout=5000)
    qtbot.waitUntil(lambda: dialog.check_job is None or not dialog.check_job.running)
    assert dialog.layout_warnings == [] and not dialog.use_suggested.isVisible()


def test_check_layout_stops_when_cancelled(tmp_path):
    from helpers import make_imagefolder

    make_imagefolder(tmp_path / "root")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        layout_check.check_layout(tmp_path / "root", cancel=token)


def test_the_form_warns_of_a_dev_folder_beside_train(qtbot, tmp_path):
    """The preview counts dev/'s images as a class 'dev'; the note under it says why and
    what to rename the folder to, as `labeldesk new` does (Create stays allowed)."""
    from helpers import write_image

    for i, rel in enumerate(["train/cat/a.png", "dev/cat/b.png", "dev/dog/c.png"]):
        write_image(tmp_path / "img" / rel, seed=i)
    dialog = NewProjectDialog(images=tmp_path / "img")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "dev/ beside train/" in dialog.note.text(), timeout=5000)
    note = dialog.note.text()
    assert note.startswith("⚠ dev/ beside train/ looks like a split folder")
    assert "all its images get the class 'dev' and no split" in note
    assert "rename it val/" in note
    qtbot.waitUntil(lambda: "Classes:" in dialog.found.text(), timeout=5000)
    assert "dev 2" in dialog.found.text()
    assert not dialog.use_suggested.isVisible()


def test_a_typed_image_folder_gets_a_project_folder_beside_it(qtbot, tmp_path):
    """Typed or pasted (not Browse…), the image folder left the project folder empty and
    Create greyed out under "Choose a folder for the project": a new user had to invent
    one. It is filled in as for Browse, follows the typing, and never replaces a folder
    the person chose."""
    from helpers import make_imagefolder
    from PySide6.QtWidgets import QDialogButtonBox

    make_imagefolder(tmp_path / "data" / "fashion")
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.images_edit, str(tmp_path / "data"))  # a folder on the way
    qtbot.waitUntil(lambda: dialog.project_edit.text() == str(tmp_path / "data-labeldesk"))
    qtbot.keyClicks(dialog.images_edit, "/fashion")
    beside = tmp_path / "data" / "fashion-labeldesk"
    qtbot.waitUntil(lambda: dialog.project_edit.text() == str(beside), timeout=5000)
    create = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.problem() is None and create.isEnabled()
    dialog.project_edit.setText(str(tmp_path / "mine"))  # the person's own choice stays
    dialog.images_edit.setText(str(tmp_path / "data"))
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    assert dialog.project_edit.text() == str(tmp_path / "mine")
