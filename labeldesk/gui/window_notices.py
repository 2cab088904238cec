"""What the main window tells the person: a line in the status bar, a notice for an
expected failure (one for one full disk), and why a project was opened read-only.

:class:`NoticesWindow` is the main window's base for the feedback part of
:class:`~labeldesk.gui.shell.Shell` (``show_message``, ``notify_error``); the window
(:mod:`labeldesk.gui.main_window`) holds the session and the full-disk notice it reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMainWindow

from labeldesk.core.display import sentence_start
from labeldesk.core.failures import says_disk_full
from labeldesk.core.read_only_db import (
    READ_ONLY_ADVICE,
    DamagedReason,
    NotCheckedReason,
    read_only_advice,
)
from labeldesk.gui.app_words import in_app_words
from labeldesk.gui.dialogs import show_error
from labeldesk.gui.full_disk import FullDiskNotice, disk_named, full_disk_in
from labeldesk.gui.session import ProjectSession

log = logging.getLogger("labeldesk.gui.main_window")  # (the app log's name for these lines)

MESSAGE_MS = 6000

READ_ONLY_NOTE = (
    "its folder cannot be written (a read-only disk, share or folder), so you can browse, "
    f"look and export, but not label or change it; {READ_ONLY_ADVICE}"
)


def read_only_note(reason: str) -> str:
    """Why the project was opened read-only and what to do, for the notice on opening
    and the counts line's tooltip (what to do in the review banner's words). For a
    damaged database in paragraphs: why (the status bar's line), what still works, what
    to do; it was one run-on sentence of some 600 characters naming the folder twice."""
    if isinstance(reason, NotCheckedReason):  # not known to be damaged: no repair
        return (
            f"{reason}.\n\nYou can browse, look and export, but not label or change it. "
            f"What to do: {read_only_advice(reason)}."
        )
    if isinstance(reason, DamagedReason):  # nothing may write to it until it is repaired
        return (
            f"{reason}.\n\nYou can browse, look and export, but not label or change it "
            f"until it is repaired.\n\nTo repair it, {read_only_advice(reason)}."
        )
    return READ_ONLY_NOTE


class NoticesWindow(QMainWindow):
    """A main window's status line and notices, for the project of ``session``."""

    session: ProjectSession | None
    full_disk: FullDiskNotice  # one notice for one full disk

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(self._in_app_words(text), MESSAGE_MS)

    def notify_error(
        self, message: str, dialog: bool = True, fix: tuple[str, Callable[[], object]] | None = None
    ) -> None:
        """An expected failure: one line in the status bar and, usually, one notice
        (with a button that does what it asks, given ``fix``: its words and command).
        ``message`` may carry the disk its failure found full (a
        :class:`~labeldesk.gui.full_disk.FailureText`): the one the notice watches."""
        raw = message  # (with the disk it carries)
        message = sentence_start(self._in_app_words(message))  # "Cannot …", not "cannot …"
        log.info("error shown to user: %s", message)
        self.statusBar().showMessage(message.splitlines()[0], MESSAGE_MS * 2)
        if self.session is not None and self.session.check_damage():
            dialog = False  # the damage met: the read-only reopen's notice says it all
        full = says_disk_full(message) or full_disk_in(raw) is not None
        project = self._project_folder()
        folder = disk_named(raw, project) if full else project  # the disk that was full
        if full and self.full_disk.told(folder):
            # One full disk, one notice: the jobs that follow a failed one (the model's
            # scores after an embedding kept its finished batches) meet it too
            dialog = False
        if dialog:
            box = show_error(self, message) if fix is None else show_error(self, message, fix=fix)
            if full:
                self.full_disk.shown(box, folder)

    def _in_app_words(self, text: str) -> str:
        """What a page, a job or the core says, with the commands it suggests as the
        app's menus (the open project's folder in any other)."""
        return in_app_words(text, self._project_folder())

    def _project_folder(self) -> Path | None:
        return None if self.session is None else self.session.project.path
