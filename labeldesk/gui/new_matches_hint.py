"""The sidebar's line when the "Likely mislabeled" list on screen is out of date.

The grid keeps the rows it had while the model rescores (tiles must not move under the
person's eyes), so after a rescoring the Images count can say 25 while the grid shows
23. This line says so ("2 more flagged since this list was shown") with a link, and a
key (:data:`~labeldesk.gui.shortcuts.NEW_MATCHES_KEYS`), that shows the new list. It
speaks too when a rescoring only took images off the list ("3 no longer flagged since
this list was shown"): the count beside the choice then falls below the grid's.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from labeldesk.gui import shortcuts


def new_matches_text(count: int, gone: int = 0) -> str:
    """ "2 more flagged since this list was shown", or with ``gone`` of those shown
    flagged no longer, "2 more flagged since (4 no longer)", or with none more, "4 no
    longer flagged since this list was shown" (two lines in the sidebar each way: its
    room is kept, see :meth:`NewMatchesHint.keep_room`)."""
    if count and gone:
        return f"{count:,} more flagged since ({gone:,} no longer)"
    if gone:
        return f"{gone:,} no longer flagged since this list was shown"
    return f"{count:,} more flagged since this list was shown"


def link_text(count: int) -> str:
    """The link's words: new images to show, or only a shorter list."""
    return "show them" if count else "show the list now"


class NewMatchesHint(QLabel):
    """One line under the Images choice, hidden while the grid's list is current."""

    applyRequested = Signal()  # its link: show the new list

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("newMatches")
        self.setWordWrap(True)
        self.linkActivated.connect(lambda _: self.applyRequested.emit())
        self.setToolTip(
            "The grid keeps its images while the model rescores, so nothing moves under "
            "you; this shows the current list (the image you are on stays selected)."
        )
        self.count = 0  # images flagged since the list was shown
        self.gone = 0  # of those shown, flagged no longer (nobody edited them)
        self._words(2)  # hidden, its line kept at about its size (see keep_room)
        self.hide()

    def keep_room(self, keep: bool) -> None:
        """Keep this line's room while hidden (once the model flags images): the
        controls above then stay put when it appears after a rescoring, not jump under
        the pointer, and the class list keeps its size when "Likely mislabeled" is
        chosen."""
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(keep)
        self.setSizePolicy(policy)

    @property
    def pending(self) -> bool:
        """The list on screen is out of date: the line shows, its link and key work."""
        return bool(self.count or self.gone)

    def _words(self, count: int, gone: int = 0) -> None:
        key = shortcuts._text(shortcuts.NEW_MATCHES_KEYS)
        words, link = new_matches_text(count, gone), link_text(count)
        self.setText(f"{words}: <a href='show'>{link}</a> ({key})")
        self.setAccessibleName(f"{words}: {link}")

    def say(self, count: int, gone: int = 0) -> None:
        """``count`` images the filter takes now that the grid lacks, ``gone`` of those it
        shows that it takes no longer (both 0: hide). The caller leaves out of ``gone``
        the images a person edited: those the person fixed leave the list without a word
        (see :meth:`~labeldesk.gui.image_model.ImageListModel.list_changes`)."""
        self.count, self.gone = max(0, count), max(0, gone)
        if not self.pending:
            self.hide()
            return
        self._words(self.count, self.gone)
        self.show()
