"""The Drift page's check in a child process gives the report the app's process gives."""

from __future__ import annotations

import pytest

from labeldesk.ml.child_jobs import run_in_child
from labeldesk.ml.drift_job import check_folder
from ml.drift_fixtures import make_project, new_folder


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("drift-job"))
    yield project
    project.close()


def _without_time(report) -> dict:
    data = report.to_json()
    data.pop("created"), data.pop("seconds"), data.pop("embedded")
    return data


def test_the_check_in_a_child_gives_the_same_report(project, tmp_path):
    folder, _ = new_folder(tmp_path / "new", per_class=10, seed=7, new_class=10)
    # in this process first: it embeds the folder with the tests' backbone (registered
    # here only), so the child finds every vector stored and loads no model
    here, here_html = check_folder(project, folder=str(folder))
    there, there_html = run_in_child(
        "labeldesk.ml.drift_job:check_folder", project.path, folder=str(folder)
    )
    assert _without_time(there) == _without_time(here)
    assert there_html.is_file() and there_html != here_html
    assert there.verdict == "shift"
