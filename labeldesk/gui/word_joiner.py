"""Class names kept whole where running text wraps: "t-shirt_top" broke at its hyphen
("… label t-" / "shirt_top looks wrong"). An invisible word joiner after each hyphen
keeps the name on one line, draws nothing, and is taken out of text copied to the
clipboard, so a copied name is the name as typed."""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtGui import QClipboard, QFontMetrics, QGuiApplication

WORD_JOINER = "\u2060"  # no line break on either side, nothing drawn
BREAK_HINT = "\u200b"  # zero-width space: a place a long word may break (gui/wrapped_message)
_INVISIBLE = re.compile(f"[{WORD_JOINER}{BREAK_HINT}]")


def unbroken_names(text: str) -> str:
    """``text`` with a word joiner after each hyphen: a hyphenated name wraps as one word."""
    return text.replace("-", "-" + WORD_JOINER)


def unbroken_names_within(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` with each hyphenated word kept whole (:func:`unbroken_names`) where it fits
    on a line ``width`` pixels wide in ``metrics``' font, and left to wrap at its hyphens
    where it does not: a name longer than the line ("coat-with-long-sleeves-and-buttons"
    beside the review's image) was cut off at the edge, unreadable."""

    def joined(match: re.Match[str]) -> str:
        word = match.group(0)
        return unbroken_names(word) if metrics.horizontalAdvance(word) <= width else word

    return re.sub(r"\S*-\S*", joined, text)


def unbroken_names_in(text: str, names: Iterable[str]) -> str:
    """``text`` with each of ``names`` standing on its own kept whole (a word joiner after
    its hyphens), and nothing else changed: a path in the same text ("train/t-shirt_top/
    a-b.png") still wraps where it always did. For a line that mixes class names and paths,
    such as the review's "Last: … → t-shirt_top"."""
    for name in names:
        if "-" in name:
            alone = rf"(?<![\w/.\-]){re.escape(name)}(?![\w/.\-])"
            text = re.sub(alone, unbroken_names(name).replace("\\", "\\\\"), text)
    return text


def copy_without_joiners(app: QGuiApplication) -> None:
    """Text copied from the app (Ctrl+C, Copy, or a mouse selection on Linux) loses the
    joiners :func:`unbroken_names` put in, and the places to break a long path
    (:data:`BREAK_HINT`): pasted into a search, a class name or a terminal, it is the
    name or path as typed."""
    clipboard = app.clipboard()

    def clean(mode: QClipboard.Mode) -> None:
        selection = mode == QClipboard.Mode.Selection
        if not (clipboard.ownsSelection() if selection else clipboard.ownsClipboard()):
            return  # another program's copy: not read (on X11 a read asks that program)
        text = clipboard.text(mode)
        if _INVISIBLE.search(text):  # setting the clean text signals again, with none in it
            clipboard.setText(_INVISIBLE.sub("", text), mode)

    clipboard.dataChanged.connect(lambda: clean(QClipboard.Mode.Clipboard))
    clipboard.selectionChanged.connect(lambda: clean(QClipboard.Mode.Selection))
