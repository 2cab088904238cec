"""Left sidebar: pick what the grid shows (class, split, review state, path search), how
it is sorted, and see counts.

A *selection* (images picked on the map, a confusion cell, "more like this", a duplicate
group) replaces the filters when it arrives: the controls go back to every image and a
banner under the class list says what is shown ("Showing 55 images selected on the map ✕"). The
controls then narrow within the selection, and the banner says so; ✕ drops it.

Item data is always a non-empty string and split buttons are told apart by id: reading
an unset or None value back from Qt trips a PySide6 6.12 refcount bug (see TileData).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.browse.image_records import SHOW_CHOICES, SORT_CHOICES, ImageFilter
from labeldesk.core.vocab import SPLITS
from labeldesk.gui import shortcuts
from labeldesk.gui.class_list import UNLABELED, ClassList
from labeldesk.gui.estimate_note import EstimateNote
from labeldesk.gui.new_matches_hint import NewMatchesHint
from labeldesk.gui.search_field import SearchField
from labeldesk.gui.selection_banner import SelectionBanner
from labeldesk.gui.sidebar_words import (
    NEEDS_MODEL,
    REVIEW_LINK,
    SHOW_TEXT,
    SORT_OFF_TIP,
    SORT_TEXT,
    SORT_TIPS,
    UPDATING,
)

SEARCH_DELAY_MS = 200
_SPLIT_CHOICES: tuple[str | None, ...] = (None, *SPLITS)  # button id -> split


class FilterSidebar(QWidget):
    filterChanged = Signal(object)  # ImageFilter
    classRenamed = Signal(str)  # the picked class's new name (it stays picked)
    addClassRequested = Signal()
    reviewRequested = Signal()  # the note's link: review the likely mislabels

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "class_list"):
            self.class_list.recolour_keys()  # the theme was switched
        super().changeEvent(event)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        self._selection = ImageFilter()  # only its paths, ranking and selection are used
        self._show_counts: dict[str, int] = {}  # the Images list's counts, as last given
        self._rescoring = False  # the model scores the labels again: "flagged" is old
        layout.addWidget(self._heading("Classes"))
        self.class_list = ClassList()
        self.class_list.currentItemChanged.connect(lambda *_: self._emit())
        layout.addWidget(self.class_list, 1)
        # Under the class rows, not over them: shown there, the banner (one to four lines)
        # pushed the rows down as a map selection or a confusion cell arrived, and the
        # class the eye was on moved. Here only the list's end gives way.
        self.banner = SelectionBanner()
        self.banner.cleared.connect(self.clear_selection)
        self.banner_text = self.banner.text
        self.clear_selection_button = self.banner.clear_button
        layout.addWidget(self.banner)
        self.add_class_button = QPushButton("Add class…")
        self.add_class_button.clicked.connect(self.addClassRequested)
        layout.addWidget(self.add_class_button)

        layout.addWidget(self._heading("Split"))
        split_row = QHBoxLayout()
        self.split_buttons = QButtonGroup(self)
        for button_id, split in enumerate(_SPLIT_CHOICES):
            button = QRadioButton(split or "All")
            button.setChecked(split is None)
            self.split_buttons.addButton(button, button_id)
            split_row.addWidget(button)
        split_row.addStretch(1)
        self.split_buttons.buttonToggled.connect(self._split_toggled)
        layout.addLayout(split_row)

        layout.addWidget(self._heading("Show"))
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.show_box = self._combo("showBox", SHOW_CHOICES, SHOW_TEXT)
        self.sort_box = self._combo("sortBox", SORT_CHOICES, SORT_TEXT)
        form.addRow("Images:", self.show_box)
        form.addRow("Sort:", self.sort_box)
        layout.addLayout(form)
        for i, key in enumerate(SORT_CHOICES):
            self.sort_box.setItemData(i, SORT_TIPS[key], Qt.ItemDataRole.ToolTipRole)
        # "About N likely wrong": what the model expects, beside what it flags.
        self.expected_note = EstimateNote()  # as tall as its longest wording
        layout.addWidget(self.expected_note)
        # The way from "N are flagged" to fixing them (Statistics has it too): the note
        # alone left a new user with a number and no next step.
        self.review_link = QLabel(
            f"{REVIEW_LINK} ({shortcuts._text(shortcuts.REVIEW_ISSUES_KEYS)})"
        )
        self.review_link.setObjectName("reviewFlagged")
        self.review_link.linkActivated.connect(lambda _: self.reviewRequested.emit())
        self.review_link.hide()
        layout.addWidget(self.review_link)
        # "2 more flagged since this list was shown: show them" (the grid keeps its rows);
        # last, so that its room, kept while hidden, is a gap before Search
        self.new_matches = NewMatchesHint()
        layout.addWidget(self.new_matches)
        self.set_model_available(False)

        layout.addWidget(self._heading("Search"))
        self.search = SearchField()
        self.search.setAccessibleName("Search paths")
        self.search.setPlaceholderText("Path contains…")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self._emit)
        layout.addWidget(self.search)
        # A click picks a class, a split or a choice and leaves the keyboard where it was
        # (the grid): the label key pressed next labels the selected image. Taking it, the
        # class list matched the key against its key column (2 picked the second class)
        # and the other controls swallowed it. Tab still reaches each of them.
        for control in (
            self.class_list,
            *self.split_buttons.buttons(),
            self.show_box,
            self.sort_box,
            self.add_class_button,
        ):
            control.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def _combo(self, name: str, keys: tuple[str, ...], texts: dict[str, str]) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        for key in keys:
            box.addItem(texts[key], key)
        box.currentIndexChanged.connect(lambda _: self._emit())
        return box

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    # -- state ---------------------------------------------------------------------
    def current_filter(self) -> ImageFilter:
        key = self.class_list.entry()
        button_id = self.split_buttons.checkedId()
        split = _SPLIT_CHOICES[button_id] if 0 <= button_id < len(_SPLIT_CHOICES) else None
        return ImageFilter(
            label=self.selected_class(),
            unlabeled=key == UNLABELED,
            split=split,
            search=self.search.text(),
            show=SHOW_CHOICES[max(0, self.show_box.currentIndex())],
            sort=SORT_CHOICES[max(0, self.sort_box.currentIndex())],
            paths=self._selection.paths,
            ranking=self._selection.ranking,
            selection=self._selection.selection,
            selection_name=self._selection.selection_name,
        )

    def selected_class(self) -> str | None:
        """The class picked in the class list (None: All images, Unlabeled or nothing)."""
        return self.class_list.selected_class()

    # -- selections ------------------------------------------------------------------
    @property
    def selection_active(self) -> bool:
        return bool(self._selection.selection)

    def set_selection(
        self,
        text: str,
        *,
        paths: frozenset[str] | None = None,
        ranking: tuple[int, ...] | None = None,
        name: str = "",
    ) -> None:
        """Show only ``paths`` (or ``ranking``, in its order), described by ``text``
        ("selected on the map"); ``name``: what a review's header calls them, where
        ``text`` reads oddly there. The filters go back to every image (one filter change)."""
        self._selection = ImageFilter(
            paths=paths, ranking=ranking, selection=text, selection_name=name
        )
        self._show_sort_in_use()
        self.banner.show()
        self.banner.say(text)
        self.reset(keep_selection=True)

    def clear_selection(self) -> None:
        """Drop the selection; the filters stay as they are."""
        if self.selection_active:
            self._selection = ImageFilter()
            self._show_sort_in_use()
            self.banner.hide()
            self._emit()

    def sort_by(self, sort: str) -> None:
        """Show the images in ``sort``'s order (one filter change); a similarity order
        (More like this) gives way to it, where it had kept its own whatever Sort said."""
        ranked = self._selection.ranking is not None
        if ranked:
            self._selection = ImageFilter()
            self._show_sort_in_use()
            self.banner.hide()
        if self.sort_box.currentIndex() != SORT_CHOICES.index(sort):
            self.select_sort(sort)  # (its change is the filter change)
        elif ranked:
            self._emit()

    def _show_sort_in_use(self) -> None:
        """Sort is off while the images are in a similarity order: that order is shown
        whatever Sort says, and a choice there changed nothing."""
        ranked = self._selection.ranking is not None
        self.sort_box.setEnabled(not ranked)
        self.sort_box.setToolTip(SORT_OFF_TIP if ranked else "")

    def set_selection_counts(self, shown: int, total: int) -> None:
        """Say how many images the selection holds, and whether the filters narrow it."""
        if not self.selection_active:
            return
        self.banner.say(self._selection.selection, shown, total)

    def set_expected_errors(
        self,
        expected: int | None,
        flagged: int,
        pixel_share: float = 0.0,
        where: str = "",
        scoring: bool = False,
        first: bool = False,
        unflagged: tuple[int, int] | None = None,
    ) -> None:
        """ "About N likely wrong" under the Images choice (hidden before scoring), of the
        part ``where`` names (" in test"; "": the whole project); its tooltip also says
        how the predictions were made. ``scoring``: the scores are being computed again
        (labels changed): the note says so, with the last estimate, not beside a count
        of flagged labels that the changes already emptied. ``unflagged``: (verified,
        changed since scored) of the expected labels not flagged, where known."""
        if scoring != self._rescoring:
            self._rescoring = scoring
            self._write_show_counts()
        first = first and expected is None and scoring
        self.expected_note.setVisible(expected is not None or first)
        # Once there is an estimate (or one is on its way) the link keeps its line while
        # hidden: the controls above and the class list jumped by that line a few seconds
        # after each label key (the link hides while the labels are scored again) and back
        # when scores came.
        policy = self.review_link.sizePolicy()
        policy.setRetainSizeWhenHidden(expected is not None or first)
        self.review_link.setSizePolicy(policy)
        self.review_link.setVisible(expected is not None and flagged > 0 and not scoring)
        # So do the "more flagged since" line (choosing "Likely mislabeled" shrank the class
        # list by its two lines) and the note's other wordings (fewer flagged than
        # expected; scoring again), which alternate after each label key: the class list
        # jumped by a line each time
        kept = expected is not None or first
        self.new_matches.keep_room(kept)
        self.expected_note.keep_room(expected, where, kept)
        tip = self.expected_note.say(
            expected, flagged, pixel_share, where, scoring, first=first, unflagged=unflagged
        )
        if tip is not None:
            index = SHOW_CHOICES.index("flagged")
            self.show_box.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)

    def set_scoring_step(self, step: str) -> None:
        """How far the scoring is (estimate_words.scoring_step_text), on the note's last
        line while the labels are scored; each report and each second."""
        self.expected_note.set_step(step)

    def set_show_counts(self, counts: dict[str, int]) -> None:
        """Put each choice's image count in the "Images" list."""
        self._show_counts = dict(counts)
        self._write_show_counts()

    def _write_show_counts(self) -> None:
        """The Images list's counts; while the labels are scored again, "Likely
        mislabeled (…)" above the note that says so: its count was the old one less the
        labels just changed ("237" beside "Scoring the labels again…") until new scores
        came."""
        for i, key in enumerate(SHOW_CHOICES):
            count = f"{self._show_counts.get(key, 0):,}"
            if key == "flagged" and self._rescoring:
                count = UPDATING
            self.show_box.setItemText(i, f"{SHOW_TEXT[key]} ({count})")

    def set_model_available(self, available: bool) -> None:
        """Enable the choices that need the model's scores (embeddings computed)."""
        tip = "" if available else "Compute embeddings first (Tools → Compute embeddings)"
        for box, keys in ((self.show_box, SHOW_CHOICES), (self.sort_box, SORT_CHOICES)):
            model = box.model()
            assert isinstance(model, QStandardItemModel)
            for i, key in enumerate(keys):
                item = model.item(i)
                if item is not None and key in NEEDS_MODEL:
                    item.setEnabled(available)
                    item.setToolTip(tip)

    def reset(self, keep_selection: bool = False) -> None:
        """Back to every image: all classes, all splits, no search, no selection unless
        ``keep_selection`` (one filter change)."""
        if not keep_selection:
            self._selection = ImageFilter()
            self._show_sort_in_use()
            self.banner.hide()
        widgets = (self.class_list, self.split_buttons, self.show_box, self.search)
        for widget in widgets:
            widget.blockSignals(True)
        self.select_class(None)
        self.select_split(None)
        self.show_box.setCurrentIndex(0)
        self.search.clear()
        for widget in widgets:
            widget.blockSignals(False)
        self._search_timer.stop()
        self._emit()

    def show_filter(self, wanted: ImageFilter) -> None:
        """Set the controls to ``wanted``'s class, split, images, sort and search (one
        filter change); a class no longer listed leaves every class shown."""
        widgets = (self.class_list, self.split_buttons, self.show_box, self.sort_box)
        for widget in (*widgets, self.search):
            widget.blockSignals(True)
        self.select_class(None)
        self.select_class(wanted.label, unlabeled=wanted.unlabeled)
        self.select_split(wanted.split)
        self.select_show(wanted.show)
        self.select_sort(wanted.sort)
        self.search.setText(wanted.search)
        for widget in (*widgets, self.search):
            widget.blockSignals(False)
        self._search_timer.stop()
        self._emit()

    def select_show(self, show: str) -> None:
        self.show_box.setCurrentIndex(SHOW_CHOICES.index(show))

    def select_sort(self, sort: str) -> None:
        self.sort_box.setCurrentIndex(SORT_CHOICES.index(sort))

    def set_counts(
        self,
        classes: list[str],
        counts: dict[str | None, int],
        colours: Mapping[str, int] | None = None,
    ) -> None:
        """Rebuild the class list with fresh counts, keeping the selected entry;
        ``colours``: each class's palette slot (missing: its place in the list)."""
        vanished, renamed = self.class_list.set_counts(classes, counts, colours)
        if vanished:  # the selected class vanished
            self._emit()
        elif renamed is not None:  # the same images, under the class's new name
            self.classRenamed.emit(renamed)

    def select_class(self, name: str | None, *, unlabeled: bool = False) -> None:
        """Select a class entry programmatically (tests, future 'show class' links)."""
        self.class_list.select_class(name, unlabeled=unlabeled)

    def select_split(self, split: str | None) -> None:
        button = self.split_buttons.button(_SPLIT_CHOICES.index(split))
        if button is not None:
            button.setChecked(True)

    def _split_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:  # one signal per change, not one for the button turned off too
            self._emit()

    def _emit(self) -> None:
        self.filterChanged.emit(self.current_filter())
