"""Entry point for ``labeldesk gui``: build the QApplication and the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from labeldesk.gui import focus_return, gc_on_gui_thread, settings
from labeldesk.gui.icons import app_icon
from labeldesk.gui.main_window import MainWindow
from labeldesk.gui.theme import apply_theme, current_theme
from labeldesk.gui.threads import reserve_a_core
from labeldesk.gui.word_joiner import copy_without_joiners
from labeldesk.gui.workers import relax_gc

log = logging.getLogger(__name__)

DESKTOP_ID = "org.labeldesk.LabelDesk"  # resources/org.labeldesk.LabelDesk.desktop


def create_application(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication (reused when one exists, e.g. under pytest-qt)."""
    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication(argv if argv is not None else sys.argv[:1])
    )
    app.setApplicationName(settings.APPLICATION)
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationDisplayName("LabelDesk")
    # The menu entry's name: on Wayland the window's app id, by which the dock and the
    # task switcher give the window the entry's icon and group it with the launcher (on
    # X11 the entry's StartupWMClass matches the window class, LabelDesk, already).
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(app_icon())
    apply_theme(app, current_theme())  # the desktop's, until one is picked
    copy_without_joiners(app)  # a class name copied from a label is the name as typed
    relax_gc()  # opening a 100k project allocates enough to set off full collections
    gc_on_gui_thread.install()  # a job's thread never frees Qt objects in a collection
    reserve_a_core()  # background fits leave the GUI thread a core
    return app


def create_main_window(project: Path | None = None) -> MainWindow:
    """A shown-ready main window with ``project`` (or the last one) open."""
    window = MainWindow()
    window.open_initial(project)
    return window


def run(project: Path | None = None) -> int:
    """Run the desktop app until the last window closes; return the exit code."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_application()
    focus_return.install(app)  # where no window manager gives the keyboard back
    window = create_main_window(Path(project).expanduser() if project is not None else None)
    window.show()
    return int(app.exec())
