"""While a project's first scores are computed after it opens ("Scoring images" in the
status bar), the detail panel says the image is being scored. It used to say "not
computed yet: the model scores images once they are embedded (Tools → Compute
embeddings, Ctrl+E)" for every image of a project embedded long ago, sending people to
embed again."""

from __future__ import annotations

import threading

from gui.held_join import hold_joins, shown_view


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
    with shown_view(qtbot, project, release) as view:
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


def test_with_nothing_embedded_it_says_so_once_the_check_is_done(qtbot, view):
    """The project fixture has no embeddings: once the first (empty) scoring is in, the
    panel sends the person to Compute embeddings, as before."""
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    view.grid.select_row(0)
    assert "Compute embeddings" in view.detail.fields["Model"].text()


def test_it_says_being_scored_while_the_first_scores_are_joined(qtbot, clustered, monkeypatch):
    """At a million images the feed's first scores are joined onto the images in a job
    (``begin_insights``, then ``take_insights`` when it ends): the feed is no longer busy
    then, and an image selected meanwhile said "not computed yet … Compute embeddings"
    for about a second."""
    project, _ = clustered
    release = hold_joins(monkeypatch)
    with shown_view(qtbot, project, release) as view:
        qtbot.waitUntil(lambda: view.model.rowCount() > 1, timeout=20000)
        catalog = view.catalog
        qtbot.waitUntil(lambda: catalog.insights_pending and not view.feed.busy, timeout=20000)
        view.grid.select_row(1)  # an image chosen while the scores are joined
        model_line = view.detail.fields["Model"].text()
        assert model_line.startswith("being scored"), model_line
        assert "Compute embeddings" not in model_line
        release.set()
        qtbot.waitUntil(lambda: catalog.insights is not None, timeout=20000)
        model_line = view.detail.fields["Model"].text()
        assert not model_line.startswith(("being scored", "not computed")), model_line
