"""A Drift page over a small project embedded with the tiny backbone
(tests/ml/drift_fixtures.py), where the Drift page's tests start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ml.drift_fixtures import make_project

from labeldesk.gui.drift_page import DriftPage
from labeldesk.gui.session import ProjectSession


@contextmanager
def drift_page_over_new_project(qtbot, folder: Path) -> Iterator[DriftPage]:
    """A Drift page, 1000 x 700 and shown, over a new project in ``folder``; afterwards
    its jobs stopped, its session detached and the project closed."""
    project = make_project(folder)
    session = ProjectSession(project)
    page = DriftPage(session)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    try:
        yield page
    finally:
        page.shutdown()
        session.detach()
        project.close()
