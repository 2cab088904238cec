"""A Cancel while a job's child process is still starting (importing its modules) ends
the child at once: the call says "cancelled" without waiting for the imports, the
process is gone and the project is as it was."""

from __future__ import annotations

import os

import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.core.project import open_project
from labeldesk.ml.child_jobs import run_in_child

from .cancelled_child import cancelled_call, files_of

TARGET = "ml.slow_start_target:job"


@pytest.mark.parametrize(
    "slow",
    [
        {"target": TARGET},  # the job's own module is slow to import
        # a module it will use, imported while it starts (as timm is for a backbone job)
        {
            "target": "ml.child_targets:report_data",
            "data": {},
            "preload": ("ml.slow_start_target",),
        },
    ],
    ids=["job-module", "preload"],
)
def test_a_cancel_while_the_child_starts_ends_it_at_once(project, tmp_path, monkeypatch, slow):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc to see that the child has gone")
    marker = tmp_path / "child-pid"
    monkeypatch.setenv("LABELDESK_TEST_STARTING", str(marker))
    project.close()  # (the parent's own connection would hold the -wal files)
    before = files_of(project.path)
    # cancelled while the child imports the job's module (for 300 s)
    caller, outcome = cancelled_call(marker, project_path=project.path, **slow)
    assert not caller.is_alive(), "the call waited for the child to finish starting"
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome
    pid = int(marker.read_text())
    assert not os.path.exists(f"/proc/{pid}"), "the child lives on (or was never reaped)"
    assert files_of(project.path) == before  # nothing written, nothing left behind
    with open_project(project.path) as again:
        assert again.read_only is None and len(again.db.conn.execute(
            "SELECT id FROM images").fetchall()) == 19  # fmt: skip


def test_a_cancel_before_the_child_starts_says_cancelled(project):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_in_child("ml.child_targets:report_data", project.path, cancel=token, data={})
