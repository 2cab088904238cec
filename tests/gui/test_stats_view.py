"""The statistics view shows what the Qt-free functions compute, and reports cell clicks."""

from __future__ import annotations

import shutil

import pytest
from ml.fake_embeddings import CLASSES, make_clustered_project
from PySide6.QtCore import Qt

from labeldesk.gui.stats_view import COMPUTING, StatsView


@pytest.fixture
def make_view(qtbot):
    views: list[StatsView] = []

    def make(project) -> StatsView:
        widget = StatsView(project)
        qtbot.addWidget(widget)
        widget.resize(1200, 800)
        widget.show()
        qtbot.waitExposed(widget)
        views.append(widget)
        return widget

    yield make
    for widget in views:
        widget.shutdown()


def wait_for_duplicates(qtbot, widget: StatsView) -> dict[str, int]:
    qtbot.waitUntil(lambda: widget.duplicate_counts is not None, timeout=15000)
    assert widget.duplicate_counts is not None
    return widget.duplicate_counts


def test_chart_has_one_bar_group_per_class_with_the_stats(make_view, project):
    widget = make_view(project)
    stats = project.stats()
    classes = list(stats["classes"])
    assert classes == ["cat", "dog"]
    assert widget.chart.class_names == classes
    heights = widget.chart.bar_heights()
    assert set(heights) == {"train", "val", "test"}
    for split, values in heights.items():
        assert len(values) == len(classes)
        assert values == [stats["classes"][c][split] for c in classes]
    assert heights == {"train": [4, 4], "val": [2, 2], "test": [2, 2]}
    ticks = widget.chart.plot_item.getAxis("bottom")._tickLevels[0]
    assert [text for _, text in ticks] == classes


def test_summary_shows_the_counts(make_view, project):
    widget = make_view(project)
    text = {key: label.text() for key, label in widget.summary_labels.items()}
    assert text["images"] == "19"
    assert text["labeled"] == "16"
    assert text["unlabeled"] == "3"
    assert text["excluded"] == "0"
    assert text["imbalance"] == "1.00"
    assert text["skipped"] == "0"
    assert "64×48 px" in text["size"]
    assert widget.history.rowCount() == 0
    assert widget.confusion.rowCount() == 0


def test_duplicates_job_fills_in_the_counts(qtbot, make_view, project):
    root = project.root
    shutil.copy(root / "train/cat/cat0.jpg", root / "test/cat/copy_of_cat0.jpg")
    project.scan()
    widget = make_view(project)
    counts = wait_for_duplicates(qtbot, widget)
    assert (counts["exact"], counts["near"], counts["leaking"]) == (1, 0, 1)
    assert widget.summary_labels["exact"].text() == "1"
    assert widget.summary_labels["near"].text() == "0"
    assert widget.summary_labels["leaking"].text().startswith("1")


def test_refresh_restarts_the_duplicate_search(qtbot, make_view, project):
    widget = make_view(project)
    assert wait_for_duplicates(qtbot, widget)["exact"] == 0
    root = project.root
    shutil.copy(root / "val/dog/dog0.jpg", root / "val/dog/again.jpg")
    project.scan()
    with qtbot.waitSignal(widget.duplicatesReady, timeout=15000) as blocker:
        widget.refresh()
        assert widget.summary_labels["exact"].text() == COMPUTING
    counts = blocker.args[0]
    assert counts == widget.duplicate_counts
    assert (counts["exact"], counts["leaking"]) == (1, 0)
    assert widget.summary_labels["images"].text() == "20"


def test_the_duplicate_search_is_tracked_and_can_be_cancelled(qtbot, project):
    from labeldesk.gui.stats_view import CANCELLED

    tracked: list[str] = []

    def cancel_at_once(job, title):  # as the status bar's Cancel would
        tracked.append(title)
        job.cancel()

    widget = StatsView(project, track=cancel_at_once)
    qtbot.addWidget(widget)
    try:
        assert tracked == ["Finding duplicates"]
        qtbot.waitUntil(lambda: widget.summary_labels["exact"].text() == CANCELLED, timeout=15000)
        assert widget.duplicate_counts is None
        assert widget.summary_labels["leaking"].text() == CANCELLED
    finally:
        widget.shutdown()


@pytest.fixture
def trained(tmp_path):
    from labeldesk.ml.train import HeadParams, train_head

    project, _ = make_clustered_project(tmp_path)
    version = train_head(project, HeadParams(epochs=5))
    yield project, version
    project.close()


def test_history_and_confusion_after_training(qtbot, make_view, trained):
    project, version = trained
    widget = make_view(project)
    assert widget.history.rowCount() == 1
    row = [widget.history.item(0, c).text() for c in range(widget.history.columnCount())]
    assert row[0] == f"#{version.id}"
    assert row[1] == "head"
    assert row[4] == f"{version.metrics['eval']['accuracy']:.1%}"
    matrix = version.metrics["eval"]["confusion"]
    n = len(CLASSES)
    assert (widget.confusion.rowCount(), widget.confusion.columnCount()) == (n, n)
    shown = [[int(widget.confusion.item(i, j).text()) for j in range(n)] for i in range(n)]
    assert shown == matrix
    headers = [widget.confusion.horizontalHeaderItem(j).text() for j in range(n)]
    assert headers == list(CLASSES) == project.classes()
    # heat-map: a non-empty cell is coloured differently from an empty one
    base = widget.confusion.palette().color(widget.confusion.palette().ColorRole.Base)
    assert widget.confusion.item(0, 0).background().color() != base
    wait_for_duplicates(qtbot, widget)


def test_clicking_a_confusion_cell_emits_the_class_names(qtbot, make_view, trained):
    project, _ = trained
    widget = make_view(project)
    table = widget.confusion
    item = table.item(1, 2)
    rect = table.visualItemRect(item)
    with qtbot.waitSignal(widget.confusionCellClicked, timeout=2000) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [CLASSES[1], CLASSES[2]]
    wait_for_duplicates(qtbot, widget)


def test_readable_in_the_dark_theme(qtbot, qapp, make_view, trained, light_theme):
    from labeldesk.gui.theme import apply_theme

    project, _ = trained
    widget = make_view(project)
    apply_theme(qapp, "dark")
    qtbot.wait(50)
    table = widget.confusion
    base = table.palette().color(table.palette().ColorRole.Base)
    assert base.lightness() < 80
    empty = next(
        table.item(i, j)
        for i in range(table.rowCount())
        for j in range(table.columnCount())
        if table.item(i, j).text() == "0"
    )
    assert empty.background().color() == base
    assert empty.foreground().color().lightness() > 150
    wait_for_duplicates(qtbot, widget)
