"""The versions table's accuracy of a version that has none: a dash, and hovering it
says why (before, a bare dash with no tooltip)."""

from __future__ import annotations

from labeldesk.core.model_versions import ModelVersion
from labeldesk.gui.history_table import HistoryTable


def _version(id_: int, metrics: dict) -> ModelVersion:
    return ModelVersion(id_, "head", "complete", 0.0, 0, None, {}, metrics, None)


def test_a_missing_accuracy_is_a_dash_that_says_why(qtbot):
    old = _version(1, {"train_images": 12})  # made before LabelDesk recorded where it measured
    no_val = _version(2, {"evaluated_on": "holdout", "test": {"accuracy": 0.5}})
    measured = _version(3, {"evaluated_on": "val", "eval": {"accuracy": 0.75}})
    table = HistoryTable()
    qtbot.addWidget(table)
    table.set_versions([measured, no_val, old])
    cells = [(table.item(r, 4).text(), table.item(r, 5).text()) for r in range(3)]
    assert cells == [("75.0%", "—"), ("—", "50.0%"), ("—", "—")]
    tips = [(table.item(r, 4).toolTip(), table.item(r, 5).toolTip()) for r in range(3)]
    recorded = "Not recorded: this version was made before LabelDesk kept this accuracy"
    assert tips == [
        (
            "evaluated on val",
            "Not measured: there were no labeled test images when this version was made",
        ),
        ("Not measured: there were no labeled holdout images when this version was made", ""),
        (recorded, recorded),
    ]
