"""The sidebar keeps its layout when a project's first scores come: the note of wrong
labels and the review link appeared some seconds after opening an embedded project and
the class list shrank by their three lines (about 60 px) under the pointer, Add class…
moving up with it. While the first scores are computed the note says so, in their room."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project

from labeldesk.gui.sidebar import FIRST_SCORING


def test_the_class_list_keeps_its_height_when_the_first_scores_come(qtbot, window, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    project.close()
    assert window.open_project(project.path)
    view = window.view
    sidebar = view.sidebar
    qtbot.waitUntil(lambda: view.feed.busy and sidebar.class_list.height() > 0, timeout=5000)
    assert view.catalog.expected_errors is None  # the first scores are on their way
    qtbot.wait(50)
    assert sidebar.expected_note.isVisible()
    assert sidebar.expected_note.text() == FIRST_SCORING
    before = sidebar.class_list.height(), sidebar.add_class_button.y()

    qtbot.waitUntil(lambda: view.catalog.expected_errors is not None, timeout=20000)
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    qtbot.wait(50)
    assert sidebar.expected_note.text().startswith("The model expects about")
    assert (sidebar.class_list.height(), sidebar.add_class_button.y()) == before


def test_a_project_without_embeddings_has_no_such_note(qtbot, window, project):
    project.close()
    assert window.open_project(project.path)
    qtbot.wait(200)
    assert not window.view.sidebar.expected_note.isVisible()
