"""A drift check that could not run said why three times: on the page's line, in a
dialog over it and in the status bar (seen checking a folder in a project not embedded
yet). The page's line says it, and the status bar; no dialog."""

from __future__ import annotations

import pytest
from ml.drift_fixtures import new_folder

pytest.importorskip("torch")


def test_a_check_without_embeddings_says_why_on_the_page_without_a_dialog(
    qtbot, tmp_path, monkeypatch
):
    from labeldesk.core.create import create_and_index
    from labeldesk.gui import main_window
    from labeldesk.gui.main_window import MainWindow

    dialogs: list[str] = []
    monkeypatch.setattr(main_window, "show_error", lambda parent, text: dialogs.append(text))
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
        qtbot.waitUntil(lambda: "Could not check" in page.verdict.text(), timeout=10_000)
        assert page.verdict.text() == (
            "Could not check the folder: no embeddings yet: use Tools → Compute embeddings "
            "(Ctrl+E) first"
        )
        assert window.statusBar().currentMessage() == (
            "No embeddings yet: use Tools → Compute embeddings (Ctrl+E) first"
        )
        assert dialogs == []
    finally:
        window.close()
