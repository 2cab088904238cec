"""The duplicates window's actions reach the pictures it shows: after a scan in another
process followed two swapped files, "Keep this one" excluded whichever image now had the
copy's path (an unrelated picture), and the copy stayed in use, still leaking."""

from __future__ import annotations

import os
import re

from PySide6.QtCore import Qt

from gui.leaking_copy import LEAK, open_leaking_group
from labeldesk.core.project import open_project

OTHER = "test/dog/dog0.jpg"


def test_keep_one_after_a_swap_excludes_no_other_picture(qtbot, window, project):
    root = project.root
    _, dialog = open_leaking_group(qtbot, window, project)
    kept = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[0])
    errors: list[str] = []
    window.view.error.connect(errors.append)
    project = window.project
    ids = project.ids_for([LEAK[1], OTHER])
    os.rename(root / LEAK[1], root / "swap.tmp")  # another process swaps and scans
    os.rename(root / OTHER, root / LEAK[1])
    os.rename(root / "swap.tmp", root / OTHER)
    other = open_project(project.path)
    try:
        other.scan(workers=1)
    finally:
        other.close()
    qtbot.mouseClick(kept.keep_button, Qt.MouseButton.LeftButton)
    states = {s.image_id: s.status for s in project.image_states(ids.values())}
    assert states == {ids[LEAK[1]]: None, ids[OTHER]: None}  # nothing excluded wrongly
    assert len(errors) == 1
    assert re.search(r"another picture than the one shown .*nothing written", errors[0])
