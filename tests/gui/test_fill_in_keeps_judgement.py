"""A rescan's fill-in reads the images into a new catalog, which takes the feed's scores
again: they judged the labels of when they were made, not those it reads. A flagged image
the person relabeled since (its flag cleared) stayed unflagged only until the fill-in,
which flagged it again until the next rescoring; it stays unflagged now, with or without
scores being joined in a job."""

from __future__ import annotations

from gui.held_join import hold_joins, relabel_flagged
from labeldesk.browse.catalog import ImageCatalog


def filled_in(qtbot, view) -> ImageCatalog:
    old = view.catalog
    assert view.fill_in() is not None
    qtbot.waitUntil(lambda: view.catalog is not old, timeout=10000)
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    return view.catalog


def still_unflagged(view, image_id: int, flags: int) -> None:
    catalog = view.catalog
    position = int(catalog.positions_of([image_id])[0])
    assert catalog.labels[position] == "bee"
    assert not catalog.flagged[position]  # the person's relabel stays
    assert int(catalog.flagged.sum()) == flags - 1  # the others stay flagged
    assert not view.model.tile(view.model.row_of_id(image_id)).flagged
    assert catalog.show_counts()["flagged"] == flags - 1


def test_a_relabeled_image_stays_unflagged_after_a_fill_in(
    qtbot, scored_view, clustered, monkeypatch
):
    project, flipped = clustered
    view = scored_view
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no rescoring)
    flags = int(view.catalog.flagged.sum())
    image_id, _ = relabel_flagged(qtbot, view, project, flipped[0])
    catalog = filled_in(qtbot, view)
    assert catalog.insights is view.feed.latest
    still_unflagged(view, image_id, flags)


def test_a_relabel_made_while_scores_are_joined_stays_unflagged_after_a_fill_in(
    qtbot, scored_view, clustered, monkeypatch
):
    """The scores being joined in a job when the fill-in ends: the new catalog takes the
    feed's scores (the old one's job is dropped), and the edits the join noted with them."""
    project, flipped = clustered
    view = scored_view
    old = view.catalog
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no rescoring)
    release = hold_joins(monkeypatch)
    flags = int(old.flagged.sum())
    try:
        view._insights_updated(old.insights)  # new scores (the same), joined in a job
        assert old.insights_pending
        image_id, _ = relabel_flagged(qtbot, view, project, flipped[0])
        old_job = view.fill_job
        assert view.fill_in() is not None and view.fill_job is not old_job
        qtbot.waitUntil(lambda: view.catalog is not old, timeout=10000)
    finally:
        release.set()
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    assert view.catalog.insights is view.feed.latest
    still_unflagged(view, image_id, flags)
