"""A word-wrapped, selectable message that also breaks a long path (or any long word)
to fit its width, instead of cutting it off at the right edge.

A QLabel wraps only at spaces: a message naming a long folder (the export dialog's "…
nothing was replaced: /a/long/path/out holds the earlier export, as before") showed the
path cut at the dialog's edge and nothing after it, so where the earlier export was went
unsaid. Here the words longer than :data:`LONG` get a zero-width space after each
``/``, ``\\``, ``_``, ``-`` and ``.`` (and every :data:`LONG` characters without one),
where the line may break. ``text()`` is the message as given; what a person copies
from it (Ctrl+C, the context menu, a mouse selection on Linux) loses those invisible
spaces app-wide (:func:`labeldesk.gui.word_joiner.copy_without_joiners`), so a path
pasted into a terminal or file manager is the real one."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QWidget

from labeldesk.gui.word_joiner import BREAK_HINT as BREAK

LONG = 24  # words longer than this get places to break
_WORD = re.compile(rf"\S{{{LONG + 1},}}")
_AFTER = re.compile(r"(?<=.)([/\\_.-])")  # (not after a leading "/")
_HYPHENATED = re.compile(r"(?<=-)(?!\u2060)")  # after a hyphen no word joiner holds
_RUN = re.compile(rf"[^/\\_.\-\u200b]{{{LONG}}}(?=[^/\\_.\-\u200b])")


def breakable(text: str) -> str:
    """``text`` with places to break in each word longer than :data:`LONG`."""
    return _WORD.sub(lambda word: _spaced(word[0]), text)


def _spaced(word: str) -> str:
    broken = _AFTER.sub(lambda m: m[1] + BREAK, word)
    return _RUN.sub(lambda m: m[0] + BREAK, broken)


def breakable_within(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` with places to break (as :func:`breakable` puts them) in each word wider
    than ``width`` pixels in ``metrics``' font, whatever its length: beside the review's
    image a class or model name of underscores ("…_canvas_training_shoe") in a 14 pt line
    of 200 px was cut at the panel's edge, 18 characters being too long there already."""

    def fitted(word: re.Match[str]) -> str:
        # a line already breaks after a hyphen: a word whose pieces fit is left as it is
        pieces = _HYPHENATED.split(word[0])
        wide = any(metrics.horizontalAdvance(piece) > width for piece in pieces)
        return _spaced(word[0]) if wide else word[0]

    return re.sub(r"\S+", fitted, text)


class WrappedMessage(QLabel):
    """A word-wrapped message a person can select and copy (:func:`breakable`)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._text = ""
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def setText(self, text: str) -> None:
        self._text = text
        super().setText(breakable(text))

    def text(self) -> str:
        """The message as given (without the places to break)."""
        return self._text

    def clear(self) -> None:
        self.setText("")
