"""What a write changed, and a Qt-free hub that tells every listener about it.

Every write of a :class:`~labeldesk.core.project.Project` (labels, statuses, splits,
class edits, undo, redo, a scan) returns a :class:`Changes` and publishes the same object
on ``project.events``. Views then re-read exactly the images named, instead of each caller
wiring up refreshes by hand; the GUI re-emits the events as Qt signals on its thread
(:class:`labeldesk.gui.session.ProjectSession`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# What kind of write it was. Views mostly care about ``image_ids`` and ``classes_changed``;
# the kind says which message fits ("labeled", "undid", "rescanned").
LABEL = "label"  # labels (and maybe splits) given, changed or removed
STATUS = "status"  # marked verified / excluded, or cleared
SPLIT = "split"  # moved between train / val / test
CLASS = "class"  # a class added, renamed, merged or removed (and its images relabeled)
UNDO = "undo"  # a batch taken back
REDO = "redo"  # an undo taken back: the batch's change made again
SCAN = "scan"  # the image folder re-indexed: any image may have come, gone or changed
KINDS = (LABEL, STATUS, SPLIT, CLASS, UNDO, REDO, SCAN)


@dataclass(frozen=True, kw_only=True)
class Changes:
    """One write: the batch it recorded and the images whose state it changed.

    ``batch_id`` is None when nothing changed (no batch is written for a no-op), and
    for a scan, which is not a labeling batch. ``all_images``: re-read everything (a
    scan), since listing every id of a large project would cost more than it saves.
    A :class:`Changes` is truthy when it changed anything."""

    kind: str
    batch_id: int | None = None
    image_ids: tuple[int, ...] = ()
    classes_changed: bool = False
    all_images: bool = False
    # A class edit's names, (old, new) pairs: ``renamed``, a class now called ``new``
    # (its labels mean what they meant, so the model's scores still hold, renamed);
    # ``merged``, the images of ``old`` given the class ``new`` (``old`` gone; or, an undo
    # of a rename whose new name someone used since, kept for the images labeled so).
    renamed: tuple[tuple[str, str], ...] = ()
    merged: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of change {self.kind!r}; one of {KINDS}")

    def __bool__(self) -> bool:
        return bool(self.image_ids) or self.classes_changed or self.all_images


Listener = Callable[[Changes], None]


class ProjectEvents:
    """Listeners for one open project's writes.

    ``publish`` runs in the writer's thread (a scan runs in a worker), so listeners must
    be quick and thread-safe; the GUI's listener only emits a queued Qt signal. A
    listener that raises is logged and does not stop the others or the write, which has
    been committed by then."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every published :class:`Changes`; returns a function
        that unsubscribes it (safe to call twice)."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, changes: Changes) -> Changes:
        """Tell every listener (if anything changed); returns ``changes``."""
        if not changes:
            return changes
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(changes)
            except Exception:  # one broken view must not break labeling for the others
                log.exception("a listener failed on %s", changes.kind)
        return changes
