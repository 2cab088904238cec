"""The catalog a re-read of every image brings comes with its lookup by id made in the
job that read it: the first lookup builds it (a hash table of the ids), and that was the
GUI thread's, finding the selection again in the new catalog (~0.1-0.3 s at a million)."""

from __future__ import annotations

import threading

from labeldesk.browse.catalog import ImageCatalog


def test_the_catalog_read_again_arrives_with_its_id_lookup_made(qtbot, view, monkeypatch):
    first_lookup: dict[int, str] = {}  # each catalog's first lookup by id: on which thread
    positions_of = ImageCatalog.positions_of

    def looking_up(catalog, image_ids):
        first_lookup.setdefault(id(catalog), threading.current_thread().name)
        return positions_of(catalog, image_ids)

    monkeypatch.setattr(ImageCatalog, "positions_of", looking_up)
    view.grid.select_row(2)
    on = int(view.model.rows_to_ids([2])[0])
    old = view.catalog
    assert view.fill_in() is not None
    qtbot.waitUntil(lambda: view.catalog is not old and not view.runner.active, timeout=20000)
    assert first_lookup[id(view.catalog)] != threading.main_thread().name
    assert int(view.model.rows_to_ids([view.grid.currentIndex().row()])[0]) == on
