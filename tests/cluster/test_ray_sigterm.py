"""`kill PID` (SIGTERM) of `labeldesk embed --ray` mid-job, on a real local cluster: the
command's own message is the last and only thing it says about it, and it exits 143.

Before, Ray's core worker (made by ray.init) had put its crash reporter in front of the
command's SIGTERM handler: stderr read "*** SIGTERM received at time=… on cpu 0 ***",
"PC: @ 0x7f30… (unknown)", and the same lines again in Ray's log format, then
"error: terminated; stopped on the Ray cluster; the 16 images embedded before that are
kept …", and the process ended with SIGABRT (exit 134)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from cluster.test_ray_head_lost import first_batch_stored
from labeldesk.ml.store import current_key, current_store

pytestmark = pytest.mark.slow


@pytest.mark.timeout(900)
def test_sigterm_mid_job_says_labeldesks_message_alone(ray_cluster, sample_project, tmp_path):
    cli = [sys.executable, "-m", "labeldesk", "embed", str(sample_project.path)]
    cli += ["--ray", ray_cluster.address, "--workers", "1", "--batch-size", "8"]
    with open(tmp_path / "err", "w+") as err:
        run = subprocess.Popen(
            cli, env=ray_cluster.env, stdout=subprocess.DEVNULL, stderr=err, text=True
        )
        try:
            assert first_batch_stored(sample_project, run), (tmp_path / "err").read_text()
            # the batch's keys are on disk a moment before the project is pointed at its
            # store (a SIGTERM in between leaves the next run to take the store up)
            deadline = time.monotonic() + 60
            while current_key(sample_project) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            run.send_signal(signal.SIGTERM)
            run.wait(timeout=120)
        finally:
            run.kill()  # only if still running: never left behind
    said = (tmp_path / "err").read_text()
    assert "SIGTERM received" not in said and "PC: @" not in said, said
    last = said.strip().splitlines()[-1]
    kept = current_store(sample_project).count
    assert last.startswith(
        f"error: terminated; stopped on the Ray cluster; the {kept} images embedded before "
        "that are kept"
    ), said
    assert run.returncode == 143
