"""Under the browser's "The model expects about N wrong labels; the N most suspicious are
flagged.", a link to the review that fixes them: the note gave a new user a number and
no next step (Statistics had a "review them" link; the browser, where a new project
opens, had none)."""

from __future__ import annotations


def test_the_note_links_to_the_review_of_the_flagged_labels(qtbot, window, tmp_path):
    from ml.fake_embeddings import make_clustered_project

    from gui.scored_window import open_scored

    project, _ = make_clustered_project(tmp_path)
    view = open_scored(qtbot, window, project)
    assert int(view.catalog.flagged.sum()) > 0
    link = view.sidebar.review_link
    assert link.isVisible()
    assert link.text() == "<a href='review'>Review likely mislabels</a> (Ctrl+I)"
    link.linkActivated.emit("review")  # as a click on it does
    review = window.review.view
    assert review is not None and window.stack.currentWidget() is review
    qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
    assert review.source == "issues"


def test_no_link_while_nothing_is_flagged_or_the_labels_are_scored_again(qtbot, scored_view):
    sidebar = scored_view.sidebar
    sidebar.set_expected_errors(3, 0)
    assert not sidebar.review_link.isVisible()
    sidebar.set_expected_errors(3, 2, scoring=True)
    assert not sidebar.review_link.isVisible()
    sidebar.set_expected_errors(3, 2)
    assert sidebar.review_link.isVisible()
    sidebar.set_expected_errors(None, 0)
    assert not sidebar.review_link.isVisible()


def test_the_sidebar_does_not_jump_while_the_labels_are_scored_again(qtbot, scored_view):
    """A few seconds after each label key the link hid (the labels scored again) and the
    class list grew by its line, Split, Images and Sort moving down under the pointer;
    they moved back up when the new scores came."""
    from PySide6.QtWidgets import QApplication

    sidebar = scored_view.sidebar

    def place() -> tuple[int, int]:
        QApplication.processEvents()
        return sidebar.class_list.height(), sidebar.search.mapTo(
            sidebar, sidebar.rect().topLeft()
        ).y()

    sidebar.set_expected_errors(3, 2)
    assert sidebar.review_link.isVisible()
    shown = place()
    sidebar.set_expected_errors(3, 2, scoring=True)
    assert not sidebar.review_link.isVisible()
    assert place() == shown
    sidebar.set_expected_errors(3, 2)
    assert place() == shown
    sidebar.set_expected_errors(None, 0)  # no estimate yet (nothing embedded): no gap
    assert place()[0] > shown[0]
