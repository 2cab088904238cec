"""The export dialog's fields start at one left edge: Output folder and Format sat in a
form of their own, whose wider label ("Output folder") put their fields 20 px to the
right of every option under them (Files, Include, State, Images, Class map, Splits)."""

from __future__ import annotations

from PySide6.QtCore import QPoint


def test_every_field_starts_at_one_left_edge(qtbot, export_dialog):
    dialog = export_dialog
    extra = dialog.extra
    fields = {
        "Output folder": dialog.folder,
        "Format": dialog.format,
        "Files": extra.copy,
        "Include": extra.leave_out_flagged,
        "State": extra.version,
        "Images": extra.since,
        "Class map": extra.class_map,
        "Splits": extra.make_splits,
    }
    lefts = {name: w.mapTo(dialog, QPoint(0, 0)).x() for name, w in fields.items()}
    assert len(set(lefts.values())) == 1, lefts


def test_tab_still_goes_from_the_folder_down_the_form(qtbot, export_dialog):
    """The two rows moved into the options' form: Tab still reaches them first, then
    Files, and Export last (not Export between Format and Files)."""
    dialog = export_dialog
    chain, widget = [], dialog.folder
    for _ in range(8):
        chain.append(widget)
        widget = widget.nextInFocusChain()
    order = [dialog.folder, dialog.format, dialog.extra.copy, dialog.export_button]
    positions = [chain.index(w) if w in chain else 99 for w in order]
    assert positions[:3] == sorted(positions[:3]) and positions[3] == 99, positions
