"""A Cancel while the Drift page's check loads the project's model in its child process
ends the child at once, as embedding's does (tests/ml/test_child_cancel_load.py). Before,
the new folder's probe wrote its thumbnails into the project's cache before the load, so
the load could not be cut short and the Cancel waited for it (here: 300 s, the test's
stand-in for a slow load on a busy machine). Now the folder is only read and hashed
before the load: the call says the check was cancelled before it began, the process is
gone, and the project (its thumbnail cache included) holds nothing new."""

from __future__ import annotations

import os

import pytest

from ml.drift_fixtures import make_project, new_folder

from .test_child_cancel_load import cancel_while_loading


def test_a_cancel_while_the_drift_child_loads_its_model_ends_it_at_once(tmp_path, monkeypatch):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc to see that the child has gone")
    project = make_project(tmp_path / "drift", per_class=8)
    folder, _ = new_folder(tmp_path / "new", per_class=5, seed=7)
    marker = tmp_path / "child-pid"
    monkeypatch.setenv("LABELDESK_TEST_LOADING", str(marker))
    project.close()  # (the parent's own connection would hold the -wal files)
    cancel_while_loading(
        project.path, marker, "labeldesk.ml.drift_job:check_folder", folder=str(folder)
    )
