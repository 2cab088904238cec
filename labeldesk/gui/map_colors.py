"""How the embedding map colours its points: each point's index into a palette of one
shared QBrush per colour (a class, or a binned label fit score), the legend under the
map, and a colouring's values carried over to a map read again. Split from
:mod:`labeldesk.gui.map_view`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush

from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.map_raster import DrawOrder
from labeldesk.gui.tile_delegate import CLASS_COLORS, class_color
from labeldesk.ml.map_data import MapPoints

SCORE_LEVELS = 32  # issue scores are binned so the scatter's symbol cache stays small
SCORE_MAP = pg.ColorMap([0.0, 0.5, 1.0], [(214, 39, 40), (240, 200, 40), (44, 160, 44)])
ISSUE_LEGEND = (
    "Label fit: <span style='color:#d62728'>■</span> 0% (likely wrong) … "
    "<span style='color:#f0c828'>■</span> 50% … "
    "<span style='color:#2ca02c'>■</span> 100% (fits), grey: not scored"
)


def point_codes(
    key: str, values: np.ndarray, classes: list[str], slots: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each point's index into a palette of one shared QBrush per colour (class, or
    binned score; the last: grey), and the palette. ``slots``: each class's colour
    (:func:`class_slots`); None: by its place in ``classes``."""
    if key == "issue":
        colors = list(SCORE_MAP.map((np.arange(SCORE_LEVELS) + 0.5) / SCORE_LEVELS, "qcolor"))
        codes = score_bins(values)
    else:
        colors = [class_color(s) for s in (slots or range(len(classes)))]
        codes = np.asarray(values, dtype=np.int64)
    palette = np.array([QBrush(c) for c in [*colors, class_color(-1)]], dtype=object)
    return np.where(codes < 0, len(colors), codes), palette


def score_bins(scores: np.ndarray) -> np.ndarray:
    """Each label fit score's bin, 0 (worst) to ``SCORE_LEVELS - 1``; -1: not scored."""
    scaled = np.nan_to_num(np.asarray(scores, dtype=float) * SCORE_LEVELS, nan=-1)
    return np.clip(scaled, -1, SCORE_LEVELS - 1).astype(np.int64)


def fit_order(order: DrawOrder, scores: np.ndarray) -> DrawOrder:
    """``order`` with the worst label fits drawn on top (:meth:`DrawOrder.worst_on_top`,
    by the colour bins): 0.05-0.1 s at 1M points, made by the colouring's job, off the
    GUI thread."""
    bins = score_bins(scores)
    return order.worst_on_top(np.where(bins < 0, SCORE_LEVELS, bins), SCORE_LEVELS)


def class_slots(classes: Sequence[str], colours: Mapping[str, int]) -> list[int]:
    """The palette slot of each of ``classes`` (a class the project no longer has: the
    first slot none of them holds, else its place)."""
    known = [colours.get(c) for c in classes]
    free = iter(sorted(set(range(len(CLASS_COLORS))) - {s for s in known if s is not None}))
    return [s if s is not None else next(free, i) for i, s in enumerate(known)]


def below_half(scores: np.ndarray) -> int:
    """How many label fit ``scores`` are below 50 % (likely wrong; NaN: not scored)."""
    return int(np.count_nonzero(np.asarray(scores, dtype=float) < 0.5))  # (NaN: False)


def legend(
    key: str,
    classes: list[str],
    slots: Sequence[int] | None = None,
    values: np.ndarray | None = None,
) -> str:
    """The line under the map that says what its colours mean; with the colouring's
    ``values``: by label fit how many are below 50 %, and grey (no label, no prediction)
    only where a point has it."""
    if key == "issue":
        if values is None:
            return ISSUE_LEGEND
        return ISSUE_LEGEND + f" — <b>{below_half(values):,} below 50%</b>"
    shown = slots or range(len(classes))
    items = [(class_color(s).name(), c) for s, c in zip(shown, classes, strict=True)]
    if values is None or bool((np.asarray(values) < 0).any()):
        items.append((class_color(-1).name(), NO_LABEL if key == "label" else "no prediction"))
    return "  ".join(f"<span style='color:{col}'>■</span> {name}" for col, name in items)


def carried(
    extra: dict[str, np.ndarray], before: MapPoints | None, after: MapPoints
) -> dict[str, np.ndarray]:
    """The colourings' values of ``before`` for the images also on ``after``, in its
    order; the others -1 (no prediction) or NaN (not scored)."""
    if before is None or not extra:
        return {}
    if np.array_equal(before.ids, after.ids):  # the same images (labels changed): 2 ms at 1M
        return dict(extra)
    _, a, b = np.intersect1d(before.ids, after.ids, assume_unique=True, return_indices=True)
    out = {}
    for key, values in extra.items():
        fill = -1 if key == "prediction" else np.nan
        kept = np.full(len(after.ids), fill, dtype=np.int64 if key == "prediction" else float)
        kept[b] = values[a]
        out[key] = kept
    return out


DESCRIBED_CLASSES = 20  # classes named in the map's description; the rest counted


def described(
    key: str, values: np.ndarray, classes: list[str], selected: int = 0, pending: bool = False
) -> str:
    """The map in words, for a screen reader (its name says it is the embedding map):
    how many points, what they are, what the colours count. ``pending``: the colouring's
    values are still being computed (the points are grey meanwhile)."""
    total = len(values)
    text = f"{total:,} images, each a point; points near each other look alike to the model"
    if key == "issue":
        scores = np.asarray(values, dtype=float)
        scored = ~np.isnan(scores)
        low = below_half(scores)
        parts = [
            f"{low:,} below 50% (likely wrong)",
            f"{int(np.count_nonzero(scored)) - low:,} at 50% or more",
            f"{total - int(np.count_nonzero(scored)):,} not scored",
        ]
    else:
        codes = np.asarray(values, dtype=np.int64)
        counts = np.bincount(codes[codes >= 0], minlength=len(classes))
        order = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i]]
        parts = [f"{classes[i]} {int(counts[i]):,}" for i in order[:DESCRIBED_CLASSES]]
        if len(order) > DESCRIBED_CLASSES:
            rest = int(counts[order[DESCRIBED_CLASSES:]].sum())
            parts.append(f"{len(order) - DESCRIBED_CLASSES:,} more classes {rest:,}")
        none = int(np.count_nonzero(codes < 0))
        if none:
            parts.append(f"{NO_LABEL if key == 'label' else 'no prediction'} {none:,}")
    colouring = {"label": "label", "prediction": "what the model thinks", "issue": "label fit"}
    if pending:
        text += f"; coloured by {colouring.get(key, key)} once it is computed"
    else:
        text += f"; coloured by {colouring.get(key, key)}: " + ", ".join(parts)
    return text + (f"; {selected:,} selected" if selected else "")
