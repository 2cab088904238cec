"""Right panel: the selected image larger, its facts, what the model thinks of it, its
nearest neighbours, and its label history.

The preview decodes the original (through core's safe decoder) on a worker thread;
a newer selection makes an older result stale, so fast arrowing never shows a wrong image.
Neighbour thumbnails come from the grid's thumbnail loader (and its cache); the strip
is :mod:`~labeldesk.gui.detail_neighbours`, the wording :mod:`~labeldesk.gui.detail_words`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from labeldesk.browse.image_records import ImageInfo, Insight
from labeldesk.core.display import SCORE_MEANING
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.image_lookup import present
from labeldesk.core.project import Project
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.detail_neighbours import Neighbour, NeighbourList
from labeldesk.gui.detail_words import (
    CHANGED_ON_DISK,
    GONE_NOTE,
    NO_LONGER_IN_PROJECT,
    describe_event,
    describe_insight,
    format_bytes,
    model_room,
)
from labeldesk.gui.image_display import ImageLoader, ImagePopup
from labeldesk.gui.image_preview import ImagePreview
from labeldesk.gui.pixel_ratio import pixel_ratio
from labeldesk.gui.steady_label import SteadyLabel
from labeldesk.gui.thumbnails import ThumbnailLoader
from labeldesk.gui.word_joiner import unbroken_names

log = logging.getLogger(__name__)

PREVIEW_MAX_SIDE = 768


class _Body(QWidget):
    """The panel's contents: as tall as their smallest (every wrapped line whole, the
    preview and lists at their least) where the scroll area is shorter, else its height.
    A layout's own height for a width is its preferred one: the preview's hint made the
    panel scroll on any screen."""

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        if layout is None:
            return super().heightForWidth(width)
        margins = layout.contentsMargins()
        inner = width - margins.left() - margins.right()
        heights = []
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if item is None or item.isEmpty():
                continue
            if item.hasHeightForWidth():  # a wrapped label, the form of facts
                heights.append(item.heightForWidth(inner))
            else:
                heights.append(item.minimumSize().height())
        spacing = max(0, layout.spacing()) * max(0, len(heights) - 1)
        return sum(heights) + spacing + margins.top() + margins.bottom()


class DetailPanel(QWidget):
    neighbourClicked = Signal(int)  # image id
    moreLikeRequested = Signal()  # "more like this" for the current selection
    findDifferentRequested = Signal()  # the most unusual images first

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        loader: ThumbnailLoader | None = None,
    ):
        super().__init__(parent)
        self.project = project
        self.loader = loader
        self._shown = ""  # the path whose preview is wanted ("" for none)
        self._shown_id: int | None = None  # the image shown (None: none, or several)
        self.previews = ImageLoader(project, parent=self)  # decoded off the GUI thread
        self.previews.loaded.connect(self._show_preview)
        self.previews.loaded.connect(self._show_large_pixels)
        self.large: ImagePopup | None = None  # Enter on the grid: the image, large
        self.previews.gone.connect(self._preview_gone)

        body = _Body()  # in a scroll area: a short window scrolls it, not cuts its lines
        scroll = QScrollArea()
        scroll.setAccessibleName("Image details")
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Not a Tab stop: it shows no focus, and Tab from the grid goes on to the
        # neighbours (the wheel still scrolls it)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 8, 8, 8)
        self.title = QLabel("No image selected")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        # The file is not as the last scan found it: a key labels the image as indexed,
        # while the file on disk may hold another picture until a scan reads it
        self.disk_note = QLabel(CHANGED_ON_DISK)
        self.disk_note.setWordWrap(True)
        self.disk_note.setStyleSheet("color: #b34700;")
        self.disk_note.hide()
        layout.addWidget(self.disk_note)
        self.preview = ImagePreview()
        layout.addWidget(self.preview, 3)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        self.model_line = SteadyLabel()  # keeps the room of its longest wording
        for name in ("Path", "Size", "Format", "Label", "Split", "Status", "Model", "Label fit"):
            value = self.model_line if name == "Model" else QLabel()
            value.setText("–")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = value
            caption = QLabel(f"{name}:")
            # level with its value's first line (the Model line keeps room for two)
            caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            form.addRow(caption, value)
        self.fields["Label fit"].setToolTip(SCORE_MEANING)
        layout.addLayout(form)

        layout.addWidget(QLabel("Nearest neighbours:"))
        self.neighbours = NeighbourList(loader)
        self.neighbours.setObjectName("neighbourStrip")
        self.neighbours.setAccessibleName("Nearest neighbours")
        self.neighbours.itemClicked.connect(self._open_neighbour)
        self.neighbours.opened.connect(self._open_neighbour)  # Enter, Return or Space
        layout.addWidget(self.neighbours, 1)
        buttons = QHBoxLayout()
        self.more_like_button = QPushButton("More like this")
        self.find_different_button = QPushButton("Find different")
        # what each does: given back once embeddings come (it said "Compute embeddings
        # first" for good, the set-up below having replaced it before any were there)
        self._search_tips = {
            self.more_like_button: "Show the images most similar to the selection (select "
            "a few examples of a rare class to find more of it)",
            self.find_different_button: "Sort the grid by outlier score: the most unusual "
            "images first",
        }
        self.more_like_button.clicked.connect(self.moreLikeRequested)
        self.find_different_button.clicked.connect(self.findDifferentRequested)
        for button in (self.more_like_button, self.find_different_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves keys to the grid
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.set_model_available(False)

        layout.addWidget(QLabel("Label history:"))
        self.history = QListWidget()
        self.history.setObjectName("labelHistory")
        self.history.setAccessibleName("Label history")
        # A long line ("(root, human)" at its end) wraps rather than scroll sideways.
        self.history.setWordWrap(True)
        self.history.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setResizeMode(QListView.ResizeMode.Adjust)  # rewrap on a resize
        self.history.setMinimumHeight(44)  # two lines (its own hint asked 70 px)
        layout.addWidget(self.history, 1)
        scroll.setMinimumWidth(body.minimumSizeHint().width())  # it scrolls down only

    def set_model_available(self, available: bool) -> None:
        """The search buttons need embeddings."""
        tip = "" if available else "Compute embeddings first (Tools → Compute embeddings)"
        if not available and self.project.read_only is not None:
            tip = "Needs embeddings, which a read-only project cannot compute here"
        for button, what_it_does in self._search_tips.items():
            button.setEnabled(available)
            button.setToolTip(what_it_does if available else tip)

    def show_insight(
        self,
        insight: Insight | None,
        label: str | None,
        opinion: str = "",
        skipped: bool = False,
        scoring: bool = False,
        embedding: bool = False,
        stopped: bool = False,
    ) -> None:
        read_only = self.project.read_only is not None
        model, fit = describe_insight(
            insight, label, opinion, skipped, scoring, read_only, embedding, stopped
        )
        model = unbroken_names(model)  # "label t-shirt_top looks wrong" wraps at no hyphen
        # Room for the longest of the model's verdicts, shown or not: one that wrapped
        # ("… — label pullover looks wrong") moved everything under it by ~4 px from
        # one image to the next (the preview gave up 10 px of the line, the history 4).
        room = model_room(self.project.classes()) if insight is not None else []
        self.model_line.also_fit([unbroken_names(text) for text in room])
        self.fields["Model"].setText(model)
        # in a short window its second line can be cut: the whole of it on hover
        self.fields["Model"].setToolTip(model)
        self.fields["Label fit"].setText(fit)

    def show_neighbours(self, neighbours: list[Neighbour]) -> None:
        """Fill the strip; thumbnails arrive from the loader as they are ready."""
        self.neighbours.show_tiles(neighbours, self.project.classes())

    def _open_neighbour(self, item: QListWidgetItem) -> None:
        self.neighbourClicked.emit(self.neighbours.image_id(item))

    def _show_history(self, lines: list[str]) -> None:
        """One item a line, wrapped, each with its whole text as a tooltip."""
        for line in lines:
            item = QListWidgetItem(line)
            item.setToolTip(line)
            self.history.addItem(item)

    def follow_ratio(self) -> None:
        """The window moved to a screen of another scale: the neighbours' tiles load
        again at its pixels (see :meth:`NeighbourList.follow_ratio`)."""
        self.neighbours.follow_ratio()

    def neighbour_ids(self) -> list[int]:
        return self.neighbours.ids()

    def _clear_fields(self) -> None:
        self.disk_note.hide()
        for value in self.fields.values():
            value.setText("–")
        for name in ("Path", "Model"):  # the last image's whole text, as a tooltip
            self.fields[name].setToolTip("")

    def show_none(self) -> None:
        self._shown, self._shown_id = "", None
        self.title.setText("No image selected")
        self.preview.set_pixmap(None, "Select an image to see it here")
        self._clear_fields()
        self.history.clear()
        self.neighbours.clear()

    def show_many(self, tally: Mapping[str | None, int]) -> None:
        """Summarise a multi-selection from how many of each label it holds (None: no
        label; see ImageCatalog.label_tally)."""
        self._shown, self._shown_id = "", None
        self.title.setText(f"{sum(tally.values()):,} images selected")
        counts = Counter({label or NO_LABEL: n for label, n in tally.items() if n})
        summary = ", ".join(f"{name}: {n:,}" for name, n in counts.most_common(6))
        if len(counts) > 6:
            summary += f", and {len(counts) - 6} more"
        self.preview.set_pixmap(None, summary)
        self._clear_fields()
        self.fields["Label"].setText(unbroken_names(summary))
        self.history.clear()
        self.neighbours.clear()

    def show_image(self, info: ImageInfo) -> None:
        self._shown, self._shown_id = info.path, info.image_id
        self.title.setText(Path(info.path).name)
        self.fields["Path"].setText(info.path)
        self.fields["Path"].setToolTip(info.path)
        self.fields["Size"].setText(f"{info.width} × {info.height} px · {format_bytes(info.size)}")
        self.fields["Format"].setText(info.format)
        self.fields["Label"].setText(info.label or NO_LABEL)
        self.fields["Split"].setText(info.split or "none")
        self.fields["Status"].setText(
            f"skipped: {info.skip_reason}" if info.skip_reason else info.status or "unreviewed"
        )
        gone = not self._in_project(info.image_id)
        self.disk_note.setText(CHANGED_ON_DISK)
        self.disk_note.setVisible(not gone and self.project.changed_on_disk(info.image_id))
        self.history.clear()
        try:
            events = self.project.history(info.path, image_id=info.image_id)
        except LabelDeskError as exc:
            events = []
            self._show_history([str(exc)])
        self._show_history([describe_event(e) for e in events] or ["No label changes yet"])
        cached = self.previews.cached(info.path, PREVIEW_MAX_SIDE)
        if gone:
            self._show_gone()
        elif cached is not None:
            self._show_preview(info.path, cached)
        else:
            self.preview.set_pixmap(None, "Loading…")
            self.previews.request([info.path], PREVIEW_MAX_SIDE, {info.path: info.image_id})

    def recheck(self) -> None:
        """A scan ended (here or elsewhere): if it removed the image shown, say so now;
        the list drops it once it has re-read the scan (seconds for a big project)."""
        if self._shown_id is not None and not self._in_project(self._shown_id):
            self._show_gone()

    def _in_project(self, image_id: int) -> bool:
        """One row looked up by id: cheap enough for each selection."""
        return bool(present(self.project, [image_id]))

    def _show_gone(self) -> None:
        self.disk_note.setText(GONE_NOTE)
        self.disk_note.show()
        self.preview.set_pixmap(None, NO_LONGER_IN_PROJECT)

    def show_large(self, path: str, label: str | None, image_id: int, tile: QImage) -> None:
        """``path`` large over the window (its ``tile`` until the image is decoded), until
        the next key or click."""
        if self.large is None:
            self.large = ImagePopup(self)
        # at the screen's pixels (the small preview's 768 at least: its pixels serve)
        side = ImagePopup.pixels_side(pixel_ratio(self.window()), PREVIEW_MAX_SIDE)
        cached = self.previews.cached(path, side)
        self.large.show_image(path, label, cached if cached is not None else tile)
        centre = self.window().mapToGlobal(self.window().rect().center())
        self.large.move(centre.x() - self.large.width() // 2, centre.y() - self.large.height() // 2)
        if cached is None:
            wanted = [path] + ([self._shown] if self._shown and self._shown != path else [])
            self.previews.request(wanted, side, {path: image_id})

    @Slot(str, QImage)
    def _show_large_pixels(self, path: str, image: QImage) -> None:
        if self.large is not None and self.large.isVisible() and self.large.path == path:
            self.large.set_pixels(image)

    def shutdown(self) -> None:
        self._shown, self._shown_id = "", None
        self.previews.shutdown()

    @Slot(str)
    def _preview_gone(self, path: str) -> None:
        if path == self._shown:  # a scan removed it after it was selected
            self._show_gone()

    @Slot(str, QImage)
    def _show_preview(self, path: str, image: QImage) -> None:
        if path != self._shown:
            return  # the selection moved on
        if image.isNull():
            self.preview.set_pixmap(None, "Cannot show this image (see Status)")
        else:
            self.preview.set_pixmap(QPixmap.fromImage(image))
