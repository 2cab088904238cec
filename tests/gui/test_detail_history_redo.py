"""The detail panel's label history names a redo as a redo, as `labeldesk history` does."""

from __future__ import annotations


def test_a_redo_is_shown_as_redo_in_the_detail_panel_history(qtbot, view, project):
    """The panel showed a redo's stored source ("human", that of the batch it made
    again), while the CLI's `history` says "redo"."""
    path = view.catalog.info(view.model.position(0)).path
    old = view.catalog.info(view.model.position(0)).label
    other = next(c for c in project.classes() if c != old)
    project.set_label(path, other)
    project.undo()
    project.redo()
    view.grid.select_row(view.model.row_of_id(project.ids_for([path])[path]))
    items = view.detail.history
    qtbot.waitUntil(lambda: items.count() >= 3, timeout=10_000)
    lines = [items.item(i).text() for i in range(items.count())]
    sources = [line.rsplit(" ", 1)[-1] for line in lines[:3]]  # "(root, redo)": "redo)"
    assert sources == ["redo)", "undo)", "human)"], lines
