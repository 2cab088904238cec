"""The catalog a re-read of every image brings comes with its lookup by id made in the
job that read it: the first lookup builds it (a hash table of the ids), and that was the
GUI thread's, finding the selection again in the new catalog (~0.1-0.3 s at a million)."""

from __future__ import annotations


def test_the_catalog_read_again_arrives_with_its_id_lookup_made(qtbot, view):
    arrived: list[bool] = []
    filled_in = view._filled_in

    def taking(result, **kwargs):
        if not arrived:  # as the GUI thread takes it, before it looks anything up
            arrived.append(result[0]._index._engine.is_mapping_populated)
        filled_in(result, **kwargs)

    view._filled_in = taking
    view.grid.select_row(2)
    on = int(view.model.rows_to_ids([2])[0])
    old = view.catalog
    assert view.fill_in() is not None
    qtbot.waitUntil(lambda: view.catalog is not old and not view.runner.active, timeout=20000)
    assert arrived == [True]
    assert int(view.model.rows_to_ids([view.grid.currentIndex().row()])[0]) == on
