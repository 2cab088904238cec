"""Leave a core for the window.

On a 2-core laptop, BLAS and OpenMP spread a background fit (the label-quality probe,
a head's training) over every core, and the GUI thread then waits for a core: 60-130 ms
freezes, measured by benchmarks/bench_gui.py, and the fit itself ran slower than on one
thread. The app therefore caps those libraries at one thread fewer than the machine has.
The command line keeps every core, and so does the embedding child process (which runs
at a lower priority instead, see :mod:`labeldesk.ml.child_jobs`).
"""

from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def background_threads() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


def reserve_a_core() -> int:
    """Cap math-library threads for this process (a user's own setting wins); return the
    cap. Libraries loaded later read the environment; loaded ones are limited directly."""
    threads = background_threads()
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # comes with scikit-learn; without it only the variables apply
        return threads
    threadpool_limits(limits=int(os.environ["OPENBLAS_NUM_THREADS"]))
    return threads
