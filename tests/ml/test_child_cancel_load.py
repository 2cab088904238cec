"""A Cancel while a job's child process loads its model (embedding, fine-tuning) ends
the child at once: the load writes nothing and cannot look at the Cancel, and the job
has written nothing before it. Before, the Cancel waited for the load (about 5 s at
load 11, more on a busier machine). The call says the job was cancelled before it
began, the process is gone, and neither the project nor the model cache holds anything
new."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.project import open_project
from labeldesk.ml.child_jobs import NOT_BEGUN
from labeldesk.ml.finetune import FinetuneParams

from .cancelled_child import cancelled_call, files_of

JOBS = {
    "embed": ("labeldesk.ml.embed:embed_project", {}),
    "finetune": (
        "labeldesk.ml.finetune:finetune_and_reembed",
        {"params": FinetuneParams(epochs=1)},
    ),
}


def cancel_while_loading(path: Path, marker: Path, target: str, **kwargs: Any) -> None:
    """Run ``target`` in a child whose model load takes 300 s (``marker``: where the child
    writes its pid as the load starts), Cancel during the load, and check that the call
    returns at once, cancelled before the job began, the child gone, and that the
    project at ``path`` (closed) holds nothing new."""
    before = files_of(path)
    # cancelled while the child loads the model (for 300 s)
    caller, outcome = cancelled_call(
        marker, target, path, preload=("ml.slow_model_load",), **kwargs
    )
    assert not caller.is_alive(), "the call waited for the model's load"
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome
    assert str(outcome[0]) == NOT_BEGUN
    pid = int(marker.read_text())
    assert not os.path.exists(f"/proc/{pid}"), "the child lives on (or was never reaped)"
    # nothing written: the killed child's SQLite connection leaves its empty log and
    # shared memory (SQLite's, as any killed process leaves them), gone at the next close
    after = files_of(path)
    after.pop("labeldesk.db-shm", None)
    assert after.pop("labeldesk.db-wal", 0) == 0
    assert after == before
    with open_project(path) as again:
        assert again.read_only is None
    assert files_of(path) == before


@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_cancel_while_the_child_loads_its_model_ends_it_at_once(
    project, tmp_path, monkeypatch, job
):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc to see that the child has gone")
    marker, cache = tmp_path / "child-pid", tmp_path / "model-cache"
    monkeypatch.setenv("LABELDESK_TEST_LOADING", str(marker))
    monkeypatch.setenv("LABELDESK_RUNTIME_CACHE", str(cache))
    project.close()  # (the parent's own connection would hold the -wal files)
    target, kwargs = JOBS[job]
    cancel_while_loading(project.path, marker, target, **kwargs)
    assert not cache.exists()  # no graph exported, no compiled model begun
    with open_project(project.path) as again:
        assert len(again.db.conn.execute("SELECT id FROM images").fetchall()) == 19
