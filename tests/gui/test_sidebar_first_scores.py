"""The sidebar keeps its layout when a project's first scores come: the note of wrong
labels and the review link appeared some seconds after opening an embedded project and
the class list shrank by their three lines (about 60 px) under the pointer, Add class…
moving up with it. While the first scores are computed the note says so, in their room."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project

from labeldesk.gui.estimate_words import FIRST_SCORING


def test_the_class_list_keeps_its_height_when_the_first_scores_come(qtbot, window, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    project.close()
    assert window.open_project(project.path)
    view = window.view
    sidebar = view.sidebar
    qtbot.waitUntil(lambda: view.feed.busy and sidebar.class_list.height() > 0, timeout=5000)
    assert view.catalog.expected_errors is None  # the first scores are on their way
    assert note_when_scored(qtbot, view).startswith("The model expects about")


def test_a_project_without_embeddings_has_no_such_note(qtbot, window, project):
    project.close()
    assert window.open_project(project.path)
    qtbot.wait(200)
    assert not window.view.sidebar.expected_note.isVisible()


def test_a_new_projects_first_scores_are_announced_in_their_room(qtbot, window, tmp_path):
    # A project embedded after it was opened (a new project: its first embedding runs in
    # the app) showed no note while its first scores were computed, and the class list
    # shrank by the note and the link (116 px at 1280 × 720) when they came: the view
    # judged "embedded" once, when it opened the project. "The model expects no wrong
    # labels" then gave a line back to the list (the room kept was for the first's 999).
    import numpy as np
    from helpers import write_image
    from ml.fake_embeddings import CLASSES, DIM, _store_cluster_vectors

    from labeldesk.core.create import create_and_index
    from labeldesk.core.project import open_project

    root, truth = tmp_path / "images", {}
    for c, name in enumerate(CLASSES):
        for i in range(30):
            rel = f"train/{name}/{name}{i}.png"
            write_image(root / rel, size=(8, 8), fmt="PNG", seed=len(truth))
            truth[rel] = c
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.close()
    assert window.open_project(tmp_path / "proj")
    view = window.view
    sidebar = view.sidebar
    qtbot.wait(200)
    assert not sidebar.expected_note.isVisible()  # nothing to score yet

    writer = open_project(tmp_path / "proj")  # as the app's embedding, or `labeldesk embed`
    rng = np.random.default_rng(0)
    try:
        _store_cluster_vectors(writer, truth, rng.normal(size=(len(CLASSES), DIM)) * 2.5, rng, "f")
    finally:
        writer.close()
    qtbot.waitUntil(lambda: view.feed.busy, timeout=10000)
    assert note_when_scored(qtbot, view) == "The model expects no wrong labels."


def note_when_scored(qtbot, view) -> str:
    """While the first scores are computed the note says so; when they come, the class
    list and Add class… stay where they were. The note then."""
    sidebar = view.sidebar
    qtbot.wait(50)
    assert sidebar.expected_note.isVisible()
    assert sidebar.expected_note.text().startswith(FIRST_SCORING)  # (and how far it is)
    before = sidebar.class_list.height(), sidebar.add_class_button.y()
    qtbot.waitUntil(lambda: view.catalog.expected_errors is not None, timeout=20000)
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    qtbot.wait(50)
    assert (sidebar.class_list.height(), sidebar.add_class_button.y()) == before
    return sidebar.expected_note.text()
