"""The bundled sample dataset in the real window: what a new user sees first."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeldesk.core.create import create_and_index
from labeldesk.gui.main_window import MainWindow

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "fashion"


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory):
    if not SAMPLE.is_dir():
        pytest.skip("sample_data/fashion is not in this checkout")
    project, _ = create_and_index(tmp_path_factory.mktemp("sample") / "proj", SAMPLE)
    path = project.path
    project.close()
    return path


def files(*parts: str) -> list[Path]:
    return sorted(p for p in SAMPLE.joinpath(*parts).rglob("*.png"))


def test_the_sample_opens_with_every_image_and_filters_by_class_and_split(qtbot, sample_project):
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        assert window.open_project(sample_project)
        view = window.view
        assert view is not None
        every = files()
        assert view.model.rowCount() == len(every) == 600
        assert f"{len(every)} images" in window.counts_label.text()

        view.sidebar.select_class("coat")
        coats = [p for p in every if p.parent.name == "coat"]
        assert view.model.rowCount() == len(coats) > 0
        view.sidebar.select_split("test")
        assert view.model.rowCount() == len(files("test", "coat"))
        view.sidebar.select_split(None)
        view.sidebar.select_class(None, unlabeled=True)
        assert view.model.rowCount() == len(files("_unlabeled")) == 200
    finally:
        window.close()


def test_a_map_selection_on_the_sample_is_not_cut_down_by_an_earlier_filter(qtbot, sample_project):
    """The issue's case: 55 images boxed on the map after a class filter showed 18."""
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        assert window.open_project(sample_project)
        view = window.view
        view.sidebar.select_class("coat")
        assert view.model.rowCount() == 40
        boxed = [str(p.relative_to(SAMPLE).as_posix()) for p in files()[::11]][:55]
        assert sum("/coat/" in p for p in boxed) < 55
        window.show_selection(boxed, "selected on the map")
        assert view.model.rowCount() == 55
        assert view.sidebar.banner_text.text() == "Showing 55 images selected on the map"
        assert "showing 55" in window.counts_label.text()
        view.sidebar.clear_selection()
        assert view.model.rowCount() == 600  # the filters were reset when it arrived
    finally:
        window.close()
