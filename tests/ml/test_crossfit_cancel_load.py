"""A Cancel while cross-fitting's child process loads the backbone ends the child at
once, as embedding's and fine-tuning's do (tests/ml/test_child_cancel_load.py): before
the load the fit only reads (the project's vectors and labels), and the load cannot look
at the Cancel. Before, the Cancel waited for the load to end (here: 300 s, the test's
stand-in for a slow load on a busy machine), and the call with it. The call says the job
was cancelled before it began, the process is gone, and the project holds nothing new."""

from __future__ import annotations

import os
import threading

import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.core.project import open_project
from labeldesk.ml.child_jobs import NOT_BEGUN, run_in_child

from .test_child_cancel_start import files_of, wait_for


def test_a_cancel_while_the_crossfit_child_loads_its_backbone_ends_it_at_once(
    clustered, tmp_path, monkeypatch
):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc to see that the child has gone")
    project, _ = clustered
    marker = tmp_path / "child-pid"
    monkeypatch.setenv("LABELDESK_TEST_LOADING", str(marker))
    project.close()  # (the parent's own connection would hold the -wal files)
    before = files_of(project.path)
    token = CancelToken()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(
                run_in_child(
                    "labeldesk.ml.crossfit:fit_project",
                    project.path,
                    cancel=token,
                    preload=("ml.slow_model_load",),
                )
            )
        except Exception as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    wait_for(marker)  # the child is loading the backbone (for 300 s)
    token.cancel()
    caller.join(30)
    assert not caller.is_alive(), "the call waited for the backbone's load"
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome
    assert str(outcome[0]) == NOT_BEGUN
    pid = int(marker.read_text())
    assert not os.path.exists(f"/proc/{pid}"), "the child lives on (or was never reaped)"
    # nothing written: the killed child's SQLite connection leaves its empty log and
    # shared memory (SQLite's, as any killed process leaves them), gone at the next close
    after = files_of(project.path)
    after.pop("labeldesk.db-shm", None)
    assert after.pop("labeldesk.db-wal", 0) == 0
    assert after == before
    with open_project(project.path) as again:
        assert again.read_only is None
    assert files_of(project.path) == before
