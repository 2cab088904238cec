"""File → Open project… opens where the last project opened lives (its parent folder,
so that one and its neighbours are listed); it opened wherever the app was started
from. With no recent project it is left to the system (the home folder, or the folder
the app was started from)."""

from __future__ import annotations

from labeldesk.gui import main_window, settings


def test_open_project_starts_beside_the_last_project(window, tmp_path, monkeypatch):
    asked: list[str] = []

    def pick(parent, caption, folder="", *args, **kwargs):
        asked.append(folder)
        return ""  # cancelled

    monkeypatch.setattr(main_window.QFileDialog, "getExistingDirectory", pick)
    window.prompt_open_project()
    assert asked == [""]  # no recent project: the system's choice
    last = tmp_path / "projects" / "cats"
    last.mkdir(parents=True)
    settings.add_recent_project(last)
    window.prompt_open_project()
    assert asked[-1] == str(last.resolve().parent)
