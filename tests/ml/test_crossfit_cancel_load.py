"""A Cancel while cross-fitting's child process loads the backbone ends the child at
once, as embedding's and fine-tuning's do (tests/ml/test_child_cancel_load.py): before
the load the fit only reads (the project's vectors and labels), and the load cannot look
at the Cancel. Before, the Cancel waited for the load to end (here: 300 s, the test's
stand-in for a slow load on a busy machine), and the call with it. The call says the job
was cancelled before it began, the process is gone, and the project holds nothing new."""

from __future__ import annotations

import os

import pytest

from .test_child_cancel_load import cancel_while_loading


def test_a_cancel_while_the_crossfit_child_loads_its_backbone_ends_it_at_once(
    clustered, tmp_path, monkeypatch
):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc to see that the child has gone")
    project, _ = clustered
    marker = tmp_path / "child-pid"
    monkeypatch.setenv("LABELDESK_TEST_LOADING", str(marker))
    project.close()  # (the parent's own connection would hold the -wal files)
    cancel_while_loading(project.path, marker, "labeldesk.ml.crossfit:fit_project")
