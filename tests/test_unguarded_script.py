"""A script that calls LabelDesk without ``if __name__ == "__main__":``: each worker
process (started with "spawn") imports the script again and reaches its LabelDesk
calls; it says one line naming the fix instead of Python's 60-line RuntimeError, and the
script still finishes in its own process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import write_image

NEW_PROJECT = """
import sys

import labeldesk as ld
import labeldesk.core.probe_pool as probe_pool
import labeldesk.core.scanner as scanner

probe_pool.IN_PROCESS_BELOW = 1  # worker processes even for these few images, on any machine
real_probe_all = scanner.probe_all
scanner.probe_all = lambda root, thumbs, paths, workers, cancel: real_probe_all(
    root, thumbs, paths, 2, cancel
)
p = ld.new_project(sys.argv[1], sys.argv[2])
print("images", len(p.images()))
p.close()
"""

DECODE_POOL = """
import operator

from labeldesk.ml.decode_pool import DecodePool

with DecodePool(2, processes=True) as pool:
    print("sum", pool.submit(operator.add, 2, 3).result())
"""


@pytest.mark.parametrize(
    ("script", "expected"), [(NEW_PROJECT, "images 4"), (DECODE_POOL, "sum 5")]
)
def test_a_worker_of_an_unguarded_script_says_one_line_and_the_script_finishes(
    tmp_path, script, expected
):
    for i in range(4):
        write_image(tmp_path / "images" / "cat" / f"{i}.png", fmt="PNG", seed=i)
    main = tmp_path / "unguarded.py"
    main.write_text(script)
    result = subprocess.run(
        [sys.executable, str(main), str(tmp_path / "p"), str(tmp_path / "images")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
    said = [line for line in result.stderr.splitlines() if line.startswith("LabelDesk: ")]
    assert said, result.stderr
    assert set(said) == {
        "LabelDesk: a worker process could not start: unguarded.py runs LabelDesk calls "
        'outside `if __name__ == "__main__":`; put them under that line '
        "(this run goes on in the main process, slower)"
    }
    assert "bootstrapping phase" not in result.stderr
    assert "Traceback" not in result.stderr
    # the workers stopped at their first LabelDesk call, before any of its work
    assert result.stderr.count("listing files") <= 1, result.stderr
