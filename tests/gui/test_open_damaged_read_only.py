"""The app's Open on a project LabelDesk found damaged before (a note beside its
database) whose damage is still there: it opens read-only, says so in a notice with what
to do, and a label key writes nothing."""

from __future__ import annotations

from damaged_pages import digest, sample_project, zero_last_images_page

from gui.label_key import said_on_label_key
from labeldesk.core.damage_note import NOTE_NAME, record_damage


def test_a_project_found_damaged_opens_read_only_and_says_so(qtbot, window, tmp_path):
    folder = sample_project(tmp_path)
    zero_last_images_page(folder, "images_hash")  # an index the grid does not read
    db = folder / "labeldesk.db"
    record_damage(db, "database disk image is malformed")  # as a command that met it
    before = digest(db)
    notices: list[str] = []
    window.notify_error = lambda message, dialog=True: notices.append(message)
    assert window.open_project(folder)
    qtbot.waitUntil(lambda: window.view is not None)  # after the check (off the GUI thread)
    view = window.view
    assert view is not None
    assert window.windowTitle() == "proj (read-only) — LabelDesk"
    assert len(notices) == 1
    assert notices[0].startswith(f"Opened {folder} read-only: the project database")
    assert "is damaged" in notices[0] and "restore labeldesk.db from a backup" in notices[0]
    window._show_counts()
    assert window.counts_label.text().startswith("Read-only · ")
    assert not view.sidebar.add_class_button.isEnabled()

    said = said_on_label_key(qtbot, view)
    assert said and "is damaged" in said[-1] and "nothing was saved" in said[-1]
    window.close_project()
    assert digest(db) == before
    assert (folder / NOTE_NAME).is_file()
