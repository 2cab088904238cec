"""While a project's first scores are computed after it opens ("Scoring images" in the
status bar), the detail panel says the image is being scored. It used to say "not
computed yet: the model scores images once they are embedded (Tools → Compute
embeddings, Ctrl+E)" for every image of a project embedded long ago, sending people to
embed again."""

from __future__ import annotations

import threading

from labeldesk.gui.project_view import ProjectView


def test_the_model_line_says_being_scored_until_the_first_scores_come(
    qtbot, clustered, monkeypatch
):
    import labeldesk.ml.insights as insights

    project, _ = clustered
    release = threading.Event()
    compute = insights.insights_if_embedded

    def held(*args, **kwargs):
        release.wait(30)
        return compute(*args, **kwargs)

    monkeypatch.setattr(insights, "insights_if_embedded", held)
    view = ProjectView(project)
    qtbot.addWidget(view)
    try:
        view.resize(1200, 800)
        view.show()
        qtbot.waitExposed(view)
        qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20000)
        view.grid.select_row(0)
        assert view.feed.busy
        model_line = view.detail.fields["Model"].text()
        assert model_line.startswith("being scored"), model_line
        assert "Compute embeddings" not in model_line
        release.set()
        qtbot.waitUntil(lambda: view.catalog.insights is not None, timeout=20000)
        model_line = view.detail.fields["Model"].text()
        assert not model_line.startswith(("being scored", "not computed")), model_line
    finally:
        release.set()
        view.shutdown()


def test_with_nothing_embedded_it_says_so_once_the_check_is_done(qtbot, view):
    """The project fixture has no embeddings: once the first (empty) scoring is in, the
    panel sends the person to Compute embeddings, as before."""
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    view.grid.select_row(0)
    assert "Compute embeddings" in view.detail.fields["Model"].text()
