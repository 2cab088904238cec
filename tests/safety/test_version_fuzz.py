"""The seeded random-sequence fuzzer of tests/safety/version_fuzz.py: labels, review
statuses, splits, classes (merges too), undo/redo, imports with bad rows, versions,
exports with --class-map, --since and --version current (version_fuzz_ops2.py), undo and
redo --include-imports of folder labels, undos cut short by a fault, files rewritten
(version_fuzz_imports.py) and files renamed, added, corrupted and deleted on disk, each
step checked against a pure-Python
model, and every version exported (ImageFolder and CSV) and verified as it was recorded.

A few seeds run in the normal suite; more with, e.g.,
``LABELDESK_FUZZ_SEEDS=0-199 LABELDESK_FUZZ_STEPS=80 pytest tests/safety/test_version_fuzz.py``
(or ``python benchmarks/fuzz_versions.py --seeds 0-199 --steps 80``)."""

from __future__ import annotations

import os

import pytest

from safety.version_fuzz import run_fuzz


def _seeds() -> list[int]:
    text = os.environ.get("LABELDESK_FUZZ_SEEDS", "0-2")
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


@pytest.mark.parametrize("seed", _seeds())
def test_random_operations_keep_every_version_reproducible(tmp_path, seed):
    steps = int(os.environ.get("LABELDESK_FUZZ_STEPS", "25"))
    log = run_fuzz(seed, steps, tmp_path)
    assert len(log) == steps
