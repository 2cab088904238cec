"""The Statistics chart of a project with no labeled image says so in words, and what to
do: it drew an empty grid with an axis from 0 to 1.1 "images" and a "train" legend,
which meant nothing. Once an image is labeled the chart is back."""

from __future__ import annotations

from PIL import Image

from gui.shown import shown
from labeldesk.core.create import create_and_index
from labeldesk.gui.stats_view import (
    NO_CLASSES_CHART,
    NO_IMAGES_CHART,
    NO_LABELS_CHART,
    StatsView,
)


def shown_view(qtbot, project) -> StatsView:
    view = StatsView(project)
    shown(qtbot, view, (1200, 800))
    return view


def says_instead_of_the_chart(view: StatsView) -> str:
    if view.chart.isVisible():
        return ""
    assert view.chart_empty.isVisible()
    return view.chart_empty.text()


def test_a_project_with_no_images_says_so_in_place_of_the_chart(qtbot, tmp_path):
    (tmp_path / "images").mkdir()
    project, _ = create_and_index(tmp_path / "proj", tmp_path / "images", workers=1)
    view = shown_view(qtbot, project)
    try:
        assert says_instead_of_the_chart(view) == NO_IMAGES_CHART
        assert "Rescan folder" in NO_IMAGES_CHART
    finally:
        view.shutdown()
        project.close()


def test_images_without_labels_say_how_to_label_then_the_chart_comes(qtbot, tmp_path):
    root = tmp_path / "images"  # three images, no class folders
    root.mkdir()
    for n in range(3):
        Image.new("RGB", (8, 8), (80 * n, 40, 40)).save(root / f"{n}.png")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    view = shown_view(qtbot, project)
    try:
        assert says_instead_of_the_chart(view) == NO_CLASSES_CHART
        project.add_classes(["cat", "dog"])
        view.refresh()
        assert says_instead_of_the_chart(view) == NO_LABELS_CHART
        first = str(project.images().path.iloc[0])
        project.set_labels({first: "dog"})
        view.refresh()
        assert says_instead_of_the_chart(view) == ""
        assert view.chart.bar_heights()["train"] == [0.0, 1.0]
    finally:
        view.shutdown()
        project.close()
