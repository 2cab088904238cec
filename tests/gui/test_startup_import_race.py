"""``labeldesk gui`` imports pandas on a second thread while Qt loads (gui/preload.py).
Qt's binding layer (shiboken) runs Python of its own while it loads, and its first step
walked ``sys.modules``: an import on the other thread at that moment aborted the app
("dictionary changed size during iteration", then "Fatal Python error: libshiboken/
signature: could not initialize part 2"), seldom (once in ~130 starts on a busy machine).

The test makes that moment certain: at every line of shiboken's own Python that the main
thread runs while the app starts, the preload thread imports one more module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RACE = """
import argparse, importlib, sys, threading, types
from pathlib import Path

folder = Path(sys.argv[1])
sys.path.insert(0, str(folder))
(folder / "racer.py").write_text(
    "import importlib, sys\\n"
    "ctl = sys.modules['race_ctl']\\n"
    "ctl.ready.set()\\n"
    "while not ctl.stop.is_set():\\n"
    "    if ctl.go.wait(0.05):\\n"
    "        ctl.go.clear()\\n"
    "        name = f'raced_{ctl.raced}'\\n"
    "        (ctl.folder / f'{name}.py').write_text('')\\n"
    "        importlib.invalidate_caches()\\n"
    "        importlib.import_module(name)\\n"
    "        ctl.done.set()\\n"
)
ctl = types.ModuleType("race_ctl")
ctl.folder, ctl.raced = folder, 0
ctl.ready, ctl.go, ctl.done, ctl.stop = (threading.Event() for _ in range(4))
sys.modules["race_ctl"] = ctl


def is_shiboken(code):
    return code.co_filename == "signature_bootstrap.py" or code.co_filename.startswith(
        "shibokensupport/"
    )


def tracer(frame, event, arg):
    if not is_shiboken(frame.f_code):
        return tracer if event == "call" else None
    preloading = any(t.name == "labeldesk-preload" for t in threading.enumerate())
    if event == "line" and preloading and ctl.ready.wait(30):
        ctl.done.clear()
        ctl.go.set()  # the other thread imports a module now, while this line runs
        ctl.done.wait(30)
        ctl.raced += 1
    return tracer


from labeldesk.cli import app
from labeldesk.gui import preload

preload.MODULES = ("racer",)  # the preload thread runs the racer instead of pandas


def load_qt(project):  # what `gui --smoke` does first: load Qt
    import PySide6.QtWidgets  # noqa: F401

    sys.settrace(None)
    ctl.stop.set()
    print(f"Qt loaded; imports on the other thread meanwhile: {ctl.raced}")
    return 0


app._smoke = load_qt
sys.settrace(tracer)
sys.exit(app.cmd_gui(argparse.Namespace(project=None, smoke=True, json=False)))
"""


def test_imports_on_the_preload_thread_cannot_abort_qt_loading(tmp_path: Path) -> None:
    script = tmp_path / "race.py"
    script.write_text(RACE)
    folder = tmp_path / "modules"
    folder.mkdir()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    out = subprocess.run(
        [sys.executable, str(script), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "could not initialize" not in out.stderr
    raced = int(out.stdout.strip().splitlines()[-1].rsplit(" ", 1)[1])
    assert raced > 0  # the other thread did import while shiboken's Python ran
