"""A write that fills the disk fails in a file object's write or flush, whose OSError
carries no file name: `labeldesk embed` and `labeldesk issues` on a real full disk said
only "no space left on the disk; free some space …", not which disk (found by
benchmarks/full_disk_tour.py). The vector store's appends and the cache files now name
what they were writing.

The disk is made to fill by a file-size limit (RLIMIT_FSIZE) in a child process: the
kernel's own error, raised by Python's file object as it is on a full disk."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("resource")

CHILD = r"""
import json, resource, signal, sys
from pathlib import Path
from labeldesk.core.failures import describe
from labeldesk.ml import cachefiles, vectors

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG
folder = Path(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
found = {}
try:
    vectors._append_to(folder / "vectors.f16", b"x" * 100_000)
except OSError as exc:
    found["append"] = describe(exc)[0]
try:
    cachefiles.write_bytes_atomically(folder / "knn-1.npz", b"x" * 100_000)
except OSError as exc:
    found["cache"] = describe(exc)[0]
print(json.dumps(found))
"""


def test_a_write_past_the_limit_names_the_file_and_the_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert str(tmp_path / "vectors.f16") in found["append"]
    assert f"{tmp_path} (writing knn-1.npz there)" in found["cache"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
