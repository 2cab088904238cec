"""View → Drift → Choose folder… opens beside the project's image folder (new images
usually sit there), then in the folder last checked; it opened wherever the app was
started from (a source checkout, /, the home folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.drift_pages import drift_page_over_new_project
from labeldesk.gui import drift_page


@pytest.fixture
def page(qtbot, tmp_path):
    with drift_page_over_new_project(qtbot, tmp_path) as page:
        yield page


def test_the_folder_dialog_starts_beside_the_images_then_at_the_last_folder(
    page, tmp_path, monkeypatch
):
    asked: list[str] = []
    answer = {"folder": ""}

    def pick(parent, caption, folder="", *args, **kwargs):
        asked.append(folder)
        return answer["folder"]

    monkeypatch.setattr(drift_page.QFileDialog, "getExistingDirectory", pick)
    checked: list[Path] = []
    monkeypatch.setattr(page, "check", lambda folder: checked.append(folder))
    page.choose_folder()  # cancelled: nothing checked
    assert asked == [str(page.project.root.parent)] and not checked
    page.folder = tmp_path / "new"  # (what a check records)
    page.choose_folder()
    assert asked[-1] == str(tmp_path / "new")
