"""How the embedding map follows the project: :class:`FollowsProject`, the part of
:class:`~labeldesk.gui.map_view.MapView` that decides when the map is read again.

A map on screen follows the project (:meth:`FollowsProject.project_changed`: a scan,
labels, new embeddings): the points are read again in the background, where the cached
map places moved images where they were and drops removed ones; only images embedded
since make it fit again (see :mod:`labeldesk.ml.projection`). Such a read takes ~9 s of
CPU at 1M images, so reads are paced (:mod:`labeldesk.gui.read_pacer`: one at a time,
changes meanwhile read once after it, a pause after each), and labels written in this
window on a few images are restyled at once from their rows, with no read. A hidden map
(another page shown, or the window minimized) reads nothing. Shown again, it is read only
if something it shows may have changed meanwhile: a change it was told of, or embeddings
it was not told of (:func:`~labeldesk.ml.store.embeddings_signature`, looked at on each
show); labels written in this window meanwhile are restyled then, and a colouring from
the model (after training) computed again, with no read.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.changes import Changes
from labeldesk.ml.map_data import MapPoints, relabeled
from labeldesk.ml.store import embeddings_signature

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QWidget

    from labeldesk.core.project import Project
    from labeldesk.gui.read_pacer import ReadPacer
    from labeldesk.gui.workers import Job

OWN_LABELS_MAX = 5_000  # labels written here read back on the GUI thread (~50 ms); more: read
WAIT_SHOWN_S = 2.0  # a read waiting this long for its turn says so on the status line


class FollowsProject:
    """The map view's reads after changes (a mixin of :class:`~.map_view.MapView`, whose
    state it keeps: the pacer, images labeled here meanwhile, what the map was read from)."""

    if TYPE_CHECKING:  # what it uses of the view
        project: Project
        method: str
        data: MapPoints | None
        job: Job | None
        _job_key: str | None
        _closed: bool
        _pacer: ReadPacer
        _own: set[int]
        _unshown: set[int]
        _read_from: tuple[object, ...] | None
        _id_order: tuple[np.ndarray, np.ndarray] | None
        _extra: dict[str, np.ndarray]
        _carried: dict[str, np.ndarray]
        hovered: str | None
        color_by: QComboBox

        def isVisible(self) -> bool: ...
        def window(self) -> QWidget: ...
        def refresh(self) -> None: ...
        def recolor(self) -> None: ...
        def _start(self, key: str | None, following: bool = False) -> None: ...
        def _set_busy(
            self, busy: bool, message: str = "", again: bool = False, pca: bool = False
        ) -> None: ...
        def _show_count(self, text: str | None = None) -> None: ...

    def project_changed(self, changes: Changes | None = None) -> None:
        """The project changed (a scan, a label, new embeddings; ``changes``: what a write
        of this window changed). Labels written here on a few images, coloured by label:
        those points are restyled now. Else, on screen, the map is read again in the
        background, keeping the view where it is: once the job that runs has ended (a
        change meanwhile is read then) and the pause after the last read is over."""
        if self._closed or (changes is not None and self._relabel(changes)):
            return
        if self.data is None and self.job is None:  # no map (none yet, or no embeddings):
            return  # a change of labels makes none; new embeddings do (models_changed)
        self._pacer.want()
        self._follow_up()

    def compute_if_missing(self) -> None:
        """Compute the map if it has none and none is being computed: the page's first
        show, or one whose computation was cancelled or failed. (A map it has is read
        again when shown only if something it shows may have changed: showEvent.)"""
        if self.data is None and self.job is None:
            self.refresh()

    def models_changed(self) -> None:
        """A job of this window ended (a scan, embedding, training, an export) or another
        process embedded or trained. New embeddings: the map is read again (on screen
        now, hidden when shown). Else its points are as they were: only the colourings
        from the model (label fit, what the model thinks) are computed again, when shown
        (meanwhile drawn with the values they had)."""
        if self._closed:
            return
        if self._embeddings_changed():
            if self.data is None:  # none made yet (no embeddings before): make it
                if self._on_screen():  # (hidden: when shown)
                    self.compute_if_missing()
                return
            self.project_changed()
            return
        self._drop_values_job()
        self._carried, self._extra = {**self._carried, **self._extra}, {}
        if self._on_screen() and self.color_by.currentData() != "label":
            self.recolor()

    def _on_screen(self) -> bool:
        """Whether the map can be seen: the page shown, in a window not minimized."""
        return self.isVisible() and not self.window().isMinimized()

    def _source(self) -> tuple[object, ...] | None:
        """What a read of the map reads now, as far as a look costs a lookup and a stat:
        the method, the embeddings in use and how far they go (None: could not look)."""
        try:
            return (self.method, *embeddings_signature(self.project))
        except (OSError, sqlite3.Error):
            return None

    def _embeddings_changed(self) -> bool:
        """Whether the map's last read (one under way included) may predate the
        embeddings (or there was none that ended well)."""
        now = self._source()
        return now is None or now != self._read_from

    def _catch_up(self) -> None:
        """Shown (the page, or the window restored): labels written here meanwhile are
        restyled; the map is read again for changes it was told of meanwhile, or for
        embeddings it was not told of; a colouring dropped meanwhile is computed."""
        if self._closed or self.data is None or not self._on_screen():
            return
        if self._embeddings_changed():
            self._pacer.want()
        if self._unshown:
            ids, self._unshown = sorted(self._unshown), set()
            if not self._restyle(ids):
                self._pacer.want()
        key = self.color_by.currentData()
        if not self._pacer.wanted and key != "label" and key not in self._extra:
            self.recolor()  # (a read wanted first: it would stop that job)
        self._follow_up()

    def _follow_up(self) -> None:
        """Read the map again for the changes seen, when it is on screen (hidden: when
        shown), no job runs (when it ends) and the pacer allows (a timer then)."""
        pacer = self._pacer
        if self._closed or not pacer.wanted or not self._on_screen() or pacer.running:
            return
        wait = pacer.wait_s()
        if wait <= 0:
            self._start(None, following=True)
            return
        pacer.wait(wait)
        if wait >= WAIT_SHOWN_S and self.data is not None:
            self._show_count()

    def _relabel(self, changes: Changes) -> bool:
        """Labels written in this window on a few images: their points are restyled now
        (hidden: when shown), from their rows (one indexed query), with no read of the
        map. False where the map must be read: a scan, a class edit, many images, a
        label the map lacks, or a colouring the labels do not show."""
        ids = changes.image_ids
        if self.data is None or changes.all_images or changes.classes_changed:
            return False
        if not 0 < len(ids) <= OWN_LABELS_MAX or self.color_by.currentData() != "label":
            return False
        if self.job is not None and self._job_key is None:
            self._own.update(ids)  # the read under way may have read before
        if self._on_screen():
            return self._restyle(ids)
        self._unshown.update(ids)
        if len(self._unshown) <= OWN_LABELS_MAX:
            return True
        self._unshown.clear()  # too many to restyle: read when shown
        return False

    def _restyle(self, ids: Sequence[int]) -> bool:
        """Restyle these images' points with their labels now (False: a label is not one
        of the map's classes: read the map)."""
        data = self.data
        assert data is not None
        labels = self._labels_now(data, ids)
        if labels is None:
            return False
        if labels is not data.labels:
            self._drop_values_job()
            self.data = dataclasses.replace(data, labels=labels)
            self._carried, self._extra = {**self._carried, **self._extra}, {}  # as after a read
            self.hovered = None  # (the card names the new label at the next mouse move)
            self.recolor()
        if self.job is None:
            self._show_count()  # (a wait for a read said before is shorter by now)
        return True

    def _drop_values_job(self) -> None:
        """A colouring job under way (label fit, what the model thinks) computed from the
        labels before: stopped, its values never shown (chosen again, it starts anew)."""
        if self.job is not None and self._job_key is not None:
            self.job.cancel()
            self.job = None  # (its signals are an old job's now; its end still paces)
            self._set_busy(False)
            self._show_count()

    def _labels_now(self, data: MapPoints, image_ids: Sequence[int]) -> np.ndarray | None:
        """``data.labels`` with these images' labels read now (None: one the map lacks)."""
        if self._id_order is None or self._id_order[0] is not data.ids:
            self._id_order = (data.ids, np.argsort(data.ids))  # (kept: 40 ms at 1M)
        states = self.project.image_states(image_ids)
        return relabeled(data, {s.image_id: s.label for s in states}, self._id_order[1])
