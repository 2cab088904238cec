"""Shared set-ups for the tests that hold the scores' join, or the making of their orders,
in a job (as at a million images) and relabel a flagged image with a key meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.gui import sort_ahead
from labeldesk.gui.project_view import ProjectView


def hold_joins(monkeypatch) -> threading.Event:
    """New scores are joined in a job (a million images, as it were), whose work waits
    until the returned event is set."""
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
    return release


def hold_orders(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """(begun, gate): the job making the orders has begun; it ends once gate is set."""
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    begun, gate, sorting = threading.Event(), threading.Event(), sort_ahead.sort_orders

    def held_sort(keys):
        begun.set()
        assert gate.wait(30)
        return sorting(keys)

    monkeypatch.setattr(sort_ahead, "sort_orders", held_sort)
    return begun, gate


def flagged_image(view, project, path) -> tuple[int, int]:
    """The id and catalog position of the image at ``path``, flagged and not a bee."""
    catalog = view.catalog
    image_id = project.ids_for([path])[path]
    position = int(catalog.positions_of([image_id])[0])
    assert catalog.flagged[position] and catalog.labels[position] != "bee"
    return image_id, position


def press_bee(qtbot, view, image_id: int, position: int, timeout: int = 5000) -> None:
    """Press the key of bee (the true class) on the image, which loses its flag."""
    catalog = view.catalog
    view.grid.select_row(view.model.row_of_id(image_id))
    view.activateWindow()
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    qtbot.waitUntil(
        lambda: catalog.labels[position] == "bee" and not view.rows.busy, timeout=timeout
    )
    assert not catalog.flagged[position]


def relabel_flagged(qtbot, view, project, path, timeout: int = 5000) -> tuple[int, int]:
    """Press the key of bee (the true class) on the flagged image at ``path``: its id and
    its position in the catalog."""
    image_id, position = flagged_image(view, project, path)
    press_bee(qtbot, view, image_id, position, timeout)
    return image_id, position


@contextmanager
def shown_view(qtbot, project, release: threading.Event) -> Iterator[ProjectView]:
    """A project view opened and shown; ``release`` is set, then the view shut down, as
    the test ends (passing or not)."""
    view = ProjectView(project)
    qtbot.addWidget(view)
    try:
        view.resize(1200, 800)
        view.show()
        qtbot.waitExposed(view)
        yield view
    finally:
        release.set()
        view.shutdown()
