"""What the embedding map's scatter holds, and restyling some of its points in place
(a label changed: only the points whose colour changed are drawn again; all of them took
5 s of the GUI thread at 1M points). Split from :mod:`labeldesk.gui.map_view`."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from labeldesk.ml.map_data import MapPoints


class DrawnPoints:
    """What the scatter holds: the points it was filled from, in which colouring (key
    and classes), each point's palette index, and the palette's brushes."""

    def __init__(
        self,
        points: MapPoints | None = None,
        style: tuple[str, tuple[str, ...], tuple[int, ...]] | None = None,
        codes: np.ndarray | None = None,
        palette: np.ndarray | None = None,
    ):
        self.points, self.style, self.codes, self.palette = points, style, codes, palette

    def holds(self, points: MapPoints, style: tuple[str, tuple[str, ...], tuple[int, ...]]) -> bool:
        """Whether the scatter holds ``points`` (these images where they are) coloured
        by ``style``."""
        held = self.points
        return (
            held is not None
            and self.style == style
            and (
                held is points
                or (np.array_equal(held.ids, points.ids) and np.array_equal(held.xy, points.xy))
            )
        )


def restyle(
    scatter: pg.ScatterPlotItem, codes: np.ndarray, drawn: DrawnPoints, rank: np.ndarray
) -> bool:
    """Give the points whose palette index changed their new brush, in place: their
    cached symbols are looked up again, nothing else is touched. ``codes`` by row of the
    map, ``rank``: each row's spot in the scatter (its drawing order). False (nothing
    done) where the scatter's arrays are not what this version of pyqtgraph keeps."""
    data = getattr(scatter, "data", None)
    assert drawn.codes is not None and drawn.palette is not None
    if data is None or len(data) != len(codes) or {"brush", "sourceRect"} - set(data.dtype.names):
        return False
    changed = np.flatnonzero(codes != drawn.codes)
    if len(changed):
        spots = rank[changed]
        data["brush"][spots] = drawn.palette[codes[changed]]
        data["sourceRect"][spots] = 0  # (w == 0: looked up again)
        scatter.updateSpots(data)
        drawn.codes = codes
    return True
