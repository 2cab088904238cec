"""The new-project form warns, as ``labeldesk new`` does, when the project folder is inside
the image folder (other tools reading the folder would take its thumbnails for a class);
Create stays allowed, and the warning goes once the folder is moved out."""

from __future__ import annotations

from helpers import make_imagefolder
from PySide6.QtWidgets import QDialogButtonBox

from labeldesk.core.create import create_and_index
from labeldesk.gui.dialogs import NewProjectDialog


def test_a_project_folder_inside_the_image_folder_is_warned_about(qtbot, tmp_path):
    images = tmp_path / "pets"
    make_imagefolder(images)
    dialog = NewProjectDialog(images=images)
    qtbot.addWidget(dialog)
    dialog.show()
    create = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.project_edit.text() == str(tmp_path / "pets-labeldesk")  # beside: fine
    assert "inside" not in dialog.note.text()

    inside = images / "labeldesk"
    dialog.project_edit.setText(str(inside))
    note = dialog.note.text()
    assert note.startswith(f"⚠ The project folder {inside} is inside the image folder: ")
    assert "a folder beside the images is safer" in note
    assert dialog.note.isVisible() and create.isEnabled()  # a warning, not a refusal
    note_label = dialog.note  # its three wrapped lines all shown, none cut off
    qtbot.waitUntil(lambda: note_label.height() >= note_label.heightForWidth(note_label.width()))

    dialog.project_edit.setText(str(tmp_path / "elsewhere"))
    assert not dialog.note.isVisible()
    dialog.reject()  # its folder look-ups are cancelled

    # labeldesk new gives the same words (one check behind both).
    project, counts = create_and_index(inside, images, workers=1)
    project.close()
    assert any(note.endswith(w[1:]) for w in counts.warnings)


def test_a_folder_that_holds_a_project_says_how_to_open_it(qtbot, tmp_path):
    """An existing project's folder said only "must be new or empty"."""
    images = tmp_path / "pets"
    make_imagefolder(images)
    project, _ = create_and_index(tmp_path / "proj", images, workers=1)
    project.close()
    dialog = NewProjectDialog(images=images)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.project_edit.setText(str(tmp_path / "proj"))
    assert "holds a LabelDesk project already: open it with File → Open project" in (
        dialog.problem() or ""
    )
    assert "holds a LabelDesk project already" in dialog.note.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.reject()


def test_a_project_folder_as_the_image_folder_is_refused_as_labeldesk_new_refuses_it(
    qtbot, tmp_path
):
    images = tmp_path / "pets"
    make_imagefolder(images)
    project, _ = create_and_index(tmp_path / "proj", images, workers=1)
    project.close()
    dialog = NewProjectDialog(images=tmp_path / "proj")
    qtbot.addWidget(dialog)
    dialog.show()
    problem = dialog.problem() or ""
    assert problem.startswith(f"{tmp_path / 'proj'} is a LabelDesk project folder")
    assert str(images.resolve()) in problem
    assert problem in dialog.note.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.reject()
