"""A script whose LabelDesk calls are not under ``if __name__ == "__main__":``.

LabelDesk's worker processes are started with "spawn": each first imports the main script
again (as ``__mp_main__``), and an unguarded script then reaches its first LabelDesk call
inside the worker, before the worker is ready. Python refused there with a 60-line
RuntimeError about the "bootstrapping phase" per worker; the parent, its pool broken,
went on in its own process. Now the worker says one line naming the fix and exits
quietly (:func:`leave_if_importing_main`), at the API's entry and where a pool starts;
the parent still carries on as before.
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def importing_main_in_worker() -> bool:
    """True in a spawned worker that is still importing the main script.

    multiprocessing's own check (``spawn._check_not_importing_main``) reads this flag,
    set from the worker's start until its main script is imported; it has no public
    equivalent (``parent_process()`` and ``__mp_main__`` stay true after the import,
    when a worker may rightly call LabelDesk). Were it gone, this is False and the worker
    fails as it did before, with Python's own message."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def unguarded_message() -> str:
    main = sys.modules.get("__mp_main__")  # the script as the worker imports it
    script = getattr(main, "__file__", None)
    name = os.path.basename(script) if script else "the main script"
    return (
        f"LabelDesk: a worker process could not start: {name} runs LabelDesk calls "
        'outside `if __name__ == "__main__":`; put them under that line '
        "(this run goes on in the main process, slower)"
    )


def leave_if_importing_main() -> None:
    """In a spawned worker still importing an unguarded main script: print one line on
    stderr and exit (status 1), running nothing more of the script."""
    if importing_main_in_worker():
        print(unguarded_message(), file=sys.stderr, flush=True)
        raise SystemExit(1)
