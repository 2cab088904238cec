"""bench_gui_stalls.py's actions on the browser's re-read of every image at a million
images (a rescan's, with no new scores meanwhile) and on the "Likely mislabeled" list
shown anew while the new scores' orders are made:

- ``read_again``: sorted by label fit, every image read again (``ProjectView.fill_in``, as
  after a rescan that changed nothing), measured until the new catalog is shown;
- ``read_edited``: the same where the rescan found ``EDITED`` files edited in place (the
  shown catalog's hashes of that many images changed first, in memory only: the re-read
  then finds them edited, and the model's values of those images are dropped; the
  rescoring that follows is left out, then their scores are handed back, unmeasured);
- ``new_matches_while_ordering``: "Likely mislabeled" shown, sorted by label fit, the
  current image the last one, new scores flagging more images arrive, and as soon as they
  are swapped in, while the job making their orders runs, the list is shown as it is now
  (``show_new_matches``, Alt+S); the script says whether the current image stayed.

Each is measured as the other actions are (``Bench.measure``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

EDITED = 1000  # images a rescan found edited (read_edited)


def read_actions(bench: Any, any_wanted: Any) -> None:
    """Measure the re-reads and the list shown anew (those ``--actions`` names)."""
    view = bench.window.view
    if any_wanted("read_again", "read_edited"):
        bench.settle(lambda: view.sidebar.select_sort("issue"))
        with taking_time(view, "read_again"):
            bench.measure("read_again", view.fill_in, "sorted by label fit")
        if any_wanted("read_edited"):
            read_edited(bench)
        bench.settle(lambda: view.sidebar.select_sort("path"))
    if any_wanted("new_matches_while_ordering"):
        new_matches_while_ordering(bench)


@contextmanager
def taking_time(view: Any, name: str) -> Iterator[None]:
    """While the block runs, the GUI thread's CPU in the view's taking of the catalog
    read (``_filled_in``: what a rescan's re-read does on the GUI thread, sorts
    included), said after it."""
    spent = [0.0]
    filled_in = view._filled_in

    def timed(*args: Any, **kwargs: Any) -> None:
        cpu = time.thread_time()
        try:
            filled_in(*args, **kwargs)
        finally:
            spent[0] += time.thread_time() - cpu

    view._filled_in = timed  # (the job connects it as it starts: set before fill_in)
    try:
        yield
    finally:
        del view._filled_in
        print(f"    {name}: {spent[0]:.3f} s of the GUI thread's CPU taking the read", flush=True)


def read_edited(bench: Any) -> None:
    """Every image read again where a rescan found ``EDITED`` files edited (their hashes
    changed in the catalog shown); then their scores back (new scores for every image,
    unmeasured), for the actions after."""
    import numpy as np

    view = bench.window.view
    catalog = view.catalog
    positions = np.linspace(0, len(catalog) - 1, EDITED).astype(np.int64)
    for position in positions:
        catalog.hashes[position] = f"edited-{position}"
    refresh = view.feed.refresh  # (the re-read alone: the edited images not scored again)
    view.feed.refresh = lambda quiet=False: None
    try:
        with taking_time(view, "read_edited"):
            bench.measure("read_edited", view.fill_in, f"{EDITED:,} found edited, sorted by fit")
    finally:
        view.feed.refresh = refresh
    forgotten = int((view.catalog._insight_row[positions] < 0).sum())
    if view.catalog is catalog or forgotten != EDITED:
        print(f"    (not read as edited: {forgotten:,} of {EDITED:,} forgotten)", flush=True)
    latest = view.feed.latest
    bench.settle(lambda: view.feed._finished(replace(latest)))


def new_matches_while_ordering(bench: Any) -> None:
    """ "Likely mislabeled" by label fit, the last image current; scores flagging 100 more
    arrive, and while their orders are made the list is shown as it is now."""
    import numpy as np

    view = bench.window.view
    shown = type(view.model.image_filter)(show="flagged", sort="issue")
    bench.settle(lambda: view.sidebar.show_filter(shown))
    rows = view.model.rowCount()
    if not rows:
        print("    (nothing flagged: new_matches_while_ordering left out)", flush=True)
        return
    view.grid.select_row(rows - 1)
    on = int(view.model.rows_to_ids([rows - 1])[0])
    latest = view.feed.latest
    flagged = latest.flagged.copy()
    flagged[np.flatnonzero(~flagged)[:100]] = True
    fresh = replace(latest, flagged=flagged)
    view.feed._finished(fresh)
    catalog = view.catalog
    bench.pump_until(lambda: catalog.insights is fresh, 600)  # (then the orders' job starts)
    job = view.chosen_sort._job
    note = "while the orders' job runs" if job is not None and job.running else "(job ended)"
    bench.measure("new_matches_while_ordering", view.show_new_matches, note, idle=False)
    current = view.grid.currentIndex()
    now = int(view.model.rows_to_ids([current.row()])[0]) if current.isValid() else None
    print(f"    {view.model.rowCount():,} shown; the current image kept: {now == on}", flush=True)
    bench.settle(lambda: view.feed._finished(replace(latest)))
    bench.settle(lambda: view.sidebar.show_filter(type(view.model.image_filter)()))
