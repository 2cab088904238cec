"""A grid the sidebar's choices leave empty says which choices hide the images and how
to undo each (it was blank, with "showing 0" in the status bar, as if the project had
no images: a class picked earlier and a search typed later)."""

from __future__ import annotations

from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui.empty_grid import empty_grid_text


def test_the_grid_says_what_hides_its_images(qtbot, view, project):
    total = len(project.images())
    assert view.grid.empty_text == ""  # every image shown: nothing to say
    view.sidebar.search.setText("no-such-path")
    qtbot.keyClick(view.sidebar.search, "\r")  # applied at once, as Enter does
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    text = view.grid.empty_text
    assert "path contains “no-such-path”" in text
    assert f"To see more of the {total:,} images: clear the search (Esc in it)." in text
    view.sidebar.search.setText("")
    qtbot.keyClick(view.sidebar.search, "\r")
    qtbot.waitUntil(lambda: view.model.rowCount() > 0)
    assert view.grid.empty_text == ""


def test_each_choice_is_named_with_its_undo():
    wanted = ImageFilter(unlabeled=True, split="test", show="flagged", search="coat")
    assert empty_grid_text(wanted, 600) == (
        "No image matches class Unlabeled, split test, Images: Likely mislabeled, path "
        "contains “coat”.\nTo see more of the 600 images: pick All images in the class "
        "list; pick Split: All; pick Images: All images; clear the search (Esc in it)."
    )
    assert empty_grid_text(ImageFilter(label="cat"), 3).startswith("No image matches class cat.")
    assert empty_grid_text(ImageFilter(search="x"), 0) == ""  # no images yet: none hidden
