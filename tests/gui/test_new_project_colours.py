"""A project made with the app's New project (made empty, indexed in the background)
shows its classes in the palette's colours in list order once indexed, as one made with
``labeldesk new`` does: the tiles, the sidebar and the project agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLE = Path(__file__).parents[2] / "sample_data" / "fashion"


def test_the_apps_new_project_colours_its_classes_in_list_order(qtbot, window, tmp_path):
    job = window.create_project(SAMPLE, tmp_path / "made-in-the-app")
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=60000)
    view, project = window.view, window.project
    classes = project.classes()
    assert classes[0] == "ankle_boot"  # the scan finds shirt and sneaker first
    assert [project.class_colours()[c] for c in classes] == list(range(len(classes)))
    # what the window draws: each class's tiles in its place's colour
    qtbot.waitUntil(lambda: view.catalog.colours == project.class_colours(), timeout=20000)
    catalog, model = view.catalog, view.model
    positions = model.positions(np.arange(model.rowCount()))
    labeled = [int(p) for p in positions if catalog.labels[p] is not None]
    assert len(labeled) == 400
    assert [catalog.colour_slot(p) for p in labeled] == [
        classes.index(catalog.labels[p]) for p in labeled
    ]
    first = next(r for r, p in enumerate(positions) if catalog.labels[p] == "ankle_boot")
    assert model.tile(first).colour_slot == 0  # the tile's bar: the palette's first
