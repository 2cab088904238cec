"""A class name under a small tile, on two lines where one is too narrow: the browser's
neighbours (70 px a tile) showed "ankle_b…" for ankle_boot, and a longer name was cut
the same way under the review's neighbours (96 px). The name breaks after an
underscore, a hyphen or a space ("ankle_" / "boot"), and only a name too long for two
lines still ends in "…" (its tile's tooltip names it whole)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

MOST_LINES = 2
_PIECES = re.compile(r"[^_\- ]*[_\- ]|[^_\- ]+")  # each piece ends where a break may come


def caption_lines(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """``text`` in at most :data:`MOST_LINES` lines, each at most ``width`` pixels wide in
    ``metrics``' font: broken after ``_``, ``-`` or a space (mid-word where a piece alone is
    wider), the last line cut with "…" where the rest does not fit."""
    if not text or metrics.horizontalAdvance(text) <= width:
        return [text]
    lines: list[str] = []
    rest = text
    while rest and len(lines) < MOST_LINES - 1:
        line = ""
        for piece in _PIECES.findall(rest):
            if line and metrics.horizontalAdvance((line + piece).rstrip()) > width:
                break
            line += piece
        if metrics.horizontalAdvance(line.rstrip()) > width:  # one piece too wide alone
            line = _fitting_start(line, metrics, width)
        lines.append(line.rstrip())
        rest = rest[len(line) :].lstrip()
    if rest:
        lines.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
    return lines


def _fitting_start(text: str, metrics: QFontMetrics, width: int) -> str:
    """The longest start of ``text`` (one character at least) ``width`` pixels wide."""
    end = len(text)
    while end > 1 and metrics.horizontalAdvance(text[:end]) > width:
        end -= 1
    return text[:end]


def lines_needed(names: Iterable[str], metrics: QFontMetrics, width: int) -> int:
    """The most lines any of ``names`` takes under a tile ``width`` pixels wide: the
    room every caption keeps, so tiles stay in line and rows keep their height."""
    return max((len(caption_lines(n, metrics, width)) for n in names), default=1)
