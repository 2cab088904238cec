"""The map's bar and points as a job ends: :class:`ShowsReads`, the part of
:class:`~labeldesk.gui.map_view.MapView` that shows a read's points (kept where they were,
the selection kept), says a failure (with Start again, or a PCA map where UMAP failed),
and keeps the status line (how many images, selected; the wait before the next read).
The jobs, and the slots their signals reach, are the view's: a slot defined in a mixin
is called with no :meth:`~PySide6.QtCore.QObject.sender`, which
:meth:`~labeldesk.gui.map_view.MapView._current` needs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.display import capitalised
from labeldesk.gui.map_colors import carried
from labeldesk.gui.map_follow import WAIT_SHOWN_S
from labeldesk.gui.map_tree import PointFinder

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton

    from labeldesk.gui.map_keys import MapKeys
    from labeldesk.gui.map_note import EmptyMapNote
    from labeldesk.gui.map_raster import MapRaster
    from labeldesk.gui.map_selection import MapViewBox
    from labeldesk.gui.read_pacer import ReadPacer
    from labeldesk.ml.map_data import MapPoints


class ShowsReads:
    """The map view's bar and points after a job (a mixin of :class:`~.map_view.MapView`,
    whose state it sets: the points, the values per colouring, the selection, the bar)."""

    if TYPE_CHECKING:  # what it uses of the view
        data: MapPoints | None
        _job_key: str | None
        _pacer: ReadPacer
        _read_from: tuple[object, ...] | None
        _tree: PointFinder | None
        _extra: dict[str, np.ndarray]
        _carried: dict[str, np.ndarray]
        _pca_fallback: bool
        method: str
        selected_rows: np.ndarray
        selected: list[str]
        hovered: str | None
        hover_card: QLabel
        status: QLabel
        progress: QProgressBar
        cancel_button: QPushButton
        again_button: QPushButton
        pca_button: QPushButton
        empty_note: EmptyMapNote
        viewbox: MapViewBox
        raster: MapRaster
        keys: MapKeys
        error: SignalInstance

        def refresh(self) -> None: ...
        def recolor(self) -> None: ...
        def _fit_note(self) -> str: ...

    def _set_busy(
        self, busy: bool, message: str = "", again: bool = False, pca: bool = False
    ) -> None:
        """The bar while a job runs (``busy``) or not; ``again``: offer Start again;
        ``pca``: a PCA map instead."""
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.again_button.setVisible(again and not busy)
        self.pca_button.setVisible(pca and not busy)
        self.status.setText(message)

    def _pca_instead(self) -> None:
        """A PCA map instead of the UMAP one that failed (UMAP would not load, say: the
        page stayed blank, and Start again failed the same way)."""
        self.method, self._pca_fallback = "pca", True
        self.refresh()

    def _start_again(self) -> None:
        """Start again: the map, or the colouring, whose computation was cancelled or
        failed (a cancelled map stayed blank until the page was opened anew, and a
        colouring until another one was chosen and then it again)."""
        if self._job_key is None or self.data is None:
            self.refresh()
        else:
            self._extra.pop(self._job_key, None)  # (a failed one's grey values)
            self.recolor()

    def count_text(self) -> str:
        assert self.data is not None
        n = f"{len(self.data.paths):,}"
        text = f"{len(self.selected):,} of {n} images selected" if self.selected else f"{n} images"
        text += " (a PCA map: UMAP failed)" if self._pca_fallback else ""
        return text + self._fit_note()

    def _show_count(self, text: str | None = None) -> None:
        """The status line with no job: ``text`` (by default how many images, selected),
        and how long until a read waiting for its pause (:meth:`_follow_up`) where that
        is a while (said as the wait started, it went stale: a restyle, a selection)."""
        wait = self._pacer.wait_s() if self._pacer.waiting and self._pacer.wanted else 0
        note = f" (updating again in {math.ceil(wait)} s)" if wait >= WAIT_SHOWN_S else ""
        self.status.setText((self.count_text() if text is None else text) + note)

    def _set_points(self, points: MapPoints, keep_view: bool) -> None:
        """Show ``points``. ``keep_view``: the images on both maps are where they were
        (read again after a scan or a label): the zoom stays, and the selection keeps
        the images still on the map; else the view fits the new map."""
        before, self.data = self.data, points
        self.empty_note.set_empty(False)
        self._carried = carried(self._extra, before, points)
        self._extra = {}
        if before is None or self._tree is None or not np.array_equal(before.xy, points.xy):
            self._tree = PointFinder(points.xy) if len(points.paths) else None  # (a thread)
        self.hovered = None
        self.hover_card.hide()
        kept = np.empty(0, dtype=np.int64)
        if keep_view and before is not None and len(self.selected_rows):
            kept = np.flatnonzero(np.isin(points.ids, before.ids[self.selected_rows]))
        self.selected_rows = kept
        self.selected = [points.paths[i] for i in kept]
        self.raster.highlight(points.xy, kept)
        self.keys.points_changed()
        if not keep_view and len(points.paths):
            # from the points themselves: the scatter still holds the old map (or none)
            # until the recolouring that follows draws this one
            x, y = points.xy[:, 0], points.xy[:, 1]  # a column at a time: min(axis=0) of
            self.viewbox.setRange(  # a million rows took 0.05 s of CPU, 0.5 s when busy
                xRange=(float(x.min()), float(x.max())),
                yRange=(float(y.min()), float(y.max())),
                padding=0.03,
            )

    def _failed(self, message: str, again: bool = True) -> None:
        pca = again and self._job_key is None and self.method == "umap"
        self._set_busy(False, capitalised(message), again, pca)
        if self._job_key is None:
            self._read_from = None  # read again when shown
        if self._job_key is not None and self.data is not None:  # colour grey, say why
            fill = -1 if self._job_key == "prediction" else np.nan
            self._extra[self._job_key] = np.full(len(self.data.paths), fill)
            self.recolor()
        self.error.emit(message)
