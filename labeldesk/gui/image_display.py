"""Showing an image at screen size: load the original pixels off the GUI thread (the
next ones ahead of time), scale them to fit."""

from __future__ import annotations

import html
import logging
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QKeyEvent, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from labeldesk.core.image_lookup import present
from labeldesk.core.imageio import decode_rgb, load_rgb
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.image_preview import ImagePreview
from labeldesk.gui.pixel_ratio import fit_pixmap, pixel_ratio
from labeldesk.gui.thumbnails import pil_to_qimage

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)


def where_now(project: Project, path: str, image_id: int | None) -> str | None:
    """Where the image a view shows at ``path`` (``image_id``) is now: a scan may have
    moved it since the view read its path, and a key acts on it by id, not on the
    picture that took its old path. None when a scan found it gone: its old path may
    hold another file by now (one moved or copied there), never to be shown as it."""
    if image_id is None:
        return path
    found = present(project, [image_id]).get(int(image_id))
    return found.path if found is not None else None


def load_image(project: Project, path: str, max_side: int | None = None) -> QImage:
    """The original pixels (thread-safe QImage), no larger than ``max_side`` if given (a
    big JPEG then decodes at a reduced scale, several times faster); the thumbnail if
    the original cannot be read."""
    try:
        if max_side is None:
            return pil_to_qimage(load_rgb(project.image_path(path)))
        img = load_rgb(project.image_path(path), draft=(max_side, max_side))
        img.thumbnail((max_side, max_side))
        return pil_to_qimage(img)
    except Exception as exc:  # a broken file: fall back to the cached thumbnail
        log.debug("showing the thumbnail of %s: %s", path, exc)
        try:
            return QImage(str(project.thumbnail(path)))
        except Exception:
            return QImage()


def load_as_scanned(project: Project, path: str, max_side: int) -> QImage:
    """:func:`load_image` of the picture the index holds at ``path``: a file edited or
    replaced since the scan shows its cached thumbnail (the picture scanned, which its
    label, vector and similarity describe), not the new picture, as the grid's tiles
    do. For views that show an image as the index knows it (a neighbour tile), not the
    image under review (the detail panel says when that one changed on disk)."""
    from labeldesk.core.image_rows import usable_image

    row = usable_image(project.db, path)
    if row is None:  # no longer indexed: what the file holds, as before
        return load_image(project, path, max_side)
    try:
        img = decode_rgb(project.original_of(row["id"]), draft=(max_side, max_side))
        img.thumbnail((max_side, max_side))
        return pil_to_qimage(img)
    except Exception as exc:  # changed since the scan, or unreadable
        log.debug("showing the thumbnail of %s: %s", path, exc)
    try:
        return QImage(str(project.thumbnail_of(row["id"])))
    except Exception:
        return QImage()


class ImageLoader(QObject):
    """Loads display-size images on one background thread into a small cache.

    :meth:`request` names the image wanted now and the ones likely next; a load no
    longer wanted when its turn comes is skipped, so fast key presses never queue up
    decoding work. ``loaded`` delivers each image on the GUI thread. A cached image
    decoded smaller than a later request needs (the window grew) is decoded again. An
    image asked for by id that a scan has removed is not loaded: ``gone`` says so.
    """

    loaded = Signal(str, QImage)  # path, pixels (null when nothing could be read)
    gone = Signal(str)  # path: the image shown there is no longer in the project
    # path, pixels, side, skipped, generation, gone
    _delivered = Signal(str, QImage, int, bool, int, bool)

    def __init__(self, project: Project, cache_size: int = 8, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[QImage, int]] = OrderedDict()  # image, side
        self._wanted: frozenset[str] = frozenset()
        self._ids: dict[str, int] = {}  # path -> the image shown there (see request)
        self._side = 0  # of the latest request
        self._in_flight: set[str] = set()
        self._generation = 0  # bumped by clear(): loads started before may be stale
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._closed = False
        self._delivered.connect(self._store)

    def cached(self, path: str, max_side: int = 0) -> QImage | None:
        """The cached pixels of ``path``, if decoded at ``max_side`` or more (or whole)."""
        entry = self._cache.get(path)
        if entry is None:
            return None
        image, side = entry
        whole = max(image.width(), image.height()) < side  # not shrunk: nothing to gain
        if side < max_side and not whole:
            return None
        self._cache.move_to_end(path)
        return image

    def request(
        self, paths: Sequence[str], max_side: int, ids: Mapping[str, int] | None = None
    ) -> None:
        """Load ``paths`` (the first one first) unless cached; forget older requests.
        ``ids``: path -> the image shown there, loaded wherever it is now (see
        :func:`where_now`); kept until :meth:`clear` (a rescan read by the view)."""
        self._wanted, self._side = frozenset(paths), max_side
        self._ids.update(ids or {})
        for path in paths:
            if self.cached(path, max_side) is None and path not in self._in_flight:
                self._in_flight.add(path)
                self._pool.start(
                    _LoadTask(self, path, max_side, self._generation, self._ids.get(path))
                )

    def clear(self) -> None:
        """Forget every cached image (a rescan may have found the files edited: the
        cache is keyed by path); loads under way count as passed over."""
        self._generation += 1
        self._cache.clear()
        self._ids.clear()

    def shutdown(self) -> None:
        self._closed = True
        self._wanted = frozenset()
        self._pool.waitForDone(5000)

    @Slot(str, QImage, int, bool, int, bool)
    def _store(
        self, path: str, image: QImage, side: int, skipped: bool, generation: int, gone: bool
    ) -> None:
        self._in_flight.discard(path)
        if self._closed:
            return
        if skipped or generation != self._generation:  # passed over or read before a
            # clear(); wanted again meanwhile (a quick step back, a rescan): load it now
            if path in self._wanted and self.cached(path, self._side) is None:
                self._in_flight.add(path)
                self._pool.start(
                    _LoadTask(self, path, self._side, self._generation, self._ids.get(path))
                )
            return
        if gone:  # nothing cached: a later request looks again
            self.gone.emit(path)
            return
        self._cache[path] = (image, side)
        self._cache.move_to_end(path)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        self.loaded.emit(path, image)
        if path in self._wanted and side < self._side and max(image.size().toTuple()) >= side:
            # loading for a smaller view when a larger one asked (Enter pressed as the
            # small preview loaded): shrunk below what is wanted now, so again, larger
            self._in_flight.add(path)
            self._pool.start(
                _LoadTask(self, path, self._side, self._generation, self._ids.get(path))
            )


class _LoadTask(QRunnable):
    def __init__(
        self, loader: ImageLoader, path: str, max_side: int, generation: int, image_id: int | None
    ):
        super().__init__()
        self._loader, self._path, self._max_side = loader, path, max_side
        self._generation, self._image_id = generation, image_id
        self.setAutoDelete(True)

    def run(self) -> None:
        loader = self._loader
        skipped = self._path not in loader._wanted  # the person moved on before its turn
        image, gone = QImage(), False
        if not skipped:
            path = where_now(loader.project, self._path, self._image_id)
            gone = path is None
            if path is not None:
                image = load_image(loader.project, path, self._max_side)
        # Queued to the GUI thread (the loader lives there), which owns the cache.
        loader._delivered.emit(self._path, image, self._max_side, skipped, self._generation, gone)


class ImageLabel(QLabel):
    """Shows one image as large as it fits, rescaled on resize."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._image = QImage()

    def set_image(self, image: QImage) -> None:
        self._image = image
        self._rescale()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.DevicePixelRatioChange:  # moved to another screen
            self._rescale()
        return super().event(event)

    def _rescale(self) -> None:
        # At the screen's pixels: the loader read them (ReviewView._display_side)
        self.setPixmap(fit_pixmap(self._image, self.contentsRect().size(), pixel_ratio(self)))


MODIFIER_KEYS = {
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_AltGr,
    Qt.Key.Key_Meta,
    Qt.Key.Key_Super_L,
    Qt.Key.Key_Super_R,
}


def fitted_size(size: QSize, box: QSize) -> QSize:
    """The size :func:`fit_pixmap` gives an image of ``size`` in ``box`` (at ratio 1)."""
    factor = min(box.width() / size.width(), box.height() / size.height())
    if factor >= 1:
        return size * max(1, int(factor))
    return size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio)


class ImagePopup(QFrame):
    """An image shown large over the window (Enter in the browser, a neighbour clicked
    in the review), with its label. + and - zoom, Ctrl+0 fits, the arrows pan while
    zoomed (the wheel zooms too); any other key, or a click, closes it (the key is not
    passed on, so it cannot decide or label the image under it)."""

    SIDE = 640  # layout pixels, the most the image is fitted to
    # screen pixels, the most its pixels are decoded at: SIDE at 3x, so a huge photo
    # costs no more than 2048 x 1536 x 4 bytes (12 MB) on any screen
    MOST_PIXELS = 2048
    TIP = "+ or -: zoom · arrows: look around, zoomed · Ctrl+0: fit · any other key closes"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.Box)
        self.picture = ImagePreview(enlarge=True)
        self.picture.zoomChanged.connect(self._say_zoom)
        self.caption = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.picture.setToolTip(self.TIP)  # (a click here closes: no drag, no double-click)
        self.setToolTip(self.TIP)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.caption)
        self.path = ""
        self._about = ""  # the caption's label and path

    @classmethod
    def pixels_side(cls, ratio: float, least: int = 0) -> int:
        """The side to decode an image at for this popup on a screen of ``ratio``: what
        the screen shows (SIDE layout pixels are 1280 screen pixels at 2x: decoded at 768,
        a photo was drawn soft), at least ``least``, at most :data:`MOST_PIXELS`. (A
        small image, 28 px, is decoded whole and enlarged with hard pixel edges.)"""
        return min(cls.MOST_PIXELS, max(least, math.ceil(cls.SIDE * ratio)))

    def show_image(self, path: str, label: str | None, image: QImage) -> None:
        self.path = path
        # (rich text: a name such as "a<b>.png" or a class "x & y" shown as written)
        self._about = f"<b>{html.escape(label or NO_LABEL)}</b> · {html.escape(path)}"
        self.set_pixels(image)
        if not self.isVisible():
            self.show()

    def set_pixels(self, image: QImage) -> None:
        """Show ``image`` (its tile, then its pixels): fitted, as large as it fits."""
        box = QSize(self.SIDE, self.SIDE)
        if image.isNull() or image.width() < 1 or image.height() < 1:
            self.picture.setFixedSize(box / 2)
            self.picture.set_pixmap(None, "(cannot show this image)")
        else:
            margin = QSize(8, 8)  # the preview's own inner margin
            self.picture.setFixedSize(fitted_size(image.size(), box) + margin)
            self.picture.set_pixmap(QPixmap.fromImage(image))
        self._say_zoom()
        self.adjustSize()

    def _say_zoom(self) -> None:
        """The caption: the image, and under it what the keys do at this zoom (a line
        of its own, so the popup keeps its size as the zoom changes)."""
        picture = self.picture
        if not picture.has_image():
            keys = "any key closes"
        elif picture.zoomed:
            keys = f"{picture.scale() * 100:.0f}% · arrows look around · Ctrl+0 fits"
            keys += " · any other key closes"
        else:
            keys = "+ zooms in · any other key closes"
        self.caption.setText(f"{self._about}<br>{keys}")

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # every key comes to keyPressEvent, none to the review's actions
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.accept()
        if event.key() in MODIFIER_KEYS:
            return  # Shift or Ctrl on its way to + or Ctrl+0 (they closed it before them)
        if not self.picture.zoom_key(event):
            self.close()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()
        self.close()
