"""The decode pool carries on with threads when its worker processes fail, and leaves
Ctrl-C to the process that started it."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

from labeldesk.ml.decode_pool import DecodePool
from ml.child_targets import die_in_a_worker, ignores_ctrl_c

ROOT = Path(__file__).resolve().parents[2]


def test_a_dead_worker_process_is_replaced_by_threads_and_nothing_is_lost(caplog):
    caplog.set_level(logging.WARNING, logger="labeldesk.ml.decode_pool")
    with DecodePool(2, processes=True) as pool:
        decodes = [pool.submit(die_in_a_worker, k) for k in range(6)]
        assert [d.result() for d in decodes] == list(range(6))  # each run again on threads
        assert not pool.processes
        assert pool.submit(die_in_a_worker, 7).result() == 7
    said = [r.message for r in caplog.records if "decoding on threads" in r.message]
    assert len(said) == 1  # once, however many decodes found the pool broken


def test_workers_leave_ctrl_c_to_the_parent():
    with DecodePool(1, processes=True) as pool:
        assert pool.submit(ignores_ctrl_c).result() is True


def test_a_script_without_a_main_guard_still_fine_tunes_on_a_gpu(tmp_path):
    """Spawned workers re-run an unguarded script and fail to start; the run decodes on
    threads instead of ending with BrokenProcessPool."""
    script = tmp_path / "tune.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import numpy as np
            from PIL import Image
            from labeldesk.ml.backbones import Preprocess
            from labeldesk.ml.finetune_images import TrainingImages

            paths = []
            for i in range(6):
                path = {str(tmp_path)!r} + f"/{{i}}.png"
                Image.new("RGB", (20, 20), (i * 40, 0, 0)).save(path)
                paths.append(path)
            with TrainingImages(paths, paths, workers=2) as images:
                rows = [r.tolist() for _, r in images.batches(
                    [np.arange(3), np.arange(3, 6)], Preprocess(size=8), "cpu")]
                print("ROWS", rows, "PROCESSES", images._pool.processes)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ROWS [[0, 1, 2], [3, 4, 5]] PROCESSES False" in done.stdout
