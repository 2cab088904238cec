"""Re-reading the rows a write changed: at once for a few, in the background for many.

A label key on one image re-reads one row before the UI moves on. A select-all label key
or a class rename on 100k images changes 100k rows: reading their states back took ~1 s
of the GUI thread, so above :data:`BACKGROUND_ROWS` the read runs as a job and its
arrays are stored when it ends. Rows changed again while a read runs are read after it,
so an older read never overwrites a newer state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from labeldesk.browse.catalog import StateColumns
from labeldesk.core.project import Project
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.workers import Job

BACKGROUND_ROWS = 5_000  # ~50 ms to read on the GUI thread; more are read in a job


class RowRefresh(QObject):
    """Keeps the browser's catalog rows in step with the project after writes."""

    refreshed = Signal()  # changed rows are stored in the catalog (and repainted)
    failed = Signal(object)  # str, or a FailureText: with the disk it found full

    def __init__(
        self,
        project: Project,
        model: ImageListModel,
        start: Callable[[Job], Job],
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.project = project
        self.model = model
        self._start = start
        self.job: Job | None = None
        self._pending: set[int] = set()  # changed while a read ran: read them after it
        self._closed = False

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.running

    def refresh(self, image_ids: Sequence[int]) -> None:
        """Re-read these images' labels, splits and statuses (now, or soon for many)."""
        if self._closed or not len(image_ids):
            return
        if self.busy:
            self._pending.update(int(i) for i in image_ids)
            return
        if len(image_ids) <= BACKGROUND_ROWS:
            self._store(StateColumns.of(self.project.image_states(image_ids)))
            return
        project, ids = self.project, list(image_ids)
        catalog = self.model.catalog
        # coded in the job against today's classes (kept only if they still hold then):
        # a million labels looked up in _store held the GUI thread 0.9 s
        classes = None if catalog is None else list(catalog.classes)

        def read(*, progress: object, cancel: object) -> StateColumns:
            return StateColumns.of(project.image_states(ids), classes)

        job = Job(read, "Reading changed images")
        job.finished.connect(self._store)
        # (tied to this object: a read that fails after its view was deleted calls nothing)
        job.connect_while(self, job.failed, lambda exc: self.failed.emit(job.describe(exc)))
        job.ended.connect(self._read_pending)  # after finished: the older read is stored
        self.job = self._start(job)

    def _store(self, states: StateColumns) -> None:
        catalog = self.model.catalog
        if self._closed or catalog is None:
            return
        self.model.positions_changed(catalog.apply_columns(states))
        self.refreshed.emit()

    def _read_pending(self) -> None:
        ids, self._pending = sorted(self._pending), set()
        self.refresh(ids)

    def close(self) -> None:
        """Store nothing more (the view is going); a read under way is cancelled."""
        self._closed = True
        if self.job is not None:
            self.job.cancel()
