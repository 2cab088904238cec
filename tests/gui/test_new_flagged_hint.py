"""With "Likely mislabeled" chosen, a rescoring changed the Images count ("(25)") while
the grid kept its 23 images (on purpose: tiles do not move under the person), and
nothing said so. A line under the Images choice does, with a link and a key that show
the new list; it goes once applied, or when the filter changes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def _flag_more(view, count: int, unflag: int = 0):
    """The scores as a rescoring that flags ``count`` more images (and ``unflag`` fewer
    of those flagged) would give them."""
    insights = view.catalog.insights
    flagged = insights.flagged.copy()
    newly = np.flatnonzero(~flagged)[:count]
    flagged[np.flatnonzero(flagged)[:unflag]] = False
    flagged[newly] = True
    expected = insights.expected_errors + count - unflag  # the note keeps its words
    view._insights_updated(replace(insights, flagged=flagged, expected_errors=expected))
    return {int(i) for i in insights.ids[newly]}


def test_a_line_offers_the_images_flagged_since_the_list_was_shown(qtbot, scored_view):
    view = scored_view
    hint = view.sidebar.new_matches
    view.sidebar.select_show("flagged")
    shown = view.model.rowCount()
    assert shown > 0 and not hint.isVisible()
    view.grid.select_row(1)
    on = int(view.model.rows_to_ids([1])[0])
    images = view.sidebar.show_box

    def images_at() -> int:
        QApplication.processEvents()
        return images.mapTo(view.sidebar, images.rect().topLeft()).y()

    before = images_at()
    newly = _flag_more(view, 2)
    assert images_at() == before  # the line's room was kept: nothing moves under the pointer
    assert view.model.rowCount() == shown  # the grid keeps its images…
    assert hint.isVisible()  # …and says what changed, with the way to see it
    assert hint.text().startswith("2 more flagged since this list was shown: ")
    assert "show them</a> (Alt+S)" in hint.text()

    hint.linkActivated.emit("show")  # as a click on it does
    assert view.model.rowCount() == shown + 2
    assert newly <= set(view.model.rows_to_ids(np.arange(shown + 2)).tolist())
    assert not hint.isVisible()
    assert int(view.model.rows_to_ids([view.grid.currentIndex().row()])[0]) == on  # stays

    _flag_more(view, 1, unflag=1)  # the key does the same; what left the list is said
    assert hint.text().startswith("1 more flagged since (1 no longer): ")
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert view.model.rowCount() == shown + 2 and not hint.isVisible()


def test_the_line_goes_when_the_filter_changes(qtbot, scored_view):
    view = scored_view
    hint = view.sidebar.new_matches
    view.sidebar.select_show("flagged")
    _flag_more(view, 2)
    assert hint.isVisible()
    view.sidebar.select_show("all")
    assert not hint.isVisible() and not view.new_matches_action.isEnabled()
    view.sidebar.select_show("flagged")  # the list is read anew: nothing to add
    assert not hint.isVisible()


def _rescore(view, unflag) -> None:
    """The scores as a rescoring that flags the images ``unflag`` no longer gives them."""
    insights = view.catalog.insights
    flagged = insights.flagged & ~np.isin(insights.ids, list(unflag))
    view._insights_updated(replace(insights, flagged=flagged))


def test_images_a_rescoring_only_took_off_the_list_are_said_too(qtbot, scored_view):
    """The count beside the choice fell below the grid's with no word when a rescoring
    flagged none anew; an image the person relabeled still leaves without one."""
    view = scored_view
    hint = view.sidebar.new_matches
    _flag_more(view, 2)  # four flagged, the list shown after
    view.sidebar.select_show("flagged")
    shown = view.model.rowCount()
    assert shown >= 3 and not hint.isVisible()
    ids = [int(i) for i in view.model.rows_to_ids([0, 1, 2])]
    position = int(view.catalog.positions_of([ids[0]])[0])
    before = view.catalog.labels[position]
    other = next(i for i, c in enumerate(view.catalog.classes) if c != before)
    view.grid.select_row(0)
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key(Qt.Key.Key_1 + other))  # the person fixes the first
    qtbot.waitUntil(lambda: view.catalog.labels[position] != before, timeout=10000)
    assert view.model.rowCount() == shown and not hint.isVisible()  # unsaid, as before

    _rescore(view, unflag=ids)  # the model agrees with the fix and drops two more
    assert hint.isVisible() and view.new_matches_action.isEnabled()
    assert hint.text().startswith("2 no longer flagged since this list was shown: ")
    assert "show the list now</a> (Alt+S)" in hint.text()
    hint.linkActivated.emit("show")
    assert view.model.rowCount() == shown - 3 and not hint.isVisible()


def test_a_flagged_file_edited_on_disk_is_not_counted_as_no_longer_flagged(
    qtbot, scored_view, clustered
):
    """A rescan that finds a flagged picture edited drops the model's view of it (it judged
    the old picture): the list is read anew with the rescan, so the line never counts it
    among those "no longer flagged", neither then nor after the rescoring."""
    from helpers import write_image

    project, flipped = clustered
    view = scored_view
    hint = view.sidebar.new_matches
    view.sidebar.select_show("flagged")
    shown = {view.catalog.paths[view.model.position(r)] for r in range(view.model.rowCount())}
    assert flipped[0] in shown
    write_image(project.root / flipped[0], size=(9, 9), seed=999, fmt="PNG")
    project.scan(workers=1)
    qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
    qtbot.waitUntil(lambda: flipped[0] not in set(view.catalog.paths[view.catalog.flagged]))
    view.feed.refresh()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert view.model.list_changes()[1] == 0
    assert not hint.pending and "no longer" not in hint.accessibleName()


def test_choosing_likely_mislabeled_leaves_the_sidebar_as_it_was(qtbot, scored_view):
    """The line's room was kept only while "Likely mislabeled" was chosen, so choosing it
    shrank the class list by two lines (34 px) and moved Add class, Split, Images and
    Sort up; choosing another list moved them back. Its room is now kept once the model
    flags images, and nothing in the sidebar moves or changes size."""
    view = scored_view
    view.resize(1280, 660)  # a 1280×720 screen, less the title bar and the panel
    sidebar = view.sidebar
    watched = (sidebar.class_list, sidebar.add_class_button, sidebar.show_box, sidebar.search)

    def places() -> list[tuple[int, int, int, int]]:
        QApplication.processEvents()
        return [w.geometry().getRect() for w in watched]

    before = places()
    sidebar.select_show("flagged")
    assert view.model.image_filter.show == "flagged"
    assert places() == before
    sidebar.select_show("all")
    assert places() == before


def test_the_class_list_keeps_its_size_as_the_note_on_wrong_labels_changes(qtbot, scored_view):
    """After each label key the note read "Scoring the labels again… (the model last
    expected about 39 wrong labels)", then "…; 35 are flagged (not labels you verified,
    nor those changed since it last scored them)": two, three or four lines at 1280 ×
    720, so the class list and the controls under it jumped by a line each time. The
    note keeps the room of its longest wording."""
    view = scored_view
    view.resize(1280, 660)
    sidebar = view.sidebar
    watched = (sidebar.class_list, sidebar.add_class_button, sidebar.show_box, sidebar.search)

    def places() -> list[tuple[int, int, int, int]]:
        QApplication.processEvents()
        return [w.geometry().getRect() for w in watched]

    sidebar.set_expected_errors(39, 39)  # "the 39 most suspicious are flagged"
    before = places()
    sidebar.set_expected_errors(39, 39, scoring=True)  # a label key: scored again
    assert places() == before
    sidebar.set_expected_errors(36, 35)  # "35 are flagged (not labels you verified, …)"
    assert places() == before
    sidebar.set_expected_errors(36, 30, unflagged=(4, 2))  # "(4 more you verified, 2 …)"
    assert places() == before
    sidebar.set_expected_errors(36, 36)
    assert places() == before
