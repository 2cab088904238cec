"""CPU time of the GUI thread's share of storing a select-all re-read (select-all + a
class key re-reads every row, then ``RowRefresh._store`` stores them on the GUI thread).

    python benchmarks/bench_row_store_cpu.py PROJECT

Reads every image's state once, then stores it twice each way: with the codes made on
the GUI thread (``StateColumns.of(states)``: the way main did it, still used for a few
rows read at once) and with the codes made in the read's job (``StateColumns.of(states,
classes)``), and times the detail panel's summary of a selection of every row: a Counter
over the label names (main's ``show_many``) and ``ImageCatalog.label_tally``. Thread CPU
time (``time.thread_time``), so the figures hold on a busy machine.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

import numpy as np

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.core.project import open_project


def main(path: str) -> None:
    with open_project(path) as project:
        catalog = ImageCatalog.load(project)
        states = project.image_states(catalog.ids.tolist())
    print(f"{len(states):,} rows")
    for name, classes in (("codes on the GUI thread", None), ("codes from the job", True)):
        for _ in range(2):
            start = time.thread_time()
            columns = StateColumns.of(states, catalog.classes if classes else None)
            job = time.thread_time() - start
            start = time.thread_time()
            catalog.apply_columns(columns)
            gui = time.thread_time() - start
            print(f"{name:<24} job {job:.2f} s  GUI thread (apply_columns) {gui:.2f} s")
    every = np.arange(len(catalog))
    start = time.thread_time()
    Counter(label or "" for label in list(catalog.labels[every]))
    names = time.thread_time() - start
    start = time.thread_time()
    catalog.label_tally(every)
    codes = time.thread_time() - start
    print(f"summary of every row: Counter of names {names:.2f} s, label_tally {codes:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1])
