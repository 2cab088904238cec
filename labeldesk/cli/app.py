"""The ``gui`` command: open the desktop app."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.cli._base import OptionsError, Output, path_arg
from labeldesk.core.errors import LabelDeskError

if TYPE_CHECKING:
    from labeldesk.core.project import Project


class AppCannotStart(LabelDeskError):
    """What the app needs is missing (a Qt library, a display): said before Qt loads."""


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("gui", "open the desktop app")
    p.add_argument("project", type=path_arg, nargs="?", help="project folder to open")
    p.add_argument(
        "--smoke",
        action="store_true",
        help="open the main window, print one line about it and quit (checks an installation; "
        "with --json, one document)",
    )
    p.set_defaults(handler=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int | Output:
    from labeldesk.cli.app_log import has_terminal, note, start_log
    from labeldesk.cli.first_run import problems

    if args.json and not args.smoke:  # the app itself prints nothing to read
        raise OptionsError("--json goes with --smoke")
    if not args.smoke and not has_terminal():  # the menu entry's start: nobody sees stderr
        start_log()
    found = problems()  # before PySide6 loads: Qt's own failure is an abort, not a message
    if found and args.json:  # (a script checking an installation: one error document)
        raise AppCannotStart("\n\n".join(found))
    if found:
        print("\n\n".join(found), file=sys.stderr)
        note("\n\n".join(found))
        tell_the_desktop("\n\n".join(found))
        return 1
    from labeldesk.gui.threads import reserve_a_core

    reserve_a_core()  # before NumPy and friends load, so they read the thread caps
    from labeldesk.gui import preload

    preload.start()  # pandas on a second thread while Qt loads
    if args.smoke:
        return _smoke(args.project)
    from labeldesk.cli.app_log import route_qt_messages
    from labeldesk.gui.app import run

    route_qt_messages()  # (where a log was started)
    return run(args.project)


def tell_the_desktop(message: str) -> None:
    """Started from the applications menu, nobody reads stderr: a click on the menu entry
    ended in silence. With no terminal at all the same words go to a desktop notification
    (where ``notify-send`` exists; Qt, which failed to start, cannot show a dialog)."""
    import contextlib
    import shutil
    import subprocess

    from labeldesk.cli.app_log import has_terminal

    if has_terminal():  # (a menu entry's streams are none of them a terminal)
        return  # a terminal (a script's output captured in one too): it read stderr
    notify = shutil.which("notify-send")
    if notify is None:
        return
    command = [notify, "--app-name=LabelDesk", "--icon=labeldesk", "LabelDesk cannot start"]
    # no notification service: stderr has it, as before
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run([*command, message], capture_output=True, timeout=10, check=False)


def _smoke(project: Path | None) -> Output:
    """Start the app as ``run`` does, let the window paint for a moment, report and quit.
    With ``project``, it also reports whether that project opened (path, image count): an
    installation check on a project must fail when the project did not open."""
    with _settings_read_not_written():
        return _smoke_run(project)


@contextlib.contextmanager
def _settings_read_not_written() -> Iterator[None]:
    """The app's settings as the person has them (their last project, theme, keys), in a
    copy that the run may write: closing the smoke's window saved its offscreen size over
    their window's, and its project first in their recent list."""
    import shutil
    import tempfile

    from PySide6.QtCore import QSettings

    from labeldesk.gui import settings

    theirs = Path(settings.settings().fileName())  # BASE/<organization>/<application>.ini
    base = theirs.parent.parent
    with tempfile.TemporaryDirectory(prefix="labeldesk-smoke-") as scratch:
        copy = Path(scratch) / theirs.relative_to(base)
        copy.parent.mkdir(parents=True)
        if theirs.is_file():
            # unreadable: the smoke starts from the defaults, as the app would (QSettings
            # reads nothing from a file it cannot open)
            with contextlib.suppress(OSError):
                shutil.copyfile(theirs, copy)
        ini, user = QSettings.Format.IniFormat, QSettings.Scope.UserScope
        QSettings.setPath(ini, user, scratch)
        try:
            yield
        finally:
            QSettings.setPath(ini, user, str(base))


def _smoke_run(project: Path | None) -> Output:
    from PySide6.QtCore import QTimer

    from labeldesk.gui.app import create_application, create_main_window

    app = create_application()
    wanted = Path(project).expanduser() if project is not None else None
    window = create_main_window(wanted)
    why_not = window.statusBar().currentMessage()  # the reason, when it did not open
    window.show()
    seen: list[bool] = []
    opened: list[tuple[Path, int] | None] = [_opened(window.project, wanted)]

    def check() -> None:
        seen.append(window.isVisible())
        opened.append(_opened(window.project, wanted))  # before quit() closes the window
        app.quit()

    QTimer.singleShot(1500, check)
    app.exec()
    shown = bool(seen) and seen[0]
    data = {
        "ok": shown,
        "platform": app.platformName(),
        "window": window.windowTitle(),
        "width": window.width(),
        "height": window.height(),
        "visible": shown,
        "project": None if wanted is None else str(wanted),
        "opened": None if wanted is None else opened[-1] is not None,
        "images": None,
        "why_not": None,
    }
    done = opened[-1]
    if wanted is not None and done is None:
        data.update(ok=False, why_not=why_not or "no reason given")
        window.close()
        text = f"gui: project {wanted} did not open: {why_not or 'no reason given'}"
        return Output(data, text, code=1)
    about = ""
    if done is not None:
        data["images"] = done[1]
        about = f", project {done[0]} ({done[1]:,} images)"
    text = (
        f"gui ok: platform {data['platform']}, window {data['window']!r}, "
        f"{data['width']}x{data['height']}, visible {shown}{about}"
    )
    window.close()
    return Output(data, text, code=0 if shown else 1)


def _opened(project: Project | None, wanted: Path | None) -> tuple[Path, int] | None:
    """The path and image count of ``project`` when it is the project ``wanted``, else
    None."""
    if project is None or wanted is None or project.path.resolve() != wanted.resolve():
        return None
    return project.path, project.stats()["images"]
