"""A wrapped label as tall as the longest of the texts it takes in turn.

The browser's note on wrong labels alternates between wordings of different lengths as
the model scores labels again after each change ("Scoring the labels again…", "…; 35
are flagged (not labels you verified, …)"): at 1280 × 720 one took four lines and the
other three, so the class list above it and the controls between jumped by a line a few
seconds after a label key. This label asks for the height of the longest wording it may
show at its width, whichever it shows now."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QLabel, QWidget


class SteadyLabel(QLabel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        # a shorter wording sits at the top of the room, level with its caption
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Asked its height for its width from the start: a QLabel given no text yet
        # says it has none, and the layout gave it one line (the room it keeps while
        # empty, such as the review's "Last: …" line before a first key, was lost).
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._also: tuple[str, ...] = ()

    def also_fit(self, texts: Sequence[str]) -> None:
        """Keep room for each of ``texts`` (plain text) as well as the one shown."""
        if tuple(texts) != self._also:
            self._also = tuple(texts)
            self.updateGeometry()

    def heightForWidth(self, width: int) -> int:
        own = super().heightForWidth(width)
        if not self._also:
            return own
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right() - 2 * self.margin()
        flags = int(Qt.TextFlag.TextWordWrap)
        metrics = self.fontMetrics()
        tallest = max(
            metrics.boundingRect(QRect(0, 0, max(inner, 1), 100_000), flags, text).height()
            for text in self._also
        )
        return max(own, tallest + margins.top() + margins.bottom() + 2 * self.margin())
