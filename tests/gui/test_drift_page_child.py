"""The app's Drift page runs its check in a child process: the report's numerical steps
(the new images' probe's PCA, scikit-learn's randomized SVD) hold Python's lock for
seconds at a time (3.4-6.1 s at 100k images on a busy 2-core machine,
benchmarks/RESULTS.md), and in a job thread of the app's process the window would stop
for as long."""

from __future__ import annotations

import pytest
from ml.drift_fixtures import new_folder

import labeldesk.ml.drift as drift
from gui.drift_pages import drift_page_over_new_project
from labeldesk.gui.drift_page import DriftPage

pytest.importorskip("torch")


def test_the_page_checks_a_folder_in_a_child_process(qtbot, tmp_path, monkeypatch):
    """As the app has it (``in_process`` False: the other GUI tests set True), the report
    is computed in a child: none in the window's process, the same report shown."""
    folder, _ = new_folder(tmp_path / "new", per_class=10, new_class=10, seed=11)
    with drift_page_over_new_project(qtbot, tmp_path / "p") as page:
        # in this process first: it embeds the folder with the tests' backbone
        # (registered here only), so the child finds every vector stored
        job = page.check(folder)
        assert job is not None
        qtbot.waitUntil(lambda: not page.session.busy, timeout=120_000)
        here = page.report.to_json()
        monkeypatch.setattr(DriftPage, "in_process", False)

        def refused(*args, **kw):
            raise AssertionError("the drift report was computed in the app's process")

        monkeypatch.setattr(drift, "drift_report", refused)
        job = page.check(folder)
        assert job is not None
        qtbot.waitUntil(lambda: not page.session.busy, timeout=180_000)
        assert "Could not check" not in page.verdict.text()
        there = page.report.to_json()
    for data in (here, there):
        for key in ("created", "seconds", "embedded"):
            data.pop(key)
    assert there == here
