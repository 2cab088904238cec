"""The review's side panel: the path, the given label, what the model thinks, the label
fit (or the place in the queue) and the keys, for the image under review."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from labeldesk.core.display import SCORE_MEANING, model_opinion
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.review_words import decided_opinion, fit_text
from labeldesk.gui.steady_label import SteadyLabel
from labeldesk.gui.word_joiner import unbroken_names_within
from labeldesk.gui.wrapped_message import breakable_within

if TYPE_CHECKING:
    from labeldesk.browse.review_session import ReviewItem

WIDTH = 320


class ReviewInfo(QWidget):
    """What is known of the image under review, beside it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        # a long class name wraps at its hyphens: its room is kept for the longest names
        # of the project, so the lines under it stay put from one image to the next
        self.given_label = SteadyLabel()
        # the one "what the model thinks" line, its room kept for its longest wording in
        # the pass: "probably t-shirt_top (81%) — label trouser looks wrong" took a line
        # more than "perhaps shirt (46%) — label coat looks wrong", and the lines under it
        # moved by that line from one image to the next
        self.suggested_label = SteadyLabel()
        # "12% for shirt — scored before your decision" (back on a decided image) took a
        # line more than "12%": its room is kept in a pass of likely mislabels
        self.score_label = SteadyLabel()
        for label in (self.given_label, self.suggested_label):
            label.setStyleSheet("font-size: 14pt;")
        # Over a decided image (coming back to it): what the key did, as a badge, in the
        # room the "Last: …" line keeps (that line says nothing there). At the top of the
        # panel it pushed the path, the labels and the key hint down by its height on ←.
        self.decision_label = QLabel()
        self.decision_label.setObjectName("reviewDecision")
        self.decision_label.setWordWrap(True)
        self.decision_label.setStyleSheet(
            "#reviewDecision { background: palette(highlight); color: palette(highlighted-text);"
            " border-radius: 4px; padding: 4px 6px; font-weight: bold; }"
        )
        policy = self.decision_label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # in the layout either way: the same spacing
        self.decision_label.setSizePolicy(policy)
        self.decision_label.hide()
        # the decision the last key made (the view moved on): its room is kept while it
        # says nothing, so the key hint under it stays put as it comes and goes
        self.last_label = SteadyLabel()
        # the keys line, its room kept for the longest Enter wording of the pass ("Enter
        # accept t-shirt_top" took a line more than "Enter accept coat")
        self.hint = SteadyLabel()
        self.hint.setStyleSheet("color: palette(placeholder-text);")  # mid: unreadable when dark
        info = QGridLayout(self)
        info.addWidget(self.path_label, 1, 0, 1, 2)
        given_caption = QLabel("Given label:")
        given_caption.setContentsMargins(0, 6, 0, 0)  # level with line 1 of a wrapped name
        info.addWidget(given_caption, 2, 0, Qt.AlignmentFlag.AlignTop)
        info.addWidget(self.given_label, 2, 1)
        # the label fit (or the place in the queue) under the given label, the model line
        # under it: the room that line keeps for its longest wording is then one gap with
        # the Last line's, over the key hint (between the two lines it read as a hole)
        self.score_caption = QLabel()
        info.addWidget(self.score_caption, 3, 0, Qt.AlignmentFlag.AlignTop)
        info.addWidget(self.score_label, 3, 1)
        self.suggested_caption = QLabel()
        self.suggested_caption.setContentsMargins(0, 6, 0, 0)  # level with a wrapped line 1
        info.addWidget(self.suggested_caption, 4, 0, Qt.AlignmentFlag.AlignTop)
        info.addWidget(self.suggested_label, 4, 1)
        info.addWidget(self.last_label, 5, 0, 1, 2)
        info.addWidget(self.decision_label, 5, 0, 1, 2, Qt.AlignmentFlag.AlignTop)
        info.addWidget(self.hint, 6, 0, 1, 2)
        info.setRowStretch(7, 1)
        # the values' column takes the room the captions leave: shared out, the column
        # moved sideways from one image to the next (with the lines under it)
        info.setColumnStretch(1, 1)
        self.setFixedWidth(WIDTH)

    def add_footer(self, widget: QWidget) -> None:
        """Put ``widget`` at the bottom of the panel (the queue's refresh setting: in the
        title row it made the page ask 830 px of width)."""
        layout = self.layout()
        if isinstance(layout, QGridLayout):
            layout.addWidget(widget, 8, 0, 1, 2)

    def clear(self) -> None:
        for label in (self.path_label, self.given_label, self.suggested_label):
            label.clear()
        self.score_label.clear()
        self.hint.clear()
        self.show_decision("")
        self.show_last("")

    def show_item(
        self, item: ReviewItem, *, place: str | None, hint: str, decided: str = ""
    ) -> None:
        """Show ``item``; ``place``: its place in the queue (None: a mislabel review,
        which shows the label fit instead); ``hint``: the keys line; ``decided``: what
        this pass decided on it, in words ("" when undecided)."""
        self.show_decision(decided)
        self.path_label.setText(item.path)
        self.given_label.setText(self._kept_whole(item.label or NO_LABEL, self.given_label))
        self.suggested_caption.setText("Model:")
        if place is not None:  # the queue's guess, never a verdict on a label: as it was
            opinion = model_opinion(item.suggested, item.confidence)
        elif decided:  # the scores predate the person's decision: no verdict on it
            opinion = decided_opinion(item.suggested, item.confidence, item.label)
        else:
            opinion = model_opinion(item.suggested, item.confidence, item.label, flagged=True)
        # "label t-shirt_top looks wrong" wraps at no hyphen
        opinion = opinion.removeprefix("Model: ")
        self.suggested_label.setText(self._kept_whole(opinion, self.suggested_label))
        if place is None:
            self.score_caption.setText("Label fit:")
            fit = fit_text(item.score, item.scored_label, item.label, decided=bool(decided))
            self.score_label.setText(self._kept_whole(fit, self.score_label))
            self.score_label.setToolTip(SCORE_MEANING)
        else:  # a strategy's score has no unit a person could read: say the place
            self.show_place(place)
        self.hint.setText(self._fitted(hint, self.hint))

    def value_width(self) -> int:
        """The width of the column the values wrap in, beside "Given label:" and the
        other captions (the panel's width is fixed: known before the first layout)."""
        layout = self.layout()
        if not isinstance(layout, QGridLayout):
            return WIDTH
        margins = layout.contentsMargins()
        captions = ("Given label:", "Model:", "Label fit:", "In the queue:")
        widest = max(self.fontMetrics().horizontalAdvance(c) for c in captions)
        spacing = max(layout.horizontalSpacing(), 0)
        return WIDTH - margins.left() - margins.right() - widest - spacing

    def _kept_whole(self, text: str, label: QLabel) -> str:
        """``text`` for ``label``: each hyphenated class name kept on one line where it
        fits the column, wrapped at its hyphens where it is longer than the column (it
        was cut off at the panel's edge), and any other word wider than the column (a
        name of underscores) wrapped after its ``_``, ``-``, ``/`` or ``.``."""
        metrics, width = label.fontMetrics(), self.value_width()
        return breakable_within(unbroken_names_within(text, metrics, width), metrics, width)

    def _fitted(self, text: str, label: QLabel) -> str:
        """``text`` for a line as wide as the panel (the keys line, the Last line): a word
        wider than the panel ("8 sneaker_low_top_canvas_training_shoe…") wraps after its
        ``_``, ``-``, ``/`` or ``.`` instead of being cut at the panel's edge."""
        return breakable_within(text, label.fontMetrics(), self.line_width())

    def line_width(self) -> int:
        """The width of the lines that span the panel (the keys line, the Last line)."""
        layout = self.layout()
        if not isinstance(layout, QGridLayout):
            return WIDTH
        margins = layout.contentsMargins()
        return WIDTH - margins.left() - margins.right()

    def show_decision(self, text: str) -> None:
        """The badge over a decided image; hidden over an undecided one."""
        self.decision_label.setText(self._fitted(text, self.decision_label))
        self.decision_label.setVisible(bool(text))

    def show_last(self, text: str) -> None:
        """The decision the last key made, under the image it moved on to ("" when there
        is none: its room stays, see :meth:`keep_room_for_last`)."""
        self.last_label.setText(self._fitted(text, self.last_label))

    def keep_room_for_last(self, texts: Sequence[str]) -> None:
        """Keep the room the "Last: …" line takes for the longest of ``texts`` (see
        :func:`~labeldesk.gui.review_words.last_decision_room`), shown or not: it came
        and went with the keys, and the key hint under it moved a line each time."""
        self.last_label.also_fit([self._fitted(t, self.last_label) for t in texts])

    def keep_room_for_decision(self, texts: Sequence[str]) -> None:
        """Keep the room the decided badge takes for the longest of ``texts`` (each
        wording :func:`~labeldesk.gui.review_words.decision_text` may give in the pass)
        in the row it shares with the "Last: …" line, so the key hint under it stays put
        on an image decided or not."""
        layout = self.layout()
        if not isinstance(layout, QGridLayout):
            return
        margins = layout.contentsMargins()
        width = WIDTH - margins.left() - margins.right()
        shown = self.decision_label.text()
        tallest = 0
        for text in texts:
            self.decision_label.setText(self._fitted(text, self.decision_label))
            tallest = max(tallest, self.decision_label.heightForWidth(width))
        self.decision_label.setText(shown)
        # the Last line is as tall at least (a row's minimum height is not heeded where
        # its height follows its width)
        self.last_label.setMinimumHeight(tallest)

    def keep_room_for_given(self, classes: Sequence[str]) -> None:
        """Keep the given label's room for the longest of ``classes``."""
        longest = sorted(classes, key=len, reverse=True)[:3]
        self.given_label.also_fit([self._kept_whole(c, self.given_label) for c in longest])

    def keep_room_for_opinion(self, texts: Sequence[str]) -> None:
        """Keep the model line's room for the longest of ``texts`` (see
        :func:`~labeldesk.gui.review_words.opinion_room`), class names kept whole as on
        screen."""
        self.suggested_label.also_fit([self._kept_whole(t, self.suggested_label) for t in texts])

    def keep_room_for_fit(self, texts: Sequence[str]) -> None:
        """Keep the label fit's room for the longest of ``texts`` (see
        :func:`~labeldesk.gui.review_words.fit_room`; none in the queue, where the line
        says the image's place)."""
        self.score_label.also_fit([self._kept_whole(t, self.score_label) for t in texts])

    def keep_room_for_hint(self, texts: Sequence[str]) -> None:
        """Keep the key hint's room for the longest of ``texts`` (its wording for each
        class Enter may name): it grew and shrank a line from one image to the next."""
        self.hint.also_fit([self._fitted(t, self.hint) for t in texts])

    def show_place(self, place: str) -> None:
        """Say where the image stands in the queue ("11 of 36"): also when the queue
        changed around it (a background refresh, a rescan) and the image stayed."""
        self.score_caption.setText("In the queue:")
        self.score_label.setText(f"{place}, most useful first")
        self.score_label.setToolTip("")
