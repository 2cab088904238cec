"""What the scan's sweep for killed processes' thumbnail temporaries costs at scale.

Every scan looks through ``thumbs/`` for ``<hash>.jpg.<pid>.tmp`` files of processes
that are gone (labeldesk/core/thumbnail_temps.py). This makes a ``thumbs/`` folder of
--n empty thumbnail files in 256 subfolders (as a project of that many images has), plus
a few temporaries of a dead process, and times the sweep (file list cached by the OS, as
on a rescan; the first pass after a reboot reads the directories from disk).

    python benchmarks/bench_thumb_sweep.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labeldesk.core.thumbnail_temps import sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="thumbnails")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ld-sweep-")) / "thumbs"
    try:
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        began = time.perf_counter()
        per_folder = -(-args.n // 256)
        for i in range(256):
            folder = root / f"{i:02x}"
            folder.mkdir(parents=True)
            for j in range(per_folder):
                os.close(os.open(folder / f"{i:02x}{j:062x}.jpg", os.O_CREAT | os.O_WRONLY))
            if i < 4:
                (folder / f"{i:02x}{0:062x}.jpg.{child.pid}.tmp").write_bytes(b"half")
        print(f"made {256 * per_folder:,} thumbnails in {time.perf_counter() - began:.1f} s")
        for attempt in (1, 2, 3):
            began = time.perf_counter()
            removed = sweep(root)
            print(f"sweep {attempt}: {time.perf_counter() - began:.2f} s, removed {removed}")
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
