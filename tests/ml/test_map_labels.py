"""The map's labels come from the label column alone, by id (the whole per-image frame,
read for them, held Python's lock for about a second at a million images while the
window waited): each point's class is the one the frame's labels give it."""

from __future__ import annotations

import numpy as np

from labeldesk.core import image_rows
from labeldesk.core.image_frame import image_frame
from labeldesk.core.image_rows import LiveLabels, live_labels
from labeldesk.core.vocab import class_codes
from labeldesk.ml.map_data import labels_of, map_points
from labeldesk.ml.store import embedded_images


def labels_from_the_frame(project, ids: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """What the map read before: the whole frame, its labels looked up by id."""
    frame = image_frame(project)
    classes = frame.attrs["classes"]
    return class_codes(frame["label"].reindex(ids), classes), classes


def test_each_point_has_the_class_the_frame_gives_it(clustered_clean):
    unlabeled = (map_points(clustered_clean, "pca").labels == -1).sum()
    images = clustered_clean.images()
    labeled = images["path"][images["label"].notna()].tolist()
    clustered_clean.set_labels({labeled[0]: None, labeled[-1]: None})  # two more unlabeled
    points = map_points(clustered_clean, "pca")
    expected, classes = labels_from_the_frame(clustered_clean, points.ids)
    assert points.classes == classes
    assert np.array_equal(points.labels, expected)
    assert (points.labels == -1).sum() == unlabeled + 2
    assert set(points.labels.tolist()) == {-1, *range(len(classes))}


def test_read_a_piece_at_a_time_as_at_once(clustered_clean, monkeypatch):
    whole = live_labels(clustered_clean.db)
    monkeypatch.setattr(image_rows, "LABELS_PIECE", 3)
    pieces = live_labels(clustered_clean.db)
    assert pieces == whole
    assert pieces.ids == sorted(pieces.ids)
    assert len(pieces.ids) == len(embedded_images(clustered_clean).ids)


def test_ids_in_any_order_unknown_ones_and_labels_outside_the_classes():
    now = LiveLabels(["ant", "bee"], [2, 5, 7, 9], ["bee", None, "ant", "wasp"])
    ids = np.array([9, 7, 1, 5, 2, 12], dtype=np.int64)
    # wasp: not a class; 1 and 12: not in the project now (removed since the map's read)
    assert labels_of(now, ids).tolist() == [-1, 0, -1, -1, 1, -1]
    assert labels_of(LiveLabels(["ant"], [], []), ids).tolist() == [-1] * 6
