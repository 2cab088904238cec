"""How the embedding map draws its points: a pyqtgraph scatter up to
:data:`RASTER_MIN_POINTS`, one image above.

A pixel-mode ScatterPlotItem paints every point at every repaint: at a million points a
pan, a zoom step or a hover card's move cost 0.3–0.6 s of the GUI thread and a recolour
4–5 s. Above the threshold the points are rasterised with numpy into one image at the
view's own pixels instead (each a dot of the scatter's size in its colour, later points
of the drawing order over earlier ones, selected ones ringed in the highlight's colour)
and that image is what a repaint draws: a few milliseconds. The image is made again,
throttled, when the view moves or is resized (meanwhile the last one is drawn moved or
scaled with it), and recoloured from the pixels' owners alone when only colours or the
selection change. A new map's first picture is worked out by a job
(:func:`~.map_pixels.owners`; at a million points it held the window 0.05 s of CPU,
0.7 s on a busy machine) and drawn when it ends; the picture before stays meanwhile.

Both paths draw the points in the same fixed pseudo-random order (:class:`DrawOrder`, by
a hash of each image's id), not in row order: rows follow the folders, that is the
classes, so where classes overlap the last class covered the others (at 1M points one
colour filled the overview). Coloured by label fit, the worst fits are drawn last, over
the others (:meth:`DrawOrder.worst_on_top`). Hover, selection and restyling go by row, on
both paths; the map view finds points in its own tree and arrays, never in the image."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from labeldesk.gui.map_pixels import Geometry, Owners, grow, owners
from labeldesk.gui.workers import Job, JobRunner

# at 100k points the scatter's pan costs ~50 ms of the GUI thread and a recolour ~0.35 s
# (50k: 29 ms, 0.21 s; benchmarks/bench_map_draw.py on 2 cores): from there, an image
RASTER_MIN_POINTS = 100_000
REDRAW_MS = 30  # the view moved: made again at most this often (or twice its own time)
EMPTY = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class DrawOrder:
    """The order a map's points are drawn in, later over earlier: by a hash of each
    image's id (splitmix64), so an image keeps its depth whatever else is on the map
    and however often it is drawn, and the classes (folders, which row order follows)
    are interleaved. ~0.1 s at 1M points: made with the map, off the GUI thread."""

    ids: np.ndarray  # the map's image ids, whose order this is
    rows: np.ndarray  # the rows in drawing order
    rank: np.ndarray  # each row's place in it (int32; the inverse of rows)
    row_of_rank: np.ndarray  # a 0 (no point), then rows + 1 (int32): rank + 1 -> row + 1

    @classmethod
    def of(cls, ids: np.ndarray) -> DrawOrder:
        h = np.asarray(ids).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
        return cls.of_rows(ids, np.argsort(h, kind="stable"))

    @classmethod
    def of_rows(cls, ids: np.ndarray, rows: np.ndarray) -> DrawOrder:
        """The order that draws the rows ``rows`` first to last."""
        rank = np.empty(len(rows), dtype=np.int32)
        rank[rows] = np.arange(len(rows), dtype=np.int32)
        row_of_rank = np.zeros(len(rows) + 1, dtype=np.int32)
        row_of_rank[1:] = rows + 1
        return cls(ids, rows, rank, row_of_rank)

    def holds(self, ids: np.ndarray) -> bool:
        """Whether this is the order of these ids (the same array, or equal ones)."""
        return self.ids is ids or np.array_equal(self.ids, ids)

    def worst_on_top(self, codes: np.ndarray, none: int) -> DrawOrder:
        """This order with the points of lower ``codes`` (label fit bins, 0 the worst)
        drawn later, over the others, and the ``none`` code (not scored) first; in this
        order within a code. Coloured by label fit, the likely wrong labels were drawn
        in the shuffled order: as often under the points that fit as over them."""
        top = np.int16(none)
        depth = np.where(codes[self.rows] == none, -1, top - codes[self.rows]).astype(np.int16)
        return DrawOrder.of_rows(self.ids, self.rows[np.argsort(depth, kind="stable")])


class Pending(NamedTuple):
    """A new map's picture being worked out by a job (:func:`~.map_pixels.owners`): its
    points, their colours and order, the view it is made for, and which job it is."""

    xy: np.ndarray
    colors: np.ndarray
    order: DrawOrder
    geometry: Geometry
    job: Job


def rasterized(points: int) -> bool:
    """Whether a map of this many points is drawn as an image."""
    return points >= RASTER_MIN_POINTS


class MapRaster(QGraphicsObject):
    """The map's points in its view box: :meth:`draw` fills the scatter (few points) or
    the image (many), :meth:`highlight` rings the selected ones on either."""

    def __init__(
        self,
        viewbox: pg.ViewBox,
        scatter: pg.ScatterPlotItem,
        highlight: pg.ScatterPlotItem,
        runner: JobRunner | None = None,
    ):
        super().__init__()
        self._viewbox, self._scatter, self._highlight = viewbox, scatter, highlight
        # works out a new map's first picture (None: here, on the GUI thread)
        self._runner = runner
        self.pending: Pending | None = None  # that picture, until it is drawn
        self._xy: np.ndarray | None = None  # the points drawn as the image (None: none)
        self.order: DrawOrder | None = None  # the drawing order of the points drawn
        self._colors = np.zeros(1, dtype=np.uint32)  # ARGB of each point, after a 0 (none)
        self._selected = EMPTY
        self._geometry: Geometry | None = None
        self._owner: np.ndarray | None = None  # (H, W): the row + 1 drawn at each pixel
        self._ring: np.ndarray | None = None  # (H, W) bool: the selection's rings
        # the rows near the view (None: all) and each one's pixel in the grid with margins
        self._where: tuple[np.ndarray | None, np.ndarray] = (None, EMPTY)
        self._ring_rgba = 0
        self.image = np.zeros((0, 0), dtype=np.uint32)  # ARGB, row 0 at the top
        self.rect = QRectF()  # what the image covers, in data coordinates
        self._qimage: QImage | None = None
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self._view_moved)
        self.images_made = 0  # (for tests: a restyle makes none, a zoom one)
        self._stopped = False
        viewbox.addItem(self, ignoreBounds=True)
        viewbox.sigRangeChanged.connect(self.schedule)
        viewbox.sigResized.connect(self.schedule)

    # -- what map_view calls -----------------------------------------------------------
    def draw(
        self, xy: np.ndarray, codes: np.ndarray, palette: np.ndarray, order: DrawOrder
    ) -> None:
        """Draw ``xy`` (N, 2) with each point's ``codes`` index into ``palette`` (QBrushes),
        in ``order``: as the scatter (its spots in that order), or above the threshold as
        the image (the scatter emptied). The same points again (a restyle) only recolour
        the image. New points' picture is worked out by a job (with a runner): the
        picture drawn before (or none) stays until it ends."""
        if not rasterized(len(xy)):
            rows = order.rows
            self._scatter.setData(
                x=xy[rows, 0], y=xy[rows, 1], brush=palette[codes[rows]], pen=None
            )
            self.clear()
            self.order = order
            return
        if len(self._scatter.data):
            self._scatter.clear()
        rgba = np.array([0, *(b.color().rgba() for b in palette)], dtype=np.uint32)
        colors = rgba[np.concatenate([[-1], codes]) + 1]  # (a 0 first: no point)
        pending = self.pending
        if pending is not None and pending.xy is xy and pending.order is order:
            self.pending = pending._replace(colors=colors)  # (coloured when it is made)
            return
        if self._runner is not None and self._xy is not xy and not self._stopped:
            self._work_out(xy, colors, order)
            return
        self._drop_pending()
        same = self._xy is xy and self.order is order and self._owner is not None
        self._xy, self._colors, self.order = xy, colors, order
        if same and self._geometry == self._view_geometry():
            self._compose()
        else:
            self._rasterize()

    def highlight(self, xy: np.ndarray, rows: np.ndarray) -> None:
        """Ring the points ``rows`` of ``xy``: in the highlight scatter, or in the image."""
        rows = np.asarray(rows, dtype=np.int64)
        if not rasterized(len(xy)):
            self._highlight.setData(x=xy[rows, 0], y=xy[rows, 1])
            self._selected = EMPTY
            return
        if len(self._highlight.data):
            self._highlight.setData(x=[], y=[])
        self._selected = rows
        if self._xy is xy and self._owner is not None:  # (else: drawn with these points)
            self._ring = self._rings()
            self._compose()

    def schedule(self) -> None:
        """The view moved, was resized or is on a screen of another pixel ratio: the
        image is made again for it (throttled), where it differs."""
        if self._xy is not None and not self._stopped and not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        """The page is closed: no image is made again (a view change meanwhile made one
        after the close)."""
        self._stopped = True
        self._timer.stop()
        self._drop_pending()

    def in_row_order(self, spots: np.ndarray) -> np.ndarray:
        """Values of the scatter's spots (drawn in :attr:`order`) by row of the map."""
        return spots if self.order is None else spots[self.order.rank]

    def clear(self) -> None:
        """Draw no image (the scatter draws the points)."""
        self._drop_pending()
        self.order = None
        if self._xy is not None or self._qimage is not None:
            self.prepareGeometryChange()
            self._xy, self._owner, self._ring, self._qimage = None, None, None, None
            self._where, self._selected, self._geometry = (None, EMPTY), EMPTY, None
            self.image = np.zeros((0, 0), dtype=np.uint32)
            self.rect = QRectF()
            self.update()

    def pixel(self, x: float, y: float) -> tuple[int, int]:
        """(row, column) of the image's pixel at data coordinates (x, y)."""
        assert self._geometry is not None
        x0, _, y1, _, width, height, _ = self._geometry
        sx, sy = self.rect.width() / width, self.rect.height() / height
        return int((y1 - y) / sy), int((x - x0) / sx)

    # -- a new map's picture, worked out by a job --------------------------------------
    def _work_out(self, xy: np.ndarray, colors: np.ndarray, order: DrawOrder) -> None:
        """Start the job that works out ``xy``'s picture for the view as it is now."""
        self._drop_pending()
        geometry = self._view_geometry()
        dot, _, _, margin = self._sizes(geometry[-1])

        def work(*, progress: object, cancel: object) -> Owners | None:
            return owners(xy, order.rank, order.row_of_rank, geometry, dot, margin)

        job = Job(work, "Drawing the map")
        self.pending = Pending(xy, colors, order, geometry, job)
        # (tied to this item: a job ending after the page was deleted calls nothing)
        job.connect_while(self, job.finished, lambda made: self._worked_out(job, made))
        job.connect_while(self, job.failed, lambda _: self._worked_out(job, None))
        assert self._runner is not None
        self._runner.start(job)

    def _drop_pending(self) -> None:
        if self.pending is not None:
            self.pending.job.cancel()
            self.pending = None

    def _worked_out(self, job: Job, made: Owners | None) -> None:
        """The job's picture: drawn, with the colours and selection of now (made here
        where the job failed or the view had no size); made again for the view where
        it moved meanwhile."""
        pending = self.pending
        if pending is None or pending.job is not job or self._stopped:
            return
        self.pending = None
        self._xy, self._colors, self.order = pending.xy, pending.colors, pending.order
        if made is None:
            self._rasterize()
            return
        self._take(made, pending.geometry)
        if self._geometry != self._view_geometry():
            self.schedule()

    # -- making the image --------------------------------------------------------------
    def _view_geometry(self) -> Geometry:
        """The view's range, its size in device pixels and their ratio to Qt's."""
        (x0, x1), (y0, y1) = self._viewbox.viewRange()
        views = self.scene().views() if self.scene() is not None else []
        ratio = views[0].devicePixelRatioF() if views else 1.0
        size = self._viewbox.size()
        width = max(1, round(size.width() * ratio))
        height = max(1, round(size.height() * ratio))
        return float(x0), float(x1), float(y1), float(y0), width, height, ratio

    def _view_moved(self) -> None:
        if self.pending is not None:  # (a new map's picture: made for the view as it ends)
            return
        if self._xy is not None and self._geometry != self._view_geometry():
            self._rasterize()

    def _sizes(self, ratio: float) -> tuple[float, float, float, int]:
        """The dot's radius, the ring's inner and outer radii, and the margin, in device
        pixels, from the scatter's and the highlight's own sizes and pen."""
        dot = float(self._scatter.opts["size"]) * ratio / 2
        ring = float(self._highlight.opts["size"]) * ratio / 2
        pen = self._highlight.opts["pen"]
        half = (pen.widthF() if pen is not None else 1.0) * ratio / 2
        return dot, ring - half, ring + half, math.ceil(max(dot, ring + half))

    def _rasterize(self) -> None:
        """Make the image for the view as it is now: which point each pixel shows."""
        assert self._xy is not None and self.order is not None
        start = time.perf_counter()
        geometry = self._view_geometry()
        dot, _, _, margin = self._sizes(geometry[-1])
        made = owners(self._xy, self.order.rank, self.order.row_of_rank, geometry, dot, margin)
        if made is None:
            return
        self._take(made, geometry)
        busy_ms = 2000 * (time.perf_counter() - start)  # at most half the time when moving
        self._timer.setInterval(max(REDRAW_MS, round(busy_ms)))

    def _take(self, made: Owners, geometry: Geometry) -> None:
        """Show the picture ``made`` for ``geometry``, coloured, the selection ringed."""
        self._owner = made.owner
        self._where = (made.rows, made.pixel)
        x0, x1, y1, y0 = geometry[:4]
        self.prepareGeometryChange()
        self.rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        self._geometry = geometry
        self._ring = self._rings()
        self._compose()
        self.images_made += 1

    def _rings(self) -> np.ndarray | None:
        """The pixels of the rings around the selected points (None: nothing selected)."""
        if not len(self._selected) or self._xy is None or self._geometry is None:
            return None
        _, _, _, _, width, height, ratio = self._geometry
        _, inner, outer, margin = self._sizes(ratio)
        rows, pixel = self._where
        chosen = np.zeros(len(self._xy), dtype=bool)
        chosen[self._selected[self._selected < len(chosen)]] = True
        at = pixel[chosen] if rows is None else pixel[chosen[rows]]
        if not len(at):
            return None
        marks = np.zeros((height + 2 * margin, width + 2 * margin), dtype=np.uint8)
        marks.ravel()[at] = 1  # (a view: marks is contiguous)
        ring = grow(marks, outer) > grow(marks, inner)
        return np.ascontiguousarray(ring[margin : margin + height, margin : margin + width])

    def _compose(self) -> None:
        """Colour the image from its pixels' points (and rings), and draw it."""
        assert self._owner is not None and self._geometry is not None
        self._ring_rgba = self._ring_color()
        image = self._colors[self._owner]
        if self._ring is not None:
            image[self._ring] = self._ring_rgba
        height, width = image.shape
        self.image = image
        qimage = QImage(
            image.data, width, height, 4 * width, QImage.Format.Format_ARGB32_Premultiplied
        )
        qimage.setDevicePixelRatio(self._geometry[-1])
        self._qimage = qimage  # (over self.image's memory, kept with it)
        self.update()

    def _ring_color(self) -> int:
        pen = self._highlight.opts["pen"]
        return int(pen.color().rgba()) if pen is not None else 0xFF000000

    # -- QGraphicsItem -----------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(self.rect)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._qimage is None:
            return
        if self._ring is not None and self._ring_rgba != self._ring_color():
            self._compose()  # the theme changed the highlight's colour
        target = painter.transform().mapRect(self.rect)  # the view's pixels, y downwards
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._qimage)
        painter.restore()
