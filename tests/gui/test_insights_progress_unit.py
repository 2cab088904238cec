"""The app's insights job counts its steps (neighbours, predictions, label quality, done),
not images: each report says so (``data["unit"]``), so a view that names the unit says
"3/3 steps", not "3/3 images" for a project of thousands of images; within the
predictions' step the probes' folds come as "folds"."""

from __future__ import annotations

from labeldesk.core.progress import Progress
from labeldesk.core.progress_bar import ProgressLines
from labeldesk.gui.project_view import ProjectView
from labeldesk.gui.workers import Job


def test_the_insights_job_reports_steps(qtbot, clustered, monkeypatch):
    reports: list[tuple[str, Progress]] = []
    real = Job._report

    def kept(job: Job, update: Progress) -> None:
        reports.append((job.name, update))
        real(job, update)

    monkeypatch.setattr(Job, "_report", kept)
    project, _ = clustered
    widget = ProjectView(project)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.catalog.insights is not None, timeout=20000)
    widget.shutdown()
    insights = [update for title, update in reports if title == "Model insights"]
    units = [(p.data or {}).get("unit") for p in insights]
    steps = [(p.done, p.total) for p, unit in zip(insights, units, strict=True) if unit == "step"]
    assert steps == [(0, 3), (1, 3), (2, 3), (3, 3)]
    # within the predictions' step, the probes' folds as they are fitted, counted as folds
    assert set(units) == {"step", "fold"}
    first_fold, last_fold = units.index("fold"), len(units) - 1 - units[::-1].index("fold")
    assert (insights[first_fold - 1].done, insights[last_fold + 1].done) == (1, 2)
    assert set(units[first_fold : last_fold + 1]) == {"fold"}
    assert ProgressLines().line(insights[-1], 0.0) == "done: 3/3 steps (100%)"
