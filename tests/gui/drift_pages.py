"""A Drift page over a small project embedded with the tiny backbone
(tests/ml/drift_fixtures.py), where the Drift page's tests start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ml.drift_fixtures import make_project, new_folder

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


@contextmanager
def window_whose_check_found_no_embeddings(qtbot, tmp_path: Path, monkeypatch, dialogs: list):
    """The app's window over a project never embedded, its Drift page shown and a check of
    a new folder run to its end (it cannot run: no embeddings); the error dialogs the window
    would have shown are appended to ``dialogs``. Yields (window, page); closes the window."""
    from labeldesk.core.create import create_and_index
    from labeldesk.gui import window_notices
    from labeldesk.gui.main_window import MainWindow

    monkeypatch.setattr(window_notices, "show_error", lambda parent, text: dialogs.append(text))
    root, _ = new_folder(tmp_path / "images", per_class=3, seed=8)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        window.open_project(tmp_path / "p")
        window.show_drift()
        page = window.pages.drift
        job = page.check(new_folder(tmp_path / "new", per_class=3, seed=9)[0])
        assert job is not None
        qtbot.waitUntil(lambda: not job.running, timeout=60_000)
        yield window, page
    finally:
        window.close()
