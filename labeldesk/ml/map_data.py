"""The map's points for the map view: each placed image's class (:class:`MapPoints`),
how a map read again differs from the one shown, a label written in the window shown
without reading the map again, and the values the points can be coloured by.

The positions come from :func:`~labeldesk.ml.projection.placed_images`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.image_rows import LiveLabels, live_labels
from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress
from labeldesk.core.vocab import class_codes

from .projection import placed_images

if TYPE_CHECKING:
    from labeldesk.core.project import Project


@dataclass
class MapPoints:
    paths: list[str]
    xy: np.ndarray  # float32 (N, 2)
    labels: np.ndarray  # class index per point, -1 unlabeled
    classes: list[str]
    ids: np.ndarray  # image id per point (a point stays its image's when the file moves)


def map_points(
    project: Project,
    method: str,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> MapPoints:
    """The 2-D map with each point's class index (-1: unlabeled), for the map view."""
    images, xy = placed_images(project, method, progress=progress, cancel=cancel)
    now = live_labels(project.db)  # (the classes read with the labels)
    return MapPoints(images.paths, xy, labels_of(now, images.ids), now.classes, images.ids)


def labels_of(now: LiveLabels, ids: np.ndarray) -> np.ndarray:
    """The class index of each of the images ``ids`` (-1: unlabeled, not a class, or
    not in the project now)."""
    codes = class_codes(now.labels, now.classes)
    known = np.fromiter(now.ids, dtype=np.int64, count=len(now.ids))  # ascending
    wanted = np.asarray(ids, dtype=np.int64)
    out = np.full(len(wanted), -1, dtype=np.int64)
    if not len(known):
        return out
    at = np.minimum(np.searchsorted(known, wanted), len(known) - 1)
    found = known[at] == wanted
    out[found] = codes[at[found]]
    return out


def map_change(before: MapPoints | None, after: MapPoints) -> str:
    """How the map ``after`` (read again) differs from ``before``: "same" (nothing to
    redraw), "kept" (the images on both are where they were: some added, removed, moved
    to another path or labeled otherwise), or "new" (fitted again, or a first map)."""
    if before is None:
        return "new"
    if (
        before.classes == after.classes
        and before.paths == after.paths
        and np.array_equal(before.ids, after.ids)
        and np.array_equal(before.labels, after.labels)
        and np.array_equal(before.xy, after.xy)
    ):
        return "same"
    _, a, b = np.intersect1d(before.ids, after.ids, assume_unique=True, return_indices=True)
    return "kept" if len(a) and np.array_equal(before.xy[a], after.xy[b]) else "new"


def relabeled(
    points: MapPoints, labels: Mapping[int, str | None], order: np.ndarray | None = None
) -> np.ndarray | None:
    """``points.labels`` with these images' labels (image id -> label, None: unlabeled;
    images not on the map left out): a label written in this window, shown without
    reading the map again. The same array when nothing changes; None when a label is not
    one of the map's classes (read the map again). ``order``: ``np.argsort(points.ids)``,
    where the caller keeps it (40 ms at 1M points)."""
    if not labels or not len(points.ids):
        return points.labels
    order = np.argsort(points.ids) if order is None else order
    wanted = np.fromiter(labels, dtype=np.int64, count=len(labels))
    rows = order[np.minimum(np.searchsorted(points.ids, wanted, sorter=order), len(order) - 1)]
    on_map = points.ids[rows] == wanted
    codes = class_codes(list(labels.values()), points.classes, unknown=-2)[on_map]
    if (codes == -2).any():
        return None
    rows = rows[on_map]
    if np.array_equal(points.labels[rows], codes):
        return points.labels
    out = points.labels.copy()
    out[rows] = codes
    return out


def point_values(
    project: Project, paths: list[str], key: str, cancel: CancelToken | None = None
) -> np.ndarray:
    """Predicted class index (-1: none) or issue score (NaN: none) per path. ``cancel``:
    as :func:`~labeldesk.ml.predictions.project_predictions`' (Cancelled once set; the
    predictions stop unless another job waits for them too)."""
    from .predictions import project_predictions

    preds = project_predictions(project, cancel=cancel)
    if key == "prediction":
        if not preds.meaningful:  # below two trainable classes the model says nothing
            return np.full(len(paths), -1, dtype=np.int64)
        by_path = dict(zip(preds.paths, preds.predicted.tolist(), strict=True))
        return np.array([by_path.get(p, -1) for p in paths], dtype=np.int64)
    from .issues import label_issues

    scores = {i.path: i.score for i in label_issues(project, include_all=True, preds=preds)}
    return np.array([scores.get(p, np.nan) for p in paths], dtype=np.float64)
