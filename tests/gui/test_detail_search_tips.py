"""More like this and Find different say what they do once embeddings exist: their
tooltips said "Compute embeddings first" for good (replaced at set-up, never given back),
also beside enabled buttons in an embedded project."""

from __future__ import annotations

from labeldesk.gui.detail_panel import DetailPanel


def test_the_search_buttons_say_what_they_do_once_they_can(qtbot, project):
    panel = DetailPanel(project)
    qtbot.addWidget(panel)
    more, different = panel.more_like_button, panel.find_different_button
    assert "Compute embeddings first" in more.toolTip()  # none yet: what to do first
    panel.set_model_available(True)
    assert more.isEnabled() and different.isEnabled()
    assert more.toolTip().startswith("Show the images most similar to the selection")
    assert different.toolTip().startswith("Sort the grid by outlier score")
    panel.set_model_available(False)  # embeddings gone (a re-embed under way)
    assert not more.isEnabled()
    assert "Compute embeddings first" in different.toolTip()


def test_more_like_this_with_nothing_selected_says_what_it_needs(qtbot, view):
    view.grid.clearSelection()  # as in a grid the sidebar's choices left empty
    with qtbot.waitSignal(view.message, timeout=2000) as said:
        assert view.more_like_selection() is None
    assert said.args[0].startswith("Select one or more images first")
