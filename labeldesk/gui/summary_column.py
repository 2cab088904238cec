"""The Statistics page's summary column: values whose links Tab reaches (the counts that
open the likely mislabels and the duplicate groups), in titled boxes, and the splitter
that gives the column the width its longest values need on one line, the chart the rest.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFocusEvent, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QScrollArea, QSplitter

from labeldesk.gui.history_table import NONE

# The longest values the summary shows on one line where the window allows (the side
# column is made this wide, up to SIDE_SHARE of the page, so they need not wrap).
LONGEST_VALUES = ("about 99,999 · review them", "28×28 … 64×64 px")
SIDE_SHARE = 0.4


def link(key: str, text: str) -> str:
    """Rich text that emits ``key`` through ``linkActivated`` when clicked."""
    return f"<a href='{key}'>{text}</a>"


class LinkLabel(QLabel):
    """A summary value whose link Tab lands on: a label with keyboard links took one Tab
    for itself and a second one for its link; one without a link is passed over."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        reason = event.reason()
        if reason in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            self.focusNextPrevChild(reason == Qt.FocusReason.TabFocusReason)


class SideSplitter(QSplitter):
    """The chart (left) and the summary column (right): the column gets the width its
    longest values need on one line, up to SIDE_SHARE of the page, and the chart the
    rest. At a quarter of 1280 px "3  ⚠ same image in several splits" wrapped onto three
    lines and the "Dataset" box scrolled. A handle dragged by hand is left where it is."""

    def __init__(self, side_width: int):
        super().__init__(Qt.Orientation.Horizontal)
        self.side_width = side_width
        self.moved_by_hand = False
        self.splitterMoved.connect(self._moved)

    def _moved(self, *_: object) -> None:
        self.moved_by_hand = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self.moved_by_hand and self.count() == 2:
            total = sum(self.sizes()) or self.width()
            side = min(self.side_width, max(int(total * SIDE_SHARE), 1))
            self.setSizes([total - side, side])


def side_width(metrics: QFontMetrics, box: QGroupBox, scroll: QScrollArea) -> int:
    """The width at which the summary's longest values fit on one line (the labels'
    column, the values', the box's margins and room for a scrollbar)."""
    form = box.layout()
    assert isinstance(form, QFormLayout)
    names = [form.itemAt(row, QFormLayout.ItemRole.LabelRole) for row in range(form.rowCount())]
    widgets = [item.widget() for item in names if item is not None]
    labels = max(metrics.horizontalAdvance(w.text()) for w in widgets if isinstance(w, QLabel))
    values = max(metrics.horizontalAdvance(text) for text in LONGEST_VALUES)
    margins = form.contentsMargins()
    frame = box.sizeHint().width() - form.sizeHint().width()  # the group box's own
    return (
        labels
        + max(form.horizontalSpacing(), 0)
        + values
        + margins.left()
        + margins.right()
        + max(frame, 0)
        + scroll.verticalScrollBar().sizeHint().width()
        + 8  # the label's own margins, rounding
    )


def form_box(title: str, values: dict[str, QLabel], *rows: tuple[str, str]) -> QGroupBox:
    """A box of named values, each a :class:`LinkLabel` put in ``values`` under its key."""
    box = QGroupBox(title)
    form = QFormLayout(box)
    for key, text in rows:
        value = LinkLabel(NONE)
        value.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        value.setWordWrap(True)
        form.addRow(text, value)
        values[key] = value
    return box
