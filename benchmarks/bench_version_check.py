"""What `labeldesk version create` costs with its check of the files against the index.

Builds once under --data a tree of tiny generated PNGs and a project indexing them (the
fast indexer of scale_project.py: the real scanner and database writer, no decoding), then
times, each --repeat times: recording a version (the one transaction: label state and
membership) and the stat pass that `version create` runs after it
(:func:`labeldesk.core.version_files.stale_files`), the files in the page cache as after a
scan. Run: python benchmarks/bench_version_check.py --n 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from scale_project import index_fast, make_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="images")
    parser.add_argument("--data", type=Path, default=Path("/tmp/labeldesk-version-check"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from labeldesk.core.project import open_project
    from labeldesk.core.version_files import stale_files
    from labeldesk.core.versions import create_version

    images, project = args.data / f"images-{args.n}", args.data / f"project-{args.n}"
    make_images(images, args.n)
    if not project.exists():
        print(f"indexed in {index_fast(project, images):.0f} s", file=sys.stderr)
    with open_project(project) as proj:
        for attempt in range(args.repeat):
            start = time.perf_counter()
            create_version(proj.db, f"bench-{os.getpid()}-{attempt}")
            record = time.perf_counter() - start
            start = time.perf_counter()
            found = stale_files(proj.db, proj.root)
            check = time.perf_counter() - start
            print(
                f"{found.checked:,} images: recording {record:.2f} s, file check {check:.2f} s "
                f"({check / max(found.checked, 1) * 1e6:.1f} us a file; "
                f"{found.changed} changed, {found.gone} gone)"
            )
    load = os.getloadavg()[0]
    print(f"cpus: {os.cpu_count()} (load average {load:.1f})  python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
