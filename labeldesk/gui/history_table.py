"""The model versions as a table (:class:`HistoryTable`), one row per version, newest
first, and the words its cells and the training page share: what an accuracy was
measured on, a percentage or a dash, why one is missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from labeldesk.ml.models import ModelVersion

NONE = "—"
HISTORY_COLUMNS = (
    "Version", "Kind", "Trained", "Status", "Val acc", "Test acc", "Train imgs",
    "Frozen test acc", "Macro-F1", "ECE", "In use",
)  # fmt: skip
SCORE_COLUMN = 7  # the first column filled from the frozen test set
TOO_FEW = "⚠"  # beside a val accuracy measured on too few images (the tooltip says why)
EVAL_COLUMN = HISTORY_COLUMNS.index("Val acc")


def evaluated_on(versions: Sequence[ModelVersion]) -> str:
    """What the runs' accuracy was measured on, in the words `labeldesk train` uses:
    "val", "holdout" (a part of train held out, the project having no val split: the
    app called it "val" all the same) or "val/holdout" when the runs differ."""
    names = {str(v.metrics.get("evaluated_on") or "val") for v in versions}
    return "/".join(sorted(names, reverse=True)) if names else "val"


def percent(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else NONE


def accuracy(version: ModelVersion, name: str) -> Any:
    report = version.metrics.get(name)
    return report.get("accuracy") if isinstance(report, dict) else None


def no_accuracy_tip(version: ModelVersion, name: str) -> str:
    """Why the ``name`` ("eval" or "test") accuracy of ``version`` is missing (its cell
    shows a dash): made before LabelDesk recorded what it measured on, or no labeled
    images to measure on then."""
    if "evaluated_on" not in version.metrics:
        return "Not recorded: this version was made before LabelDesk kept this accuracy"
    where = str(version.metrics["evaluated_on"] or "val") if name == "eval" else "test"
    return f"Not measured: there were no labeled {where} images when this version was made"


class HistoryTable(QTableWidget):
    """One row per model version, newest first: kind, date, status, accuracies."""

    def __init__(self, parent=None, *, scored: bool = False):
        """``scored``: with the frozen-test columns (filled by :meth:`set_scores`)."""
        columns = HISTORY_COLUMNS if scored else HISTORY_COLUMNS[:SCORE_COLUMN]
        super().__init__(0, len(columns), parent)
        self.setHorizontalHeaderLabels(columns)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.verticalHeader().setVisible(False)
        # Each column as wide as its contents, and the width to spare shared out among
        # them (see _fit_columns): sized to contents alone they left the right third of
        # a wide table blank; a stretched last column put "Train imgs" far right.
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setStretchLastSection(False)
        self.empty_text = ""  # drawn in the empty table: what to do to fill it
        # the height asked for (None: Qt's): Statistics asks for a few rows, so that the
        # page's column with the duplicates above it fits without scrolling; it stretches
        self.preferred_rows: int | None = None

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.preferred_rows is None:
            return hint
        rows = self.preferred_rows * self.verticalHeader().defaultSectionSize()
        frame = 2 * self.frameWidth()
        return QSize(hint.width(), self.horizontalHeader().sizeHint().height() + rows + frame)

    def _fit_columns(self) -> None:
        """Every column at least as wide as its header and cells (a narrow table scrolls
        sideways rather than cut one), the width to spare shared out evenly."""
        header = self.horizontalHeader()
        count = self.columnCount()
        if not count:
            return
        wanted = [max(self.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(count)]
        spare = max(0, self.viewport().width() - sum(wanted))
        for c, width in enumerate(wanted):
            header.resizeSection(c, width + spare // count + (1 if c < spare % count else 0))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_columns()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_columns()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.rowCount() or not self.empty_text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12), flags, self.empty_text)
        painter.end()

    def set_versions(self, versions: Sequence[ModelVersion], first_run: str = "val") -> None:
        """``first_run``: with no versions, what a run would measure on ("holdout": no
        labeled val images), the header's word until there is one."""
        self.setRowCount(len(versions))
        header = f"{(evaluated_on(versions) if versions else first_run).capitalize()} acc"
        self.setHorizontalHeaderItem(EVAL_COLUMN, QTableWidgetItem(header))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, version in enumerate(versions):
            trained = dt.datetime.fromtimestamp(version.created_at).strftime("%Y-%m-%d %H:%M")
            warning = version.metrics.get("eval_warning")  # val too small to measure
            cells = (
                f"#{version.id}",
                version.kind,
                trained,
                version.status,
                percent(accuracy(version, "eval")) + (f" {TOO_FEW}" if warning else ""),
                percent(accuracy(version, "test")),
                str(version.metrics.get("train_images", NONE)),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 4:
                    item.setTextAlignment(right)
                name = {4: "eval", 5: "test"}.get(column)
                if name is not None and accuracy(version, name) is None:
                    item.setToolTip(no_accuracy_tip(version, name))
                elif column == 4 and version.metrics.get("evaluated_on"):
                    where = f"evaluated on {version.metrics['evaluated_on']}"
                    item.setToolTip(f"{where}; {TOO_FEW} {warning}" if warning else where)
                self.setItem(row, column, item)
        self._fit_columns()

    def set_scores(
        self,
        versions: Sequence[ModelVersion],
        scores: Mapping[int, Mapping[str, Any]],
        in_use: int | None,
    ) -> None:
        """Fill the frozen-test columns (blank until scored) and mark the head in use."""
        if self.columnCount() <= SCORE_COLUMN:
            return
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, version in enumerate(versions):
            scored = scores.get(version.id) or {}
            ece = scored.get("ece")
            cells = (
                percent(scored.get("accuracy")),
                percent(scored.get("macro_f1")),
                f"{ece:.3f}" if isinstance(ece, float) else NONE,
                "✓" if version.id == in_use else "",
            )
            for k, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(right if k < 3 else Qt.AlignmentFlag.AlignCenter)
                if k == 0 and scored:
                    left = ", ".join(f"{n} {why}" for why, n in scored["left_out"].items())
                    item.setToolTip(
                        f"{scored['n']} images of {scored['test_set']}"
                        + (f"; left out: {left}" if left else "")
                    )
                self.setItem(row, SCORE_COLUMN + k, item)
        self._fit_columns()
