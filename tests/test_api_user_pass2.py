"""A user's second pass through the Python API: what a notebook shows for a project, and
errors that name the API's own call, or the options a call takes."""

from __future__ import annotations


def test_a_project_shows_its_folders_and_whether_it_is_closed(project):
    # it showed <labeldesk.core.project.Project object at 0x7f…>
    shown = repr(project)
    assert repr(str(project.path)) in shown and repr(str(project.root)) in shown
    assert "closed" not in shown
    project.close()
    assert repr(project).endswith("(closed)>")
