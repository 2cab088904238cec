"""A rescan's fill-in reads the images into a new catalog, which takes the feed's scores
again: they judged the labels of when they were made, not those it reads. A flagged image
the person relabeled since (its flag cleared) stayed unflagged only until the fill-in,
which flagged it again until the next rescoring; it stays unflagged now, with or without
scores being joined in a job."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.gui import sort_ahead


def relabel_flagged(qtbot, view, project, path) -> tuple[int, int]:
    """Press the key of bee (the true class) on the flagged image at ``path``: its id and
    its position in the catalog."""
    catalog = view.catalog
    image_id = project.ids_for([path])[path]
    position = int(catalog.positions_of([image_id])[0])
    assert catalog.flagged[position] and catalog.labels[position] != "bee"
    view.grid.select_row(view.model.row_of_id(image_id))
    view.activateWindow()
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: catalog.labels[position] == "bee" and not view.rows.busy)
    assert not catalog.flagged[position]
    return image_id, position


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
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    release = threading.Event()
    begin = ImageCatalog.begin_insights

    def held_begin(catalog, insights):
        make = begin(catalog, insights)

        def held():  # the job's work, done once released
            release.wait(30)
            return make()

        return held

    monkeypatch.setattr(ImageCatalog, "begin_insights", held_begin)
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
