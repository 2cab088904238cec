"""The app's Open on a project whose images table itself is damaged (a zeroed page of its
rows, which the grid must read): it says the project cannot be opened, why and what to
do, and stays on the start page. Before, the DatabaseError left the window's open: the
app quit at start with only a line in the terminal, or an Open from the menus failed
with a traceback."""

from __future__ import annotations

from damaged_pages import digest, sample_project, zero_last_images_page


def test_a_project_whose_image_rows_are_unreadable_is_not_opened_and_says_why(window, tmp_path):
    folder = sample_project(tmp_path)
    zero_last_images_page(folder)  # the images table's newest rows
    db = folder / "labeldesk.db"
    before = digest(db)
    notices: list[str] = []
    window.notify_error = lambda message, dialog=True: notices.append(message)
    assert not window.open_project(folder)
    assert window.view is None and window.session is None
    assert window.stack.currentWidget() is window.start_page
    assert window.windowTitle() == "LabelDesk"
    assert len(notices) == 1
    assert notices[0].startswith(f"Cannot open {folder}: its database labeldesk.db is damaged")
    assert "restore labeldesk.db from a backup" in notices[0]
    assert digest(db) == before  # nothing written to it
