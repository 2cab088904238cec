"""``labeldesk gui`` started with no terminal (as the applications menu starts it) writes
what goes wrong to a log file README names, as well as to the stderr nobody reads there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labeldesk.cli.app_log import FILE_NAME, log_folder


def run_without_terminal(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # no terminal on any stream, as for a menu entry
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="the checks run on Linux only")
def test_the_reason_the_app_cannot_start_is_in_the_log(tmp_path: Path) -> None:
    """Where no notification service runs, the menu's click ended in silence: the reason
    went only to stderr. Now it is in the log too, as is the previous run's log (.1)."""
    logs = tmp_path / "logs"
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(DISPLAY=":987", LABELDESK_LOG_DIR=str(logs), PATH="/usr/bin:/bin")
    code = "import sys; from labeldesk.cli import main; sys.exit(main(['gui']))"
    first = run_without_terminal(code, env)
    assert first.returncode == 1
    assert first.stderr.strip()  # stderr as before
    text = (logs / FILE_NAME).read_text()
    assert "LabelDesk" in text.splitlines()[0] and " started: " in text.splitlines()[0]
    assert first.stderr.strip() in text
    second = run_without_terminal(code, env)
    assert second.returncode == 1
    assert (logs / (FILE_NAME + ".1")).read_text() == text  # the run before, kept once
    assert not (logs / (FILE_NAME + ".2")).exists()


def test_an_error_in_the_running_app_is_in_the_log(tmp_path: Path) -> None:
    """A traceback from a slot of the running window (PySide reports it and goes on)
    reached only stderr; now the log file has it, and stderr still does."""
    logs = tmp_path / "logs"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LABELDESK_LOG_DIR": str(logs)}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # the window's settings
    code = """
import sys
from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication
from labeldesk.gui import app

def create_main_window(project, _real=app.create_main_window):
    window = _real(project)
    def broken_button():
        qWarning("a warning of Qt's")
        raise RuntimeError("a button that fails")
    QTimer.singleShot(300, broken_button)
    QTimer.singleShot(900, QApplication.quit)
    return window

app.create_main_window = create_main_window
from labeldesk.cli import main
sys.exit(main(["gui"]))
"""
    done = run_without_terminal(code, env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RuntimeError: a button that fails" in done.stderr
    text = (logs / FILE_NAME).read_text()
    assert "uncaught exception:" in text and "RuntimeError: a button that fails" in text
    assert "in broken_button" in text  # the traceback, not only the message
    assert "Qt warning: a warning of Qt's" in text and "a warning of Qt's" in done.stderr


def test_in_a_terminal_no_log_is_written(tmp_path: Path) -> None:
    """A terminal shows stderr: no file (run here through `script`, a real terminal)."""
    if not Path("/usr/bin/script").exists():
        pytest.skip("needs util-linux's script for a terminal")
    logs = tmp_path / "logs"
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(DISPLAY=":987", LABELDESK_LOG_DIR=str(logs))
    code = 'import sys; from labeldesk.cli import main; sys.exit(main(["gui"]))'
    command = f"{sys.executable} -c '{code}'"
    subprocess.run(["/usr/bin/script", "-qec", command, "/dev/null"], env=env,
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=180)  # fmt: skip
    assert not logs.exists()


def test_a_folder_that_cannot_be_written_leaves_the_app_without_a_log(tmp_path: Path) -> None:
    """A read-only home: no log, one line on stderr saying so, and the app goes on."""
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    code = (
        "import sys; from pathlib import Path; from labeldesk.cli.app_log import start_log; "
        "print(start_log(Path(sys.argv[1])))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(blocked / "logs")],
                          capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    assert done.stdout.strip() == "None"
    assert f"labeldesk: no log file in {blocked / 'logs'}" in done.stderr


def test_the_log_folder_is_the_xdg_state_folder(monkeypatch) -> None:
    if sys.platform != "linux":
        pytest.skip("the XDG folders are Linux's")
    monkeypatch.delenv("LABELDESK_LOG_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", "/somewhere/state")
    assert log_folder() == Path("/somewhere/state/labeldesk/log")
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")  # ignored, as the spec says
    assert log_folder() == Path.home() / ".local/state/labeldesk/log"
