"""The browser's orders by the model's values, made in the background as the values come.

Sorting a million images by "likely mislabeled", confidence or outlier score is one NumPy
sort each (~0.1 s of CPU, 0.2-0.3 s on a busy machine), which the first choice of that
sort did on the GUI thread. NumPy sorts without Python's lock, so a job makes them as
soon as the catalog has the values: the choice then finds its order made. A choice made
before the job ends sorts on the spot, as before; the same order either way
(:func:`~labeldesk.browse.catalog.sort_order`)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.sort_orders import sort_orders
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
    job = Job(lambda *, progress, cancel: sort_orders(keys), "Sorting by the model's values")
    # (tied to ``owner``: a job ending after the view was closed calls nothing)
    job.connect_while(owner, job.finished, lambda orders: catalog.take_orders(keys, orders))
    return runner.start(job)
