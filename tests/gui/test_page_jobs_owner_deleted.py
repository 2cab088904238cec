"""Background jobs of the browser and the pages that end after their widget was deleted
(the project closed: its view and pages are shut down and deleted while the session
waits for their jobs, whose last signals then arrive after them) call nothing on it.
Before, each handler here (a lambda) ran on the deleted widget: RuntimeError, Internal
C++ object already deleted, or Signal source has been deleted."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from gui.owner_deleted import cancelled_when_let, end_after_owner_deleted, fail_when_let
from labeldesk.gui.workers import Job, JobRunner


def _view(qtbot, project, runner: JobRunner):
    from labeldesk.gui.project_view import ProjectView

    view = ProjectView(project, runner=runner)  # the window's runner outlives its views
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_row_refresh_that_fails_after_its_view_was_deleted(qtbot, project, monkeypatch):
    from labeldesk.gui.image_model import ImageListModel
    from labeldesk.gui.row_refresh import BACKGROUND_ROWS, RowRefresh

    gate = threading.Event()
    monkeypatch.setattr(project, "image_states", fail_when_let(gate))
    runner, owner = JobRunner(), QObject()
    rows = RowRefresh(project, ImageListModel(), runner.start, parent=owner)
    rows.refresh(range(1, BACKGROUND_ROWS + 2))
    assert rows.job is not None
    rows.close()
    assert end_after_owner_deleted(qtbot, owner, rows.job, gate) == []
    assert runner.shutdown()


def test_a_fill_in_that_fails_after_its_view_was_deleted(qtbot, project, monkeypatch):
    from labeldesk.browse.catalog import ImageCatalog

    runner = JobRunner()
    view = _view(qtbot, project, runner)
    gate = threading.Event()
    monkeypatch.setattr(ImageCatalog, "load", fail_when_let(gate))
    job = view.fill_in()
    assert job is not None
    view.shutdown()
    assert end_after_owner_deleted(qtbot, view, job, gate) == []
    assert runner.shutdown()


def test_a_more_like_search_that_fails_after_its_view_was_deleted(qtbot, project, monkeypatch):
    from labeldesk.gui import browser_insights

    runner = JobRunner()
    view = _view(qtbot, project, runner)
    gate = threading.Event()
    monkeypatch.setattr(
        browser_insights, "more_like_job", lambda *_: Job(fail_when_let(gate), "More like this")
    )
    assert len(view.grid.selected_rows()) == 1
    job = view.more_like_selection()
    assert job is not None
    view.shutdown()
    assert end_after_owner_deleted(qtbot, view, job, gate) == []
    assert runner.shutdown()


def test_a_comparison_that_fails_after_its_versions_page_was_deleted(qtbot, project, monkeypatch):
    from labeldesk.core import versions
    from labeldesk.gui import versions_view
    from labeldesk.gui.versions_view import VersionsView

    versions.create_version(project.db, "v1", "")
    runner = JobRunner()
    page = VersionsView(project, runner)
    page.refresh()
    page.select("v1")
    gate = threading.Event()
    monkeypatch.setattr(versions_view, "diff_head", fail_when_let(gate))
    job = page.compare()
    assert job is not None
    page.shutdown()
    assert end_after_owner_deleted(qtbot, page, job, gate) == []
    assert runner.shutdown()


def _drift_page(project):
    from labeldesk.gui.drift_page import DriftPage
    from labeldesk.gui.session import ProjectSession

    session = ProjectSession(project, runner=JobRunner())
    return session, DriftPage(session)


def test_a_drift_check_cancelled_by_closing_calls_nothing_on_the_deleted_page(
    qtbot, project, monkeypatch, tmp_path
):
    from labeldesk.ml import drift

    monkeypatch.setattr(drift, "drift_report", cancelled_when_let(gate := threading.Event()))
    session, page = _drift_page(project)
    job = page.check(tmp_path)
    assert job is not None
    page.shutdown()  # (as the window closes the project: the page, then the session)
    assert end_after_owner_deleted(qtbot, page, job, gate, end="cancelled") == []
    session.detach()
    assert session.runner.shutdown()


def test_adding_images_cancelled_by_closing_calls_nothing_on_the_deleted_page(
    qtbot, project, monkeypatch, tmp_path
):
    from labeldesk.core import add_images

    monkeypatch.setattr(add_images, "copy_unlabeled", cancelled_when_let(gate := threading.Event()))
    session, page = _drift_page(project)
    page.folder = tmp_path / "new"
    page.folder.mkdir()
    job = page.add_to_project(["a.png"])
    assert job is not None
    page.shutdown()
    job.cancel()  # (as the session's close cancels it)
    assert end_after_owner_deleted(qtbot, page, job, gate, end="cancelled") == []
    session.detach()
    assert session.runner.shutdown()
