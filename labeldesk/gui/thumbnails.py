"""Thumbnail pipeline: a LIFO of requests, decoded on worker threads, kept in an LRU.

The view asks for a pixmap while painting. A miss returns None (the delegate paints a
placeholder) and queues a request; the newest request is served first, because the tiles
painted last are the ones on screen. Old requests beyond ``max_pending`` are dropped, so
fast scrolling never builds a backlog of tiles nobody looks at any more; while the view
flies past (see :meth:`ThumbnailLoader.set_paused`) nothing new is decoded at all. Workers
produce QImages (thread-safe) and hand them over in batches: the GUI thread wakes once per
batch, not once per image, turns them into QPixmaps and announces each with ``ready``.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from labeldesk.core.errors import ProjectError
from labeldesk.core.imageio import decode_rgb

if TYPE_CHECKING:
    from PIL import Image

    from labeldesk.core.project import Project

log = logging.getLogger(__name__)

ORIGINAL_MAX_SIDE = 96  # originals this small are decoded directly: crisper than a JPEG thumb


@dataclass(frozen=True)
class ThumbRequest:
    image_id: int
    path: str  # relative to the image root
    width: int
    height: int
    generation: int = 0


ImageLoader = Callable[[ThumbRequest], QImage]


def pil_to_qimage(img: Image.Image) -> QImage:
    """Copy an RGB PIL image into a QImage that owns its pixels."""
    rgb = img.convert("RGB")
    data = rgb.tobytes()
    image = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return image.copy()  # detach from ``data``, which Python frees


def project_image_loader(project: Project, max_side: int | Callable[[], int]) -> ImageLoader:
    """Load one tile image for ``project``: the cached JPEG thumbnail, or the original
    pixels when the image is tiny (28×28 datasets), scaled down to ``max_side`` (or to
    what it returns when the load starts: the side follows the screen's ratio).

    Looked up by the request's image id, never its path: the cache keeps a tile by id,
    and the path a view asked with may hold another picture by now (a scan followed
    swapped files), or its file other bytes than the id's (not scanned yet)."""

    def load(request: ThumbRequest) -> QImage:
        side = max_side() if callable(max_side) else max_side
        image = QImage()
        if 0 < max(request.width, request.height) <= ORIGINAL_MAX_SIDE:
            try:
                image = pil_to_qimage(decode_rgb(project.original_of(request.image_id)))
            except ProjectError as exc:  # edited since the scan: the thumbnail shows it
                log.debug("tile of %s from its thumbnail: %s", request.path, exc)
        if image.isNull():
            image = QImage(str(project.thumbnail_of(request.image_id)))
            if image.isNull():  # whole, yet it does not decode: made again, once
                image = QImage(str(project.thumbnail_of(request.image_id, remake=True)))
        if image.width() > side or image.height() > side:
            image = image.scaled(
                side,
                side,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        return image

    return load


class _RequestStack:
    """Pending requests, newest last, unique per image; also counts busy workers."""

    def __init__(self, max_pending: int):
        self.lock = threading.Lock()
        self.max_pending = max_pending
        self._items: OrderedDict[int, ThumbRequest] = OrderedDict()
        self._workers = 0
        self._paused = False

    def __len__(self) -> int:
        return len(self._items)

    def push(self, request: ThumbRequest) -> None:
        with self.lock:
            self._items.pop(request.image_id, None)
            self._items[request.image_id] = request
            while len(self._items) > self.max_pending:
                self._items.popitem(last=False)  # the oldest: scrolled away by now

    def set_paused(self, paused: bool) -> None:
        """Paused: requests still queue, but no worker starts or takes the next one."""
        with self.lock:
            self._paused = paused

    def claim_worker(self, limit: int) -> bool:
        with self.lock:
            if self._paused or self._workers >= limit or not self._items:
                return False
            self._workers += 1
            return True

    def pop_or_retire(self) -> ThumbRequest | None:
        """Next request; None means the calling worker has retired (atomically, so a
        resume or a push that finds every worker busy never strands a request)."""
        with self.lock:
            if self._items and not self._paused:
                return self._items.popitem(last=True)[1]
            self._workers -= 1
            return None

    def retain(self, image_ids: set[int]) -> None:
        with self.lock:
            for key in [k for k in self._items if k not in image_ids]:
                del self._items[key]

    def clear(self) -> None:
        with self.lock:
            self._items.clear()


class _Drain(QRunnable):
    def __init__(self, loader: ThumbnailLoader):
        super().__init__()
        self._loader = loader
        self.setAutoDelete(True)

    def run(self) -> None:
        while (request := self._loader._stack.pop_or_retire()) is not None:
            self._loader._load_one(request)


class ThumbnailLoader(QObject):
    """Pixmaps by image id, loaded lazily in the background and kept in an LRU."""

    ready = Signal(int)  # image id whose pixmap (or failure) is now known
    _resultsWaiting = Signal()  # from a worker: the first result of a new batch is in

    def __init__(
        self,
        load: ImageLoader,
        *,
        capacity: int = 2000,
        threads: int = 2,
        max_pending: int = 400,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._load = load
        self._capacity = capacity
        self._threads = threads
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._failed: set[int] = set()
        self._stack = _RequestStack(max_pending)
        self._results: list[tuple[int, int, QImage]] = []  # generation, id, image
        self._results_lock = threading.Lock()
        self._generation = 0  # of requests made now; results of older ones may be stale
        self._valid_from = 0  # results of requests older than this are dropped (invalidate)
        self._fresh_from: dict[int, int] = {}  # the same per image (forget)
        self._paused = False
        self._closed = False
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._resultsWaiting.connect(self._deliver)  # queued: workers emit it

    # -- GUI thread --------------------------------------------------------------
    def pixmap(self, image_id: int, path: str, width: int = 0, height: int = 0) -> QPixmap | None:
        """The cached pixmap, or None after queueing a load (unless it failed before)."""
        cached = self._cache.get(image_id)
        if cached is not None:
            self._cache.move_to_end(image_id)
            return cached
        if image_id not in self._failed and not self._closed:
            self._stack.push(ThumbRequest(image_id, path, width, height, self._generation))
            self._start_workers()
        return None

    def set_paused(self, paused: bool) -> None:
        """Stop (or resume) decoding while the view scrolls faster than anyone looks.

        Tiles that are on screen for a frame or two are not worth loading: their decode
        competes with the GUI thread for the CPU (and the GIL), and each result costs the
        GUI thread a conversion and a repaint. Requests keep queueing meanwhile; the grid
        prunes them to what is on screen before it resumes.
        """
        if paused == self._paused:
            return
        self._paused = paused
        self._stack.set_paused(paused)
        if not paused:
            self._start_workers()

    @property
    def paused(self) -> bool:
        return self._paused

    def _start_workers(self) -> None:
        while self._stack.claim_worker(self._threads):
            self.pool.start(_Drain(self))

    def failed(self, image_id: int) -> bool:
        return image_id in self._failed

    def retain_pending(self, image_ids: Iterable[int]) -> None:
        """Forget queued requests for images no longer on screen."""
        self._stack.retain(set(image_ids))

    def invalidate(self) -> None:
        """Drop cached and queued images (files may have changed after a rescan)."""
        self._generation += 1
        self._valid_from = self._generation
        self._fresh_from.clear()
        self._stack.clear()
        self._cache.clear()
        self._failed.clear()

    def forget(self, image_ids: Iterable[int]) -> None:
        """Drop these images' pixmaps and failures (a rescan found their files edited);
        loads under way may have read the old file, so their results are dropped too."""
        image_ids = [int(i) for i in image_ids]
        if not image_ids:
            return
        self._generation += 1
        for image_id in image_ids:
            self._cache.pop(image_id, None)
            self._failed.discard(image_id)
            self._fresh_from[image_id] = self._generation

    def retry_failed(self) -> None:
        """Try the images that failed again when next shown: a scan may have cured them
        (a full disk freed, a thumbnail it could not write made after all, a file that
        was unreadable or changed since the last scan)."""
        self.forget(list(self._failed))

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop loading and wait for the workers, before the project closes."""
        self._closed = True
        self._stack.clear()
        self.pool.waitForDone(timeout_ms)

    @Slot()
    def _deliver(self) -> None:
        """Take every result the workers finished since the last call, in one go."""
        with self._results_lock:
            results, self._results = self._results, []
        for generation, image_id, image in results:
            if generation < self._valid_from or self._closed:
                continue
            if generation < self._fresh_from.get(image_id, 0):  # read before an edit:
                self.ready.emit(image_id)  # whoever shows it asks again
                continue
            if image.isNull():
                self._failed.add(image_id)
            else:
                self._cache[image_id] = QPixmap.fromImage(image)
                self._cache.move_to_end(image_id)
                while len(self._cache) > self._capacity:
                    self._cache.popitem(last=False)
            self.ready.emit(image_id)

    # -- worker threads ----------------------------------------------------------
    def _load_one(self, request: ThumbRequest) -> None:
        if self._closed:
            return
        try:
            image = self._load(request)
        except Exception as exc:  # a vanished or broken file must not kill the worker
            log.debug("thumbnail for %s failed: %s", request.path, exc)
            image = QImage()
        with self._results_lock:
            self._results.append((request.generation, request.image_id, image))
            first = len(self._results) == 1
        if first:  # later results of this batch ride along with the same wake-up
            self._resultsWaiting.emit()
