"""Import the project's data libraries on a second thread while Qt starts.

The window's first screen needs pandas (the image catalog is read into a frame) and Qt;
imported one after the other they took ~7 s of an 1M-image project's 10 s first paint on
a loaded 2-core machine. Importing is partly file reading and loading shared libraries,
which overlap across threads, so starting pandas before Qt's own imports saves about a
quarter of that (benchmarks/bench_gui.py, "python + imports"). Python's import locks make
the main thread wait for a module this thread is still importing, never import it twice.
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)
MODULES = ("labeldesk.browse.catalog",)  # pulls in pandas (and pyarrow when installed)


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the main thread's own import reports it, with its context
            log.debug("preloading %s failed", name, exc_info=True)


def start() -> threading.Thread:
    """Start importing :data:`MODULES` in the background; returns the thread.

    shiboken (Qt's binding layer) is loaded first, on the calling thread. Its first import
    walks ``sys.modules`` in Python; an import on this thread during that walk raised
    "dictionary changed size during iteration" and the app aborted at start ("Fatal Python
    error: libshiboken/signature: could not initialize part 2"), seldom (about once in 130
    starts on a busy machine). Later, shiboken reads a copy of ``sys.modules``, so Qt's
    own modules and the window's still load alongside pandas
    (tests/gui/test_startup_import_race.py imports on this thread at every line of
    shiboken's Python while Qt loads)."""
    import shiboken6  # noqa: F401

    thread = threading.Thread(target=_import_all, name="labeldesk-preload", daemon=True)
    thread.start()
    return thread
