"""The detail panel's preview is the picture of the image a key labels: after a scan (by
another process, or the app's own, still running) followed moved or swapped files, the
grid holds the old paths until it reads the scan, and a key labels the image it showed
(by id) wherever it is now; the preview must show that image, not the picture that took
its old path."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from gui.test_keys_follow_moves import U0, U1, labels, swap_and_scan


def pixels(image) -> np.ndarray:
    image = image.convertToFormat(image.Format.Format_RGB888)
    rows = [bytes(image.constScanLine(y))[: 3 * image.width()] for y in range(image.height())]
    return np.frombuffer(b"".join(rows), np.uint8).reshape(image.height(), image.width(), 3)


def test_the_preview_before_the_app_read_a_scan_shows_the_image_a_key_labels(qtbot, view, project):
    ids = project.ids_for([U0, U1])
    project.set_label(U1, "cat")  # a history of its own
    view.apply_changes(project.set_label(U0, "dog"))
    project.set_label(U0, None)
    u1_picture = np.asarray(Image.open(project.root / U1).convert("RGB"))
    swap_and_scan(project)  # u1's picture is at U0 now; the grid still says U1
    view.grid.select_row(view.model.row_of_id(ids[U1]))  # not shown before: not cached
    assert view.detail.fields["Path"].text() == U1
    history = [view.detail.history.item(i).text() for i in range(view.detail.history.count())]
    assert len(history) == 1 and "unlabeled → cat" in history[0]  # its own, not U0's
    qtbot.waitUntil(view.detail.preview.has_image)
    assert np.array_equal(pixels(view.detail.preview._pixmap.toImage()), u1_picture)
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    assert labels(project, ids[U0], ids[U1]) == [None, "dog"]  # the picture shown
