"""The embedding map from the keyboard. With the map focused (a click, or Tab to it; the
focus ring shows it) the arrow keys move a cursor, a ring around one point, to the
nearest point that way on screen, and show that point's card as the mouse does; Space
selects it or takes it out of the selection, Shift+arrows move and select, ] and [ grow
and shrink the selection to the cursor's 1, 5, 10, 25, … nearest images, Esc clears it,
Enter shows the selection in the browser (the box and the lasso send theirs at once; a
selection made point by point waits for Enter). + and - zoom around the cursor, Ctrl+0
shows the whole map. The status line beside the colouring says what each key did.
Split from :mod:`labeldesk.gui.map_view`, which it drives through :class:`KeyedMap`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel

from labeldesk.gui import shortcuts
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.map_card_aside import CardAside
from labeldesk.gui.map_tree import PointFinder
from labeldesk.ml.map_data import MapPoints

ZOOM_STEP = 1.25  # per + or - (the large image's step)
CURSOR_SIZE = 15  # px: the ring around the cursor's point
# how many of the cursor's nearest images ] selects, step by step
GROW_STEPS = (1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000)
MOVES = {  # screen direction (x right, y down) of each arrow
    Qt.Key.Key_Left: (-1.0, 0.0),
    Qt.Key.Key_Right: (1.0, 0.0),
    Qt.Key.Key_Up: (0.0, -1.0),
    Qt.Key.Key_Down: (0.0, 1.0),
}
# The keys the status line lists, most used first: at 1280 px the line ran past its
# room and was cut at "… Ctrl+0 …" (60,000 images); shorter now, and where it still does
# not fit, whole keys are left off the end, and F1 (Help → Keyboard shortcuts) has them.
HINT_KEYS = (
    "arrows move",
    "Space selects",
    "Enter: to the browser",
    "] / [ more / fewer",
    "Esc clears",
    "+ / - zoom",
    "Ctrl+0 whole map",
)
HINT = " · ".join(HINT_KEYS)
MORE_KEYS = f" · {shortcuts._text(shortcuts.HELP_KEYS)}: all keys"
SEND_HINT = " · Enter shows them in the browser"


class KeyedMap(Protocol):
    """What the keys need of the map view."""

    data: MapPoints | None
    selected_rows: np.ndarray  # of the selection, in data
    hover_card: QLabel

    @property
    def plot(self) -> pg.GraphicsView: ...

    @property
    def viewbox(self) -> pg.ViewBox: ...

    @property
    def status(self) -> QLabel: ...

    @property
    def job(self) -> object | None: ...  # the job under way (its line on the status)

    def count_text(self) -> str: ...

    def finder(self) -> PointFinder | None: ...

    def select_rows(self, rows: np.ndarray, send: bool = True, note: str = "") -> None: ...

    def show_card(self, row: int, scene_pos: QPointF) -> None: ...

    def describe(self) -> None: ...  # the map's own accessible description


def keys_line(count: str, fits: Callable[[str], bool]) -> str:
    """The status line with the map's keys after ``count``: every key where the line
    ``fits``, else as many as fit, whole, and where F1 lists the rest (cut where it ran
    out of room, it read "… Ctrl+0 …").

    >>> keys_line("9 images", lambda text: len(text) < 60)
    '9 images · keys: arrows move · Space selects · F1: all keys'
    """
    for n in range(len(HINT_KEYS), 0, -1):
        more = "" if n == len(HINT_KEYS) else MORE_KEYS
        text = f"{count} · keys: {' · '.join(HINT_KEYS[:n])}{more}"
        if fits(text):
            return text
    return text  # not even one key fits: the label cuts it


def grow_step(count: int, total: int, grow: bool) -> int:
    """How many images ] (``grow``) or [ selects next, with ``count`` selected now."""
    steps = [s for s in GROW_STEPS if s < total] + [total]
    if grow:
        return next((s for s in steps if s > count), total)
    return next((s for s in reversed(steps) if s < count), 0)


def step_toward(offsets: np.ndarray, direction: tuple[float, float]) -> int | None:
    """Row of the point to go to from the origin, given every point's ``offsets`` from it
    on screen ((N, 2) pixels, y down): the nearest one ``direction``'s way, within 45° of
    it if any is, a point straight ahead preferred to one as near but aside."""
    ux, uy = direction
    along = offsets[:, 0] * ux + offsets[:, 1] * uy
    across = np.abs(offsets[:, 0] * uy - offsets[:, 1] * ux)
    ahead = along > 1e-9
    if not ahead.any():
        return None
    cone = ahead & (across <= along)
    rows = np.flatnonzero(cone if cone.any() else ahead)
    score = along[rows] + 2 * across[rows]
    return int(rows[np.argmin(score)])


class MapKeys(QObject):
    """The keys of ``view``'s map (an event filter on its plot) and its cursor."""

    def __init__(self, view: KeyedMap):
        super().__init__(view.plot)
        self.view = view
        self.cursor_id: int | None = None  # the image under the cursor (ids outlive rows)
        self._said = ""  # the keys line as last put on the status line
        self.marker = pg.ScatterPlotItem(pxMode=True, size=CURSOR_SIZE, brush=None)
        self.marker.setZValue(1e8)  # above the points and their rings
        view.viewbox.addItem(self.marker, ignoreBounds=True)
        view.plot.installEventFilter(self)
        self.aside = CardAside(view, self.cursor_row)  # its card, in a corner clear of it

    # -- the cursor ----------------------------------------------------------------------
    def cursor_row(self) -> int | None:
        """The cursor's row in the map now (None: no cursor, or its image left the map)."""
        data = self.view.data
        if data is None or self.cursor_id is None:
            return None
        rows = np.flatnonzero(data.ids == self.cursor_id)
        return int(rows[0]) if len(rows) else None

    def put_on(self, image_id: int) -> bool:
        """Put the cursor on this image (ringed, its card shown, scrolled into view);
        False where it is not on the map (not embedded yet)."""
        data = self.view.data
        rows = np.empty(0, dtype=np.int64) if data is None else np.flatnonzero(data.ids == image_id)
        if not len(rows):
            return False
        self._place(int(rows[0]))
        return True

    def points_changed(self) -> None:
        """The map was read again: the cursor stays on its image, or goes with it."""
        row = self.cursor_row()
        if row is None:
            self.cursor_id = None
            self.marker.setData([], [])
        else:
            self._place(row, reveal=False)

    def _pixel_offsets(self, origin: QPointF) -> np.ndarray:
        """Every point's offset from ``origin`` (data coordinates) on screen: pixels, y
        down."""
        data = self.view.data
        assert data is not None
        px, py = (abs(v) or 1.0 for v in self.view.viewbox.viewPixelSize())
        offsets = (data.xy - (origin.x(), origin.y())) / (px, -py)
        return np.asarray(offsets, dtype=np.float64)

    def move(self, direction: tuple[float, float]) -> int | None:
        """Move the cursor to the next point ``direction``'s way (no cursor yet: to the
        point nearest the middle of the view); its row, None where there is none."""
        data = self.view.data
        if data is None or not len(data.paths):
            return None
        row = self.cursor_row()
        if row is None:
            centre = self.view.viewbox.viewRect().center()
            found = int(np.argmin((self._pixel_offsets(centre) ** 2).sum(axis=1)))
        else:
            here = QPointF(float(data.xy[row, 0]), float(data.xy[row, 1]))
            ahead = step_toward(self._pixel_offsets(here), direction)
            if ahead is None:
                return row  # the last one that way: stay
            found = ahead
        self._place(found)
        return found

    def _place(self, row: int, reveal: bool = True) -> None:
        """Put the cursor on ``row``: ringed, its card shown, scrolled into view."""
        view, data = self.view, self.view.data
        assert data is not None
        self.cursor_id = int(data.ids[row])
        x, y = float(data.xy[row, 0]), float(data.xy[row, 1])
        self.marker.setPen(pg.mkPen(view.plot.palette().highlight().color(), width=2.5))
        self.marker.setData([x], [y])
        box = view.viewbox
        if reveal and not box.viewRect().contains(QPointF(x, y)):
            centre = box.viewRect().center()
            box.translateBy(x=x - centre.x(), y=y - centre.y())
        label = int(data.labels[row])
        name = data.classes[label] if label >= 0 else NO_LABEL
        view.plot.setAccessibleDescription(f"{data.paths[row]}, {name}")
        if reveal:
            self.aside.show()
        else:
            self.aside.keep_clear()  # (the map read again: the image may have moved)

    def say_keys(self) -> None:
        """On the status line, after the count: the map's keys (the map focused, with no
        cursor and nothing selected, and no job's line to keep)."""
        view = self.view
        quiet = view.data is not None and view.job is None and self.cursor_id is None
        if quiet and view.plot.hasFocus() and not len(view.selected_rows):
            status = view.status
            room = status.contentsRect().width()
            line = keys_line(
                view.count_text(), lambda text: status.fontMetrics().horizontalAdvance(text) <= room
            )
            status.setText(line)
            self._said = line

    # -- selecting -----------------------------------------------------------------------
    def toggle(self, add_only: bool = False) -> None:
        """The cursor's image into the selection, or (not ``add_only``) out of it."""
        row = self.cursor_row()
        if row is None:
            return
        rows = self.view.selected_rows
        if row in rows:
            if not add_only:
                self.view.select_rows(rows[rows != row], send=False, note=SEND_HINT)
            return
        self.view.select_rows(np.sort(np.append(rows, row)), send=False, note=SEND_HINT)

    def grow(self, more: bool) -> None:
        """Select the cursor's next more (or fewer) nearest images (see GROW_STEPS)."""
        data, finder, row = self.view.data, self.view.finder(), self.cursor_row()
        if data is None or finder is None or row is None:
            return
        k = grow_step(len(self.view.selected_rows), len(data.paths), more)
        if k == 0:
            self.clear()
            return
        x, y = data.xy[row]
        rows = np.sort(finder.nearest(float(x), float(y), k))
        nearest = "image under the cursor" if k == 1 else f"{k:,} images nearest the cursor"
        self.view.select_rows(rows, send=False, note=f" (the {nearest}){SEND_HINT}")

    def clear(self) -> None:
        self.view.select_rows(np.empty(0, dtype=np.int64), send=False)

    def send(self) -> None:
        """Show the selection in the browser (none: the cursor's image)."""
        rows = self.view.selected_rows
        row = self.cursor_row()
        if not len(rows) and row is not None:
            rows = np.array([row], dtype=np.int64)
        if len(rows):
            self.view.select_rows(rows, send=True)

    def escape(self) -> None:
        """Clear the selection; with none, put the cursor away."""
        if len(self.view.selected_rows):
            self.clear()
        elif self.cursor_id is not None:
            self.cursor_id = None
            self.marker.setData([], [])
            self.view.describe()  # the map's own description again
            self.aside.hide()

    # -- the view ------------------------------------------------------------------------
    def zoom(self, factor: float | None) -> None:
        """Zoom by ``factor`` around the cursor (else the middle); None: the whole map."""
        box, data = self.view.viewbox, self.view.data
        if data is None or not len(data.paths):
            return
        if factor is None:
            (x0, y0), (x1, y1) = data.xy.min(axis=0), data.xy.max(axis=0)
            box.setRange(xRange=(float(x0), float(x1)), yRange=(float(y0), float(y1)), padding=0.03)
            return
        row = self.cursor_row()
        centre = box.viewRect().center()
        if row is not None:
            centre = QPointF(float(data.xy[row, 0]), float(data.xy[row, 1]))
        box.scaleBy((factor, factor), center=centre)

    # -- events --------------------------------------------------------------------------
    def handles(self, event: QKeyEvent) -> bool:
        """Whether ``event`` is one of the map's keys."""
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = mods == Qt.KeyboardModifier.NoModifier
        shift = mods == Qt.KeyboardModifier.ShiftModifier
        key = event.key()
        if key in MOVES:
            return plain or shift
        if key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape):
            return plain
        zoom = (*shortcuts.ZOOM_IN_KEYS, *shortcuts.ZOOM_OUT_KEYS, *shortcuts.ZOOM_FIT_KEYS)
        grow = (*shortcuts.MAP_GROW_KEYS, *shortcuts.MAP_SHRINK_KEYS)
        return shortcuts.pressed(event, zoom) or shortcuts.pressed(event, grow)

    def key(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in MOVES:
            moved = self.move(MOVES[Qt.Key(key)])
            if moved is not None and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.toggle(add_only=True)
        elif key == Qt.Key.Key_Space:
            self.toggle()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.send()
        elif key == Qt.Key.Key_Escape:
            self.escape()
        elif shortcuts.pressed(event, shortcuts.ZOOM_IN_KEYS):
            self.zoom(1 / ZOOM_STEP)
        elif shortcuts.pressed(event, shortcuts.ZOOM_OUT_KEYS):
            self.zoom(ZOOM_STEP)
        elif shortcuts.pressed(event, shortcuts.ZOOM_FIT_KEYS):
            self.zoom(None)
        else:
            self.grow(shortcuts.pressed(event, shortcuts.MAP_GROW_KEYS))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(
            event, QKeyEvent
        ):
            if not self.handles(event):
                return False
            event.accept()  # (an override accepted: no menu command takes the key)
            if kind == QEvent.Type.KeyPress:
                self.key(event)
            return True
        if kind == QEvent.Type.FocusIn:
            self.say_keys()
        elif kind == QEvent.Type.Resize and self.view.status.text() == self._said:
            QTimer.singleShot(0, self.say_keys)  # the keys that fit the new width (laid out)
        return False
