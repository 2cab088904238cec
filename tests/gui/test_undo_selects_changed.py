"""After an undo (or redo) the browser selects the images shown that it changed (a label
key's: all of them, as they were when it was pressed; the first current), looked up for
all of them at once: one lookup per image took 10 s of the GUI thread after
the undo of a select-all label key at 200k images (benchmarks/bench_gui_stalls.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.gui.image_model import ImageRole


def test_undo_selects_the_first_changed_image_shown_with_one_lookup(
    qtbot, view, project, monkeypatch
):
    view.grid.setFocus()
    view.grid.selectAll()
    rows = [int(r) for r in view.grid.selected_rows()]
    second = project.classes()[1]
    labels = [view.model.index(r, 0).data(ImageRole.Label) for r in rows]
    relabeled = [r for r, label in zip(rows, labels, strict=True) if label != second]
    assert len(relabeled) > 1
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)
    view.grid.select_row(rows[-1])
    catalog = view.catalog
    lookups: list[int] = []
    real = catalog.positions_of

    def counted(ids):
        found = real(ids)
        lookups.append(len(found))
        return found

    monkeypatch.setattr(catalog, "positions_of", counted)
    changed = view.model.rows_to_ids(rows[2:][::-1]).tolist()  # the newest id first
    view._show_undone(changed)
    assert list(view.grid.selected_rows()) == [rows[2]]  # the first shown, not the first id
    assert lookups == [len(changed)]  # every id in one call, not one call per id

    monkeypatch.setattr(catalog, "positions_of", real)
    view.grid.select_row(rows[-1])
    view.labeling.undo()
    qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)
    # all it changed back (those already labeled so were not changed), not the first
    assert list(view.grid.selected_rows()) == relabeled
    assert view.grid.currentIndex().row() == relabeled[0]
