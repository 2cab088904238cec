"""The detail panel keeps still under the Model line from one image to the next: a
verdict that wrapped ("almost surely bee (99%) — label ant looks wrong") took a second
line that a short one ("almost surely ant (97%)") did not, and the Label fit line, the
neighbours and the label history moved by ~4 px as the selection went from one to the
other (at a 1280 × 720 laptop's height)."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_what_is_under_the_model_line_stays_put(qtbot, scored_view):
    view = scored_view
    view.resize(1280, 690)
    qtbot.wait(50)
    detail = view.detail
    model = detail.fields["Model"]
    places = {}
    for row in range(view.model.rowCount()):
        view.grid.select_row(row)
        qtbot.wait(10)
        wraps = "—" in model.text()
        if wraps in places:
            continue
        places[wraps] = (
            detail.fields["Label fit"].geometry(),
            detail.preview.geometry(),
            detail.neighbours.geometry(),
            detail.history.geometry(),
        )
        if len(places) == 2:
            break
    assert set(places) == {True, False}  # both kinds of verdict were seen
    assert places[True] == places[False]
    # the short verdict sits at the top of its room, level with "Model:"
    assert model.alignment() & Qt.AlignmentFlag.AlignTop
    from PySide6.QtWidgets import QFormLayout

    form = next(f for f in detail.findChildren(QFormLayout) if f.indexOf(model) >= 0)
    caption = form.labelForField(model)
    assert caption.geometry().top() == model.geometry().top()
    assert caption.alignment() & Qt.AlignmentFlag.AlignTop  # (it was centred, lower)
