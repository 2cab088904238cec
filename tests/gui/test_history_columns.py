"""The versions table's columns: as wide as their contents, and the width to spare shared
out. Sized to contents alone, the right third of a wide table (the Statistics page at
1280 px) stayed blank, the header stopping short of it."""

from __future__ import annotations

from labeldesk.core.model_versions import ModelVersion
from labeldesk.gui.history_table import HistoryTable


def _versions() -> list[ModelVersion]:
    metrics = {"evaluated_on": "val", "eval": {"accuracy": 0.6}, "train_images": 90}
    return [ModelVersion(i, "head", "complete", 1.7e9, 0, None, {}, metrics, None) for i in (2, 1)]


def _widths(table: HistoryTable) -> list[int]:
    header = table.horizontalHeader()
    return [header.sectionSize(c) for c in range(table.columnCount())]


def _contents(table: HistoryTable) -> list[int]:
    header = table.horizontalHeader()
    return [
        max(table.sizeHintForColumn(c), header.sectionSizeHint(c))
        for c in range(table.columnCount())
    ]


def test_a_wide_table_shares_its_width_among_the_columns(qtbot):
    table = HistoryTable()
    qtbot.addWidget(table)
    table.resize(900, 200)
    table.show()
    table.set_versions(_versions())
    qtbot.waitExposed(table)
    assert sum(_widths(table)) == table.viewport().width()  # none of it blank
    # the spare width is spread over every column, not left to one
    assert all(w > c for w, c in zip(_widths(table), _contents(table), strict=True))


def test_a_narrow_table_cuts_no_column_and_scrolls_sideways(qtbot):
    table = HistoryTable(scored=True)
    qtbot.addWidget(table)
    table.resize(300, 200)
    table.show()
    table.set_versions(_versions())
    table.set_scores(
        _versions(),
        {
            2: {
                "accuracy": 0.5,
                "macro_f1": 0.4,
                "ece": 0.1,
                "n": 20,
                "test_set": "test",
                "left_out": {},
            }
        },
        2,
    )
    qtbot.waitExposed(table)
    assert _widths(table) == _contents(table)
    assert table.horizontalScrollBar().maximum() > 0
