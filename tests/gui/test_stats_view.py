"""The statistics view shows what the Qt-free functions compute, and reports cell clicks."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from ml.fake_embeddings import CLASSES
from PySide6.QtCore import Qt

from gui.shown import shown as put_on_screen
from gui.stats_pages import model_stats, show_duplicate_counts
from labeldesk.gui.stats_view import COMPUTING, StatsView


@pytest.fixture
def make_view(qtbot):
    views: list[StatsView] = []

    def make(project) -> StatsView:
        widget = StatsView(project)
        put_on_screen(qtbot, widget, (1200, 800))
        views.append(widget)
        return widget

    yield make
    for widget in views:
        widget.shutdown()


def shown(widget: StatsView, key: str) -> str:
    """A summary value as read on screen (links are rich text; a no-break space reads as
    a space)."""
    return re.sub(r"<[^>]+>", "", widget.summary_labels[key].text()).replace("\u00a0", " ")


def wrapped_lines(label, width: int) -> list[str]:
    """The lines ``label``'s text breaks into at ``width`` px (Qt's own line breaking)."""
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.setDefaultFont(label.font())
    document.setDocumentMargin(0)
    text = label.text()
    if "<" in text:
        document.setHtml(text)
    else:
        document.setPlainText(text)
    document.setTextWidth(width)
    document.size()  # lays the text out
    lines = []
    block = document.begin()
    while block.isValid():
        layout, content = block.layout(), block.text()
        for n in range(layout.lineCount()):
            line = layout.lineAt(n)
            lines.append(content[line.textStart() : line.textStart() + line.textLength()].strip())
        block = block.next()
    return lines


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
    assert "64×48 px" in text["size"].replace("\u00a0", " ")  # (a no-break space)
    assert widget.history.rowCount() == 0
    assert widget.confusion.rowCount() == 0


def test_duplicates_job_fills_in_the_counts(qtbot, make_view, project):
    root = project.root
    shutil.copy(root / "train/cat/cat0.jpg", root / "test/cat/copy_of_cat0.jpg")
    project.scan()
    widget = make_view(project)
    counts = wait_for_duplicates(qtbot, widget)
    assert (counts["exact"], counts["near"], counts["leaking"]) == (1, 0, 1)
    assert shown(widget, "exact") == "1"
    assert shown(widget, "near") == "0"
    assert shown(widget, "leaking").startswith("1")
    # The counts that have groups behind them are links that open those groups.
    with qtbot.waitSignal(widget.duplicatesRequested, timeout=2000) as blocker:
        widget.summary_labels["leaking"].linkActivated.emit("leaking")
    assert blocker.args == ["leaking"]
    assert "href='exact'" in widget.summary_labels["exact"].text()
    assert "href" not in widget.summary_labels["near"].text()  # 0: nothing to open


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


def test_history_after_training(qtbot, make_view, trained_head):
    project, version = trained_head
    widget = make_view(project)
    assert widget.history.rowCount() == 1
    row = [widget.history.item(0, c).text() for c in range(widget.history.columnCount())]
    assert row[0] == f"#{version.id}"
    assert row[1] == "head"
    assert row[4] == f"{version.metrics['eval']['accuracy']:.1%}"
    assert widget.confusion.rowCount() == 0  # no catalog handed over: nothing to count
    wait_for_duplicates(qtbot, widget)


def test_the_matrix_counts_labels_against_what_the_model_thinks(qtbot, trained_head):
    project, _ = trained_head
    widget, catalog = model_stats(qtbot, project)
    try:
        n = len(CLASSES)
        scope = widget.confusion_split.currentData()
        assert scope == "val"  # the default: held-out images, when there are some
        offered = [
            widget.confusion_split.itemData(i) for i in range(widget.confusion_split.count())
        ]
        assert offered == ["val", "train", None]  # no test images in this project
        frame = project.images()
        in_val = frame[frame.split == "val"]
        guess = dict(zip(catalog.paths, catalog.guess, strict=True))
        expected = np.zeros((n, n), dtype=int)
        for path, label in zip(in_val.path, in_val.label, strict=True):
            expected[CLASSES.index(label), CLASSES.index(guess[path])] += 1
        cells = [[int(widget.confusion.item(i, j).text()) for j in range(n)] for i in range(n)]
        assert cells == expected.tolist() and expected.sum() == 15
        assert "Validation: 15 labeled images" in widget.confusion_caption.text()
        # which model agrees: not the Training page's, whose accuracy may differ
        assert "not the model trained on the Training page" in widget.confusion_caption.toolTip()
        headers = [widget.confusion.horizontalHeaderItem(j).text() for j in range(n)]
        assert headers == list(CLASSES) == project.classes()
        base = widget.confusion.palette().color(widget.confusion.palette().ColorRole.Base)
        assert widget.confusion.item(0, 0).background().color() != base  # a heat-map
        # Every split: the planted errors (labeled ant, vectors of bee) sit in ant → bee.
        widget.confusion_split.setCurrentIndex(widget.confusion_split.findData(None))
        total = sum(int(widget.confusion.item(i, j).text()) for i in range(n) for j in range(n))
        assert total == 105  # every labeled image
        assert int(widget.confusion.item(0, 1).text()) >= 2
    finally:
        widget.shutdown()


def test_a_cell_hands_over_exactly_the_images_it_counts(qtbot, trained_head):
    project, _ = trained_head
    widget, catalog = model_stats(qtbot, project)
    widget.resize(1200, 800)
    widget.show()
    try:
        widget.confusion_split.setCurrentIndex(widget.confusion_split.findData(None))
        table = widget.confusion
        count = int(table.item(0, 1).text())
        rect = table.visualItemRect(table.item(0, 1))
        with qtbot.waitSignal(widget.imagesChosen, timeout=2000) as chosen:
            qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        paths, description = chosen.args
        assert len(paths) == count >= 2
        assert description == "labeled ant that the model thought were bee when the cell was opened"
        assert all(catalog.guess[catalog.paths == p][0] == "bee" for p in paths)
    finally:
        widget.shutdown()


def test_statistics_say_about_how_many_labels_are_wrong(qtbot, trained_head):
    project, _ = trained_head
    widget, catalog = model_stats(qtbot, project)
    try:
        expected = catalog.expected_errors
        assert expected is not None and expected >= 2
        assert shown(widget, "likely_wrong") == f"about {expected} · review them"
        assert f"about {expected} wrong label" in widget.summary_labels["likely_wrong"].toolTip()
        with qtbot.waitSignal(widget.reviewRequested, timeout=2000):
            widget.summary_labels["likely_wrong"].linkActivated.emit("review")
    finally:
        widget.shutdown()


def test_readable_in_the_dark_theme(qtbot, qapp, trained_head, light_theme):
    from labeldesk.gui.theme import apply_theme

    project, _ = trained_head
    widget, _ = model_stats(qtbot, project)
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
    widget.shutdown()


def test_confusion_columns_show_class_keys_when_the_names_do_not_fit(qtbot):
    from labeldesk.gui.confusion_table import ConfusionTable

    table = ConfusionTable()
    qtbot.addWidget(table)
    names = ["ankle_boot", "t-shirt_top", "pullover", "bag"]
    table.set_matrix(names, np.eye(4, dtype=int) * 3)
    table.resize(260, 200)
    table.show()
    qtbot.waitExposed(table)

    def heads():
        columns = [table.horizontalHeaderItem(k).text() for k in range(4)]
        return columns, [table.verticalHeaderItem(k).text() for k in range(4)]

    # an elided "t-shirt…" named no class: keys above, and each row names its key
    assert heads() == (
        ["1", "2", "3", "4"],
        ["1  ankle_boot", "2  t-shirt_top", "3  pullover", "4  bag"],
    )
    assert table.horizontalHeaderItem(1).toolTip() == "t-shirt_top (key 2)"
    table.resize(1400, 200)
    qtbot.waitUntil(lambda: heads()[0] == names)
    assert heads()[1] == names
    table.set_matrix(["a", "b"], [[1, 0], [0, 1]])  # short names fit: written out
    assert table.horizontalHeaderItem(0).text() == "a"


def _whole(label) -> bool:
    """Every wrapped line of ``label`` shows: it is as tall as its text needs."""
    return label.height() >= label.heightForWidth(label.width())


def test_a_short_window_scrolls_the_summary_rather_than_cutting_its_lines(qtbot, trained_head):
    """At 800 × 600 the summary's boxes got half the page's height: "review them" and
    "median 28×28" (wrapped lines) were cut off. They keep their height and scroll."""
    project, _ = trained_head
    widget, _ = model_stats(qtbot, project)
    try:
        widget.show()
        widget.resize(560, 420)
        qtbot.waitUntil(lambda: widget.height() == 420)
        qtbot.wait(50)
        wrapped = [k for k, v in widget.summary_labels.items() if v.heightForWidth(v.width()) > 20]
        assert "likely_wrong" in wrapped  # "about N · review them" needs two lines here
        assert all(_whole(widget.summary_labels[k]) for k in widget.summary_labels)
    finally:
        widget.shutdown()


def test_confusion_headers_are_the_keys_that_label_the_classes(qtbot):
    """The 10th class read "10" above its column, where the key that labels it (in the
    sidebar, the menus, the review) is A; past the last key a class gets "#34"."""
    from labeldesk.gui.confusion_table import ConfusionTable
    from labeldesk.gui.shortcuts import LABEL_KEYS

    table = ConfusionTable()
    qtbot.addWidget(table)
    names = [f"class_{k:02d}" for k in range(len(LABEL_KEYS) + 2)]
    table.set_matrix(names, np.eye(len(names), dtype=int))
    table.resize(900, 600)
    table.show()
    qtbot.waitExposed(table)
    columns = [table.horizontalHeaderItem(k).text() for k in range(len(names))]
    assert columns[:11] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B"]
    assert columns[len(LABEL_KEYS) - 1 :] == ["Y", f"#{len(LABEL_KEYS) + 1}", f"#{len(names)}"]
    assert table.verticalHeaderItem(9).text() == "A  class_09"
    assert table.horizontalHeaderItem(9).toolTip() == "class_09 (key A)"
    assert table.horizontalHeaderItem(len(LABEL_KEYS)).toolTip() == f"class_{len(LABEL_KEYS)}"


def test_pointing_at_a_group_names_its_class_and_counts(qtbot, make_view, project):
    """The names under the bars are elided in a narrow window ("t-shirt…"): the group
    under the pointer says whose it is, in full."""
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QToolTip

    chart = make_view(project).chart
    assert chart.group_text(1) == "dog: train 4 · val 2 · test 2"
    to_scene = chart.plot_item.vb.mapViewToScene
    assert chart.group_at(to_scene(QPointF(0.1, 1))) == 0
    assert chart.group_at(to_scene(QPointF(1.3, 3))) == 1
    assert chart.group_at(to_scene(QPointF(2.2, 1))) is None  # right of the last group
    assert chart.group_at(QPointF(-50, -50)) is None  # outside the plot
    chart._hovered(to_scene(QPointF(0.9, 2)))  # as the scene reports a pointer move
    assert QToolTip.isVisible() and QToolTip.text() == "dog: train 4 · val 2 · test 2"
    chart._hovered(QPointF(-50, -50))
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=2000)


def test_a_size_and_its_unit_and_the_review_link_stay_on_one_line(qtbot, make_view, trained_head):
    """ "28×28 … 64×64 px" wrapped leaving "px" alone on a line; "about 41 · review
    them" wrapped inside the link."""
    project, _ = trained_head
    widget, _ = model_stats(qtbot, project)
    try:
        stats = project.stats()
        stats["image_size"] = {
            "width": {"min": 28, "max": 64, "median": 28},
            "height": {"min": 28, "max": 64, "median": 28},
        }
        widget._show_stats(stats)
        assert shown(widget, "size") == "28×28 … 64×64 px\nmedian 28×28"
        size, review = widget.summary_labels["size"], widget.summary_labels["likely_wrong"]
        assert shown(widget, "likely_wrong").endswith(" · review them")
        for width in range(60, 300, 2):  # (narrower, Qt breaks inside words)
            for line in wrapped_lines(size, width):
                assert line not in ("px", "… 64×64", "64×64"), (width, line)
            for line in wrapped_lines(review, width):
                assert line not in ("review", "them", "· review"), (width, line)
    finally:
        widget.shutdown()


def test_an_empty_training_history_says_where_to_train(qtbot, make_view, project):
    """The empty table had no hint at all."""
    from labeldesk.ml.models import list_versions

    widget = make_view(project)
    assert not list_versions(project) and widget.history.rowCount() == 0
    assert widget.history.empty_text == (
        "No model trained yet: train one on the Training page (View → Training, Ctrl+Shift+T)"
    )
    blank = widget.history.viewport().grab().toImage()
    widget.history.empty_text = ""
    widget.history.viewport().repaint()
    assert widget.history.viewport().grab().toImage() != blank  # the hint was drawn


def test_the_hint_names_the_training_key_the_user_chose():
    from PySide6.QtGui import QKeySequence

    from labeldesk.gui import hotkeys
    from labeldesk.gui.stats_view import training_place

    assert training_place() == "View → Training, Ctrl+Shift+T"
    hotkeys.save_keys("training", [QKeySequence("Ctrl+Alt+Y")])
    assert training_place() == "View → Training, Ctrl+Alt+Y"
    hotkeys.save_keys("training", [])
    assert training_place() == "View → Training"


def test_the_count_links_are_reached_with_tab_and_opened_with_enter(qtbot, make_view, project):
    """The duplicate counts and "review them" opened only from a click."""
    root = project.root
    shutil.copy(root / "train/cat/cat0.jpg", root / "test/cat/copy_of_cat0.jpg")
    project.scan()
    widget = make_view(project)
    wait_for_duplicates(qtbot, widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    label = widget.summary_labels["exact"]
    assert label.focusPolicy() & Qt.FocusPolicy.TabFocus  # a Tab stop
    before = widget.summary_labels["likely_wrong"]  # no link here without a model
    before.setFocus()
    qtbot.keyClick(before, Qt.Key.Key_Tab)  # on to the next count's link
    assert label.hasFocus()
    with qtbot.waitSignal(widget.duplicatesRequested, timeout=2000) as opened:
        qtbot.keyClick(label, Qt.Key.Key_Return)
    assert opened.args == ["exact"]


def test_the_summary_fits_a_1280x720_window_with_leaking_groups(qtbot, trained_head, monkeypatch):
    """At 1280 × 720 the side column was a quarter of the page: "3  ⚠ same image in
    several splits" wrapped onto three lines and the "Dataset" box got a scrollbar. The
    column is as wide as its longest value: nothing wraps and nothing scrolls."""
    from PySide6.QtWidgets import QScrollArea

    project, _ = trained_head
    widget, _ = model_stats(qtbot, project)
    try:
        show_duplicate_counts(widget, monkeypatch, {"exact": 12, "near": 34, "leaking": 3})
        assert shown(widget, "leaking") == "3  ⚠ same image in several splits"
        widget.show()
        widget.resize(1280, 650)  # the page in a 1280 × 720 window (menus, status bar)
        qtbot.waitUntil(lambda: widget.height() == 650)
        qtbot.wait(50)
        (side,) = [
            s for s in widget.findChildren(QScrollArea) if s.accessibleName() == "Dataset summary"
        ]
        assert not side.verticalScrollBar().isVisible()
        for key in ("leaking", "likely_wrong"):
            label = widget.summary_labels[key]
            assert len(wrapped_lines(label, label.width())) == 1, key
        assert all(_whole(label) for label in widget.summary_labels.values())
        assert widget.chart.width() > side.width()  # the chart still has most of the room
    finally:
        widget.shutdown()


def test_an_empty_history_of_a_read_only_project_does_not_send_one_to_train(
    make_view, project, make_read_only
):
    """It said to train one on the Training page, where Start training is off."""
    from labeldesk.core.project import open_project

    project.close()
    make_read_only(project.path)
    read_only = open_project(project.path)
    try:
        assert read_only.read_only is not None
        widget = make_view(read_only)
        assert widget.history.empty_text == (
            "No model trained yet; the project is read-only, so none can be trained here"
        )
    finally:
        read_only.close()
