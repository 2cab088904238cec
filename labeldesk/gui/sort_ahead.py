"""The browser's orders by the model's values, made in the background as the values come.

Sorting a million images by "likely mislabeled", confidence or outlier score is one NumPy
sort each (~0.1 s of CPU, 0.2-0.3 s on a busy machine), which the first choice of that
sort did on the GUI thread. NumPy sorts without Python's lock, so a job makes them as
soon as the catalog has the values: the choice then finds its order made. A sort chosen
before the values came (kept from the last session, say) waits for its order the same
way (:func:`sort_when_made`: the grid shows its rows as they are until then), and the
re-read of every image makes them with the values it joins (:func:`make_orders`). A
sort the person chooses after the values came but before the job ends waits for it too,
and so does a class, split or search chosen while the grid is sorted by a model value
whose order the job makes (:class:`ChosenSort`: the grid keeps its rows, the sidebar
shows the choice); the same order either way
(:func:`~labeldesk.browse.sort_orders.sort_order`)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.browse.sort_orders import MODEL_SORTS, SortKeys, sort_orders
from labeldesk.gui.workers import Job, JobRunner

# below this many images a sort takes a few milliseconds: made when first chosen
AHEAD_MIN_IMAGES = 50_000


def order_ahead(owner: QObject, runner: JobRunner, catalog: ImageCatalog) -> Job | None:
    """Start making ``catalog``'s model orders (None: too few images, no values yet, or
    made already). The orders are kept only if the values did not change meanwhile."""
    if len(catalog) < AHEAD_MIN_IMAGES:
        return None
    keys = catalog.sort_keys()
    if keys is None:
        return None
    return _start(owner, runner, catalog, keys, None)


def sort_when_made(
    owner: QObject, runner: JobRunner, catalog: ImageCatalog, sort: str, then: Callable[[], None]
) -> Job | None:
    """Where showing ``catalog`` by ``sort`` would sort it on the GUI thread (a model
    sort not made yet, at :data:`AHEAD_MIN_IMAGES` or more), start making the model's
    orders and call ``then`` once the job ended (made, failed or cancelled: ``then``
    looks again); None where there is nothing to wait for (``then`` is not called)."""
    if sort not in MODEL_SORTS or len(catalog) < AHEAD_MIN_IMAGES:
        return None
    keys = catalog.sort_keys()
    if keys is None or sort not in keys.keys:
        return None
    return _start(owner, runner, catalog, keys, then)


def _start(
    owner: QObject,
    runner: JobRunner,
    catalog: ImageCatalog,
    keys: SortKeys,
    then: Callable[[], None] | None,
) -> Job:
    job = Job(lambda *, progress, cancel: sort_orders(keys), "Sorting by the model's values")
    # (tied to ``owner``: a job ending after the view was closed calls nothing)
    job.connect_while(owner, job.finished, lambda orders: catalog.take_orders(keys, orders))
    if then is not None:  # (after the orders are taken: connected in that order)
        job.connect_while(owner, job.ended, then)
    return runner.start(job)


def make_orders(catalog: ImageCatalog) -> None:
    """Make ``catalog``'s model orders here (in a job that made the catalog, before any
    other thread sees it), where it is big enough for them to be made ahead."""
    if len(catalog) >= AHEAD_MIN_IMAGES and (keys := catalog.sort_keys()) is not None:
        catalog.take_orders(keys, sort_orders(keys))


class ChosenSort:
    """A filter chosen while the job making its model order runs is shown when the job
    ends (at a million images, sorted on the spot it held the GUI thread 0.1-0.3 s):
    until then the grid keeps its rows and order, and the sidebar shows the choice. A
    class, split, search or "Show" choice made while the grid is sorted by a model value
    whose order is being made (new scores, or the first ones) waits the same way. A
    selection made or dropped (a map's, More like this, a confusion cell) is shown at
    once, as its callers read its rows next; so is a filter that needs no model order
    (and drops the wait). A filter shown on the current image (the flagged list as it
    is now) keeps it current when shown later too (``show``'s second argument)."""

    def __init__(self, owner: QObject, show: Callable[[ImageFilter, bool], None]) -> None:
        self._owner, self._show = owner, show
        self._job: Job | None = None  # the latest job making the model's orders
        self.waiting: ImageFilter | None = None  # the filter chosen, shown when it ends
        self.keep_current = False  # shown then, the current image stays current

    def made_by(self, job: Job | None) -> None:
        """``job`` (when one was started) makes the model's orders: choices wait for it."""
        if job is not None:
            self._job = job

    def wait(
        self,
        catalog: ImageCatalog,
        shown: ImageFilter,
        wanted: ImageFilter,
        keep_current: bool = False,
    ) -> bool:
        """Whether ``wanted`` (``shown``: the grid's filter) waits for the job's order
        (``keep_current``: then shown on the image current at that time)."""
        self.keep_current = keep_current
        base = self.waiting or shown
        job = self._job
        if (
            job is None
            or not job.running
            or len(catalog) < AHEAD_MIN_IMAGES
            or wanted.ranking is not None  # (in the ranking's order: nothing sorted)
            or not catalog.order_pending(wanted.sort)
            or _selection(wanted) != _selection(base)
        ):
            self.waiting = None
            return False
        if self.waiting is None:
            job.connect_while(self._owner, job.ended, self._ended)
        self.waiting = wanted
        return True

    def _ended(self) -> None:
        wanted, self.waiting = self.waiting, None
        if wanted is not None:  # (shown again: a newer job's order may be awaited)
            self._show(wanted, self.keep_current)


def _selection(wanted: ImageFilter) -> tuple[object, ...]:
    """What of ``wanted`` a selection sets (the sidebar's banner), not its filters."""
    return wanted.paths, wanted.ranking, wanted.selection, wanted.selection_name
