"""Embedding in a spawned child process: the same result as in-process, and a cancel
once the job has begun stops it after the current batch with finished batches kept (a
cancel while the child still starts: test_child_cancel_start.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from labeldesk.core.progress import CancelToken, Progress
from labeldesk.ml.child_jobs import embed_in_child
from labeldesk.ml.store import project_vectors


def test_child_embeds_every_image_and_reports_progress(project):
    seen: list[Progress] = []
    report = embed_in_child(project.path, progress=seen.append)
    assert report.embedded == 19 and not report.cancelled and report.device == "cpu"
    assert seen[0].message.startswith("loading model")
    assert seen[-1].done == seen[-1].total == 19
    vectors = project_vectors(project)
    assert vectors.vectors.shape == (19, 1280) and vectors.missing == 0
    np.testing.assert_allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=1e-2)
    again = embed_in_child(project.path)
    assert again.embedded == 0  # nothing left to do


def test_a_cancel_reaches_the_child_and_a_later_run_continues(project, backbone):
    from labeldesk.ml.embed import embed_project

    token = CancelToken()
    seen: list[Progress] = []

    def cancel_once_begun(update: Progress) -> None:  # the job has begun: not killed
        seen.append(update)
        if not update.message.startswith("loading"):  # (then, a Cancel ends the process:
            token.cancel()  # test_child_cancel_load) the child sees it before its first batch

    report = embed_in_child(project.path, progress=cancel_once_begun, cancel=token)
    assert seen and report.cancelled and report.embedded == 0
    # the later run in this process (a whole run in a child: the first test)
    assert embed_project(project, backbone=backbone).embedded == 19


def test_fine_tuning_in_a_child_records_a_version_and_reembeds(project):
    from labeldesk.ml.child_jobs import finetune_in_child
    from labeldesk.ml.embed import embed_project
    from labeldesk.ml.finetune import FinetuneParams
    from labeldesk.ml.models import latest

    embed_project(project)  # the frozen vectors to tune from (embedding in a child: above)
    before = project_vectors(project).key
    seen: list[Progress] = []
    params = FinetuneParams(epochs=1, train_blocks=1, batch_size=8, image_size=64)  # (small: quick)
    version = finetune_in_child(project.path, params, progress=seen.append)
    assert version.kind == "finetune" and version.status == "complete"
    assert latest(project, "finetune").id == version.id  # recorded, seen from here
    assert project_vectors(project).key != before  # re-embedded with the tuned weights
    closing = [
        u.data for u in seen if u.message == "fine-tuning" and "eval_accuracy" in (u.data or {})
    ]
    assert [d["epoch"] for d in closing] == [1]  # the epoch's figures came through the queue


def test_progress_data_comes_through_the_queue(project):
    from labeldesk.ml.child_jobs import run_in_child

    seen: list[Progress] = []
    data = {"epoch": 2, "loss": 0.25, "per_class": [0.5, 1.0]}
    value = run_in_child(
        "ml.child_targets:report_data", project.path, progress=seen.append, data=data
    )
    assert value == "done" and [(u.done, u.total, u.message, u.data) for u in seen] == [
        (1, 2, "working", data)
    ]


def test_an_error_in_the_child_comes_back_as_one_readable_line(project, tmp_path):
    import pytest

    from labeldesk.core.errors import LabelDeskError
    from labeldesk.ml.child_jobs import run_in_child

    with pytest.raises(LabelDeskError, match="no embeddings yet"):
        run_in_child("labeldesk.ml.train:train_head", project.path)


def _ended(pid: int) -> bool:
    """The process has exited (gone, or a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_the_parent_returns_when_the_child_has_already_exited(project):
    """Regression: the stop signal used to be a multiprocessing Event, whose set() waits
    for every waiter to wake; with the child already gone the parent hung for good."""
    import os
    import threading
    import time

    import pytest

    from labeldesk.ml.child_jobs import run_in_child

    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc to see when the child has exited")

    def wait_for_child_exit(update: Progress) -> None:
        pid = int(update.message)
        deadline = time.monotonic() + 60
        while not _ended(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _ended(pid), "the child did not exit after returning"

    results: list[object] = []
    caller = threading.Thread(
        target=lambda: results.append(
            run_in_child(
                "ml.child_targets:report_pid_and_return",
                project.path,
                progress=wait_for_child_exit,
                value=42,
            )
        ),
        daemon=True,
    )
    caller.start()
    caller.join(120)
    assert not caller.is_alive(), "run_in_child hung after the child had exited"
    assert results == [42]


def test_a_job_child_decodes_in_worker_processes_as_the_command_line_does(project):
    """The app's job child is daemonic (the app's exit ends it) but may start decode
    worker processes: each watches it and ends with it. It used to fall back to two
    threads, so the app embedded and fine-tuned on a GPU slower than `labeldesk embed`."""
    from labeldesk.ml.child_jobs import run_in_child

    kind = run_in_child("ml.child_targets:decode_pool_kind", project.path)
    assert kind == "processes"


@pytest.mark.parametrize("niceness", [0, 7])
def test_the_child_runs_at_the_niceness_asked_for_when_it_starts(project, monkeypatch, niceness):
    """The parent's CHILD_NICENESS, read as the child starts (the test suite runs its
    children at 0: under load a child niced 10 was starved past pytest's 300 s)."""
    from labeldesk.ml import child_jobs
    from labeldesk.ml.child_jobs import run_in_child

    monkeypatch.setattr(child_jobs, "CHILD_NICENESS", niceness)
    expected = min(os.nice(0) + niceness, 19)  # (the highest there is)
    assert run_in_child("ml.child_targets:niceness", project.path) == expected
