"""The version fuzzer's third set of operations (tests/safety/version_fuzz.py): imports
undone and redone, faults, and files rewritten on disk.

- ``undo --include-imports`` and ``redo --include-imports`` (README: Dataset versions,
  undo): the newest batch, folder labels too: those of ``new`` (every folder label of
  the dataset) and of each scan that filed an image by its folder (a file added to a
  class folder, moved to another, put back in _unlabeled/); the model's batches
  (:meth:`Fuzz.after_scan`) say what each takes back and what redo makes again.
- A fault (SQLite interrupted after a random number of steps) in the undo of an import
  (a labels file's batch, or folder labels): the undo either completes or leaves the
  project's tables exactly as they were; then the same undo, run again, does what the
  model says.
- A file rewritten with other bytes (and a scan): its label, split and status stay, and a
  redo of a batch that changed it makes its change again.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from helpers import write_image

from labeldesk.core.labels import SOURCES, USER_SOURCES
from safety.version_fuzz_model import Batch, blake
from safety.version_fuzz_ops2 import Fuzz2

# How often each operation here runs, beside version_fuzz.OPS and version_fuzz_ops2.OPS2
OPS3 = {"undo_imports": 2, "redo_imports": 1, "modify": 1}
# The fault comes at a random progress step up to this (an undo of a few labels takes
# 60-110, of `new`'s folder labels about 270)
FAULT_STEPS = 150
# The tables an undo writes: all of them as they were after an undo cut short
TABLES = ("images", "classes", "class_aliases", "label_batches", "label_events", "class_events")


class Fuzz3(Fuzz2):
    SCANS = Fuzz2.SCANS | {"modify"}

    def op_undo_imports(self) -> str:
        return self.undo(imports=True)

    def op_redo_imports(self) -> str:
        return self.redo(imports=True)

    def run_undo(self, batch: Batch, imports: bool) -> str:
        """The undo, in the project: an import's (a labels file's, folder labels) first
        cut short by a fault half the time; --include-imports through the command line
        half the time."""
        note = ""
        if batch.imported and self.rng.random() < 0.5:
            calls = self.rng.randint(1, FAULT_STEPS)
            if not self.undo_with_fault(imports, calls):
                return f" (a fault after {calls} steps came after it was done)"
            note = f" (cut short after {calls} steps, then again)"
        if imports and self.rng.random() < 0.5:
            code, _out = self.cli("undo", self.path, "--include-imports", "--json")
            assert code == 0, f"undo --include-imports exited {code}: {self.stderr}"
            return note + f" (labeldesk undo, {len(batch.after)} images)"
        return note + super().run_undo(batch, imports)

    def undo_with_fault(self, imports: bool, calls: int) -> bool:
        """Undo with SQLite interrupted after a random number of its progress steps (each
        10 instructions of the project's writer): True when it was cut short, and then
        the project's tables must be exactly as before it (nothing half done)."""
        before = self.tables()
        with self.fault(calls) as cut:
            try:
                self.project.undo(sources=SOURCES if imports else USER_SOURCES)
            except sqlite3.OperationalError as e:
                assert cut[0], f"undo failed with no fault: {e}"
                assert "interrupted" in str(e), f"undo cut short said {e}"
        if not cut[0]:
            return False
        after = self.tables()
        differ = [t for t in TABLES if before[t] != after[t]]
        assert not differ, f"an undo cut short (after {calls} steps) changed {differ}"
        return True

    @contextlib.contextmanager
    def fault(self, calls: int) -> Iterator[list[bool]]:
        """Interrupt the project's writer once, at its ``calls``-th progress step;
        yields [whether it was]."""
        conn = self.project.db.conn
        cut, seen = [False], [0]

        def handler() -> int:
            seen[0] += 1
            if seen[0] == calls:
                cut[0] = True
                return 1
            return 0

        conn.set_progress_handler(handler, 10)
        try:
            yield cut
        finally:
            conn.set_progress_handler(None, 10)

    def tables(self) -> dict[str, list[tuple]]:
        return {
            t: [tuple(r) for r in self.project.db.query(f"SELECT * FROM {t} ORDER BY rowid")]
            for t in TABLES
        }

    def op_modify(self) -> str:
        """Rewrite an image's file with other bytes (half the time one that a batch
        waiting to be redone, or undone, changed), then scan: its label, split and
        status stay; versions recorded before list it as missing."""
        live = self.live()
        if not live:
            return "modify: nothing"
        touched = [k for b in self.model.redo + self.model.undo[1:] for k in b.after if k in live]
        k = self.rng.choice(touched if touched and self.rng.random() < 0.5 else live)
        im = self.model.images[k]
        self.n_files += 1
        write_image(
            self.root / im.path, size=(8, 6), fmt="PNG", seed=self.seed * 1000 + self.n_files
        )
        im.hash = blake((self.root / im.path).read_bytes())
        self.scan()
        return f"modify {im.path}"
