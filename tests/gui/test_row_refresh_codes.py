"""The rows a big write changed are coded in the read's job, not on the GUI thread: at a
million images (select-all + a class key) looking the labels up when the rows were
stored held the window 0.9 s. (Thresholds lowered here: the real ones are 5,000.)"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt


def test_a_big_write_is_read_back_with_its_class_codes_made_in_the_job(qtbot, view, monkeypatch):
    from labeldesk.browse import catalog as catalog_module
    from labeldesk.browse import state_columns
    from labeldesk.gui import labeling, row_refresh

    monkeypatch.setattr(labeling, "BACKGROUND_WRITE", 3)
    monkeypatch.setattr(row_refresh, "BACKGROUND_ROWS", 3)
    on_gui: list[bool] = []  # one entry per class_codes call: made on the GUI thread?
    real_class_codes = catalog_module.class_codes

    def watched_class_codes(*args, **kwargs):
        on_gui.append(threading.current_thread() is threading.main_thread())
        return real_class_codes(*args, **kwargs)

    monkeypatch.setattr(catalog_module, "class_codes", watched_class_codes)  # (the rows')
    monkeypatch.setattr(state_columns, "class_codes", watched_class_codes)  # (the read's)
    view.grid.setFocus()
    view.grid.selectAll()
    chosen = len(view.grid.selected_rows())
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    job = view.labeling.writing
    assert job is not None
    qtbot.waitUntil(lambda: not job.running and not view.rows.busy)
    qtbot.waitUntil(lambda: view.catalog.label_counts(None).get("dog") == chosen)

    assert on_gui and not any(on_gui)  # coded, and only in the job
    dogs = view.catalog.labels == "dog"
    assert int(dogs.sum()) == chosen
    assert (view.catalog.label_codes[dogs] == 1).all()  # the codes the job made: "dog"
