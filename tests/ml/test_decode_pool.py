"""The decode pool carries on with threads when its worker processes fail, and leaves
Ctrl-C to the process that started it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from labeldesk.core import unguarded_main
from labeldesk.core.filelock import FileLock
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


def test_decodes_waited_on_from_several_threads_replace_the_pool_once(caplog):
    caplog.set_level(logging.WARNING, logger="labeldesk.ml.decode_pool")
    with DecodePool(2, processes=True) as pool:
        decodes = [pool.submit(die_in_a_worker, k) for k in range(8)]
        with ThreadPoolExecutor(8) as waiters:
            got = list(waiters.map(lambda d: d.result(), decodes))
        threads = pool._executor
    assert got == list(range(8))
    assert threads is pool._executor and not pool.processes
    assert sum("decoding on threads" in r.message for r in caplog.records) == 1


def test_a_worker_that_cannot_start_leaves_the_decoding_to_threads(monkeypatch):
    class NoProcesses(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            raise BlockingIOError(11, "Resource temporarily unavailable")  # EAGAIN

    monkeypatch.setattr(DecodePool, "_processes", lambda self: NoProcesses(1))
    with DecodePool(2, processes=True) as pool:
        assert pool.submit(abs, -3).result() == 3
        assert not pool.processes


def test_a_worker_still_starting_does_not_wait_for_a_lock_its_parent_holds(tmp_path, monkeypatch):
    held = FileLock(tmp_path / "write.lock").acquire()
    try:
        starting = SimpleNamespace(_inheriting=True)  # re-running an unguarded script
        monkeypatch.setattr(unguarded_main.multiprocessing, "current_process", lambda: starting)
        with pytest.raises(RuntimeError, match="main"):
            FileLock(tmp_path / "write.lock").acquire(timeout=30)
    finally:
        held.release()


def test_workers_leave_ctrl_c_to_the_parent():
    with DecodePool(1, processes=True) as pool:
        assert pool.submit(ignores_ctrl_c).result() is True


def run_script(tmp_path, body: str) -> str:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body))
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests' / 'ml'}", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_script_without_a_main_guard_still_embeds(tmp_path):
    """Each worker re-runs the script up to embed_project, which waited for the store's
    lock held by the script itself: the run hung for good."""
    images = tmp_path / "images"
    images.mkdir()
    for i in range(12):
        Image.new("RGB", (20, 20), (i * 20, 0, 0)).save(images / f"{i}.png")
    out = run_script(
        tmp_path,
        f"""
        from labeldesk.core.create import create_and_index
        from labeldesk.core.project import open_project
        from labeldesk.ml import embed_decode
        from labeldesk.ml.embed import embed_project
        from tiny_backbone import tiny_backbone

        embed_decode.PROCESS_POOL_MIN_BATCHES = 1  # a long run: worker processes
        try:
            project, _ = create_and_index({str(tmp_path / "proj")!r}, {str(images)!r})
        except Exception:
            project = open_project({str(tmp_path / "proj")!r})
        report = embed_project(project, backbone=tiny_backbone(), batch_size=4, runtime="torch")
        print("EMBEDDED", report.embedded, len(report.failed))
        """,
    )
    assert "EMBEDDED 12 0" in out


def test_a_script_without_a_main_guard_still_fine_tunes(tmp_path):
    """Spawned workers re-run an unguarded script and fail to start; the run decodes on
    threads instead of ending with BrokenProcessPool."""
    out = run_script(
        tmp_path,
        f"""
        import os
        import numpy as np
        from PIL import Image
        from labeldesk.ml.backbones import Preprocess
        from labeldesk.ml.finetune_images import TrainingImages

        paths = []
        for i in range(6):
            path = {str(tmp_path)!r} + f"/{{i}}.png"
            if not os.path.exists(path):  # each spawned worker runs this script again:
                Image.new("RGB", (20, 20), (i * 40, 0, 0)).save(path)  # no rewrite under a read
            paths.append(path)
        with TrainingImages(paths, paths, workers=2) as images:
            rows = [r.tolist() for _, r in images.batches(
                [np.arange(3), np.arange(3, 6)], Preprocess(size=8), "cpu")]
            print("ROWS", rows, "PROCESSES", images._pool.processes)
        """,
    )
    assert "ROWS [[0, 1, 2], [3, 4, 5]] PROCESSES False" in out
