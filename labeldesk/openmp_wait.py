"""OpenMP's idle threads sleep, in the command, the app and scripts that import LabelDesk.

faiss, PyTorch and scikit-learn each bring an OpenMP runtime (libgomp), whose threads
wait for the next parallel region by spinning on a core, and on a busy 2-core computer
that core is the one the work needs: building the search index of 50,000 vectors took
17-56 s (25-36 s CPU) spinning, 15-27 s (18-23 s CPU) sleeping, in five pairs run in turn,
queries as fast (benchmarks/bench_search.py). A runtime reads ``OMP_WAIT_POLICY`` once,
when it loads, so the variable is set only while none is loaded: set later it would
change nothing in this process and only what its child processes do, unlike the rest of
it. OpenVINO's threads (the embedding model's) are TBB's, not OpenMP's: unchanged.

Standard library only: ``import labeldesk`` calls this first.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "OMP_WAIT_POLICY"
RUNTIMES = ("libgomp", "libiomp", "libomp")  # GNU's, Intel's, LLVM's (file names start so)
# Modules that load one when imported (where /proc/self/maps cannot say: macOS, Windows).
LOADERS = ("torch", "sklearn", "faiss")


def sleep_while_waiting() -> bool:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` unless it is set already (the user's choice is
    kept, whatever it says) or an OpenMP runtime is loaded already (it has read the
    variable; children would differ from their parent). True when it was set."""
    if VARIABLE in os.environ or runtime_loaded():
        return False
    os.environ[VARIABLE] = "PASSIVE"
    return True


def runtime_loaded() -> bool:
    """Whether this process has an OpenMP runtime loaded (or a module that loads one)."""
    if any(name in sys.modules for name in LOADERS):
        return True
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                name = line.rstrip("\n").rpartition("/")[2]
                if name.startswith(RUNTIMES) and ".so" in name:
                    return True
    except OSError:  # (no /proc: the modules above are all there is to go on)
        pass
    return False
