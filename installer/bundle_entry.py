"""Entry point of the PyInstaller bundle (installer/labeldesk.spec).

The app runs ML jobs in spawned child processes (labeldesk.ml.child_jobs): in a frozen
executable each child starts this same file, and ``freeze_support`` turns it into the
multiprocessing worker before the command line is read. Started with no arguments (a
double click on Windows, the macOS app) it opens the app, as `labeldesk gui` would.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from labeldesk.cli import run

    run(sys.argv[1:] or ["gui"])
