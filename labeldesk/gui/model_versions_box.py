"""The training page's model versions: scored on the frozen test set, compared, pinned.

The same figures and choice as ``labeldesk models`` (:mod:`labeldesk.ml.model_eval`,
:mod:`labeldesk.ml.model_choice`): which head the app uses and why, each version's
accuracy, macro-F1 and calibration on one frozen test set, two selected versions side
by side with McNemar's test and the images one gets right and the other wrong, and a
pin. Scoring reads vectors, so it runs as a background job, never on the GUI thread.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from labeldesk.core.project import Project
from labeldesk.gui.app_words import in_app_words
from labeldesk.gui.history_table import HistoryTable
from labeldesk.gui.workers import Job, JobRunner, write_failure
from labeldesk.ml.models import ModelVersion

SHOWN_PATHS = 20  # images listed per side of a comparison
NO_HEAD = "No trained head yet."


def _scores(project: Project) -> tuple[dict[int, dict[str, Any]], Any, str | None]:
    """Every head's frozen-test evaluation, the chosen head and whether it predicts now
    (``(chosen, predicting)``), the test set's name."""
    from labeldesk.ml.model_choice import chosen_head, predicting
    from labeldesk.ml.model_eval import score_heads
    from labeldesk.ml.models import list_versions

    chosen = (chosen_head(project), predicting(project))
    test, scores = score_heads(project, list_versions(project, "head"))
    return scores, chosen, None if test is None else test.version


class VersionsBox(QGroupBox):
    """Model versions, newest first, with the head in use marked; emits ``pinned`` when a
    person changes which version is used."""

    pinned = Signal()
    error = Signal(object)  # a pin that could not be saved (str, or a FailureText)

    def __init__(self, project: Project, runner: JobRunner):
        super().__init__("Model versions")
        self.project = project
        self.runner = runner
        self.versions: list[ModelVersion] = []
        self.scores: dict[int, dict[str, Any]] = {}
        self.in_use_id: int | None = None
        self.is_pinned = False
        self.score_job: Job | None = None
        self._closed = False  # shut down: no new job (the handlers go with the box)

        self.table = HistoryTable(scored=True)
        self.table.setAccessibleName("Model versions")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.in_use = QLabel(NO_HEAD)
        self.in_use.setWordWrap(True)
        self.pin_button = QPushButton("Use selected")
        self.pin_button.setToolTip("Pin: the app uses this head whatever is trained later")
        self.unpin_button = QPushButton("Unpin")
        self.unpin_button.setToolTip("Go back to the head the paired test chose")
        self.compare_button = QPushButton("Compare two")
        self.compare_button.setToolTip(
            "Select two versions: accuracy on the same frozen test images, McNemar's test, "
            "and the images one gets right and the other wrong"
        )
        self.comparison = QTextBrowser()
        self.comparison.setVisible(False)
        self.pin_button.clicked.connect(self.pin_selected)
        self.unpin_button.clicked.connect(self.unpin)
        self.compare_button.clicked.connect(self.compare_selected)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        buttons = QHBoxLayout()
        buttons.addWidget(self.in_use, 1)
        for button in (self.pin_button, self.unpin_button, self.compare_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.comparison, 1)
        self._update_buttons()

    # -- reading -------------------------------------------------------------------
    def set_versions(self, versions: list[ModelVersion], first_run: str = "val") -> None:
        self.versions = versions
        self.table.set_versions(versions, first_run)
        self.table.set_scores(self.versions, self.scores, self.in_use_id)
        self._score()

    def _score(self) -> None:
        if self._closed or not any(v.kind == "head" for v in self.versions):
            return
        if self.score_job is not None and self.score_job.running:
            self.score_job.cancel()
        project = self.project
        job = Job(lambda **_: _scores(project), "Scoring model versions")
        # tied to the box: a job that ends after the box was deleted calls nothing on it
        job.connect_while(self, job.finished, self._scored)
        job.connect_while(
            self,
            job.failed,
            lambda exc: self._say(f"Could not score the versions: {self._words(exc)}"),
        )
        self.score_job = job
        if self.in_use.text() == NO_HEAD:  # not "no head" while the heads are scored
            self._say("Scoring the versions on the frozen test set…")
        self.runner.start(job)

    @Slot(object)
    def _scored(self, result: tuple[dict[int, dict[str, Any]], Any, str | None]) -> None:
        self.scores, (chosen, now), test_set = result
        version = chosen.version
        self.in_use_id = None if version is None else version.id
        self.is_pinned = bool(chosen.pinned)
        self.table.set_scores(self.versions, self.scores, self.in_use_id)
        if version is None:
            self._say(self._no_head())
        else:
            where = f" Scored on the frozen test set ({test_set})." if test_set else ""
            probe = (
                ""
                if now.version is not None
                else (
                    " For now a quick fit on the embeddings (the linear probe) predicts: "
                    f"{now.reason}."
                )
            )
            self._say(f"In use: #{version.id} ({chosen.reason}).{where}{probe}")
        self._update_buttons()

    def _no_head(self) -> str:
        """Why no head is in use: none trained, or the ones listed were trained on other
        embeddings (a fine-tune or another model re-embedded the project since)."""
        heads = [v for v in self.versions if v.kind == "head" and v.status == "complete"]
        if not heads:
            return NO_HEAD
        newest = max(heads, key=lambda v: v.id)
        return (
            f"No head trained on these embeddings yet: #{newest.id} was trained on other "
            "ones (another model or input size, or before a fine-tune). For now a quick "
            "fit on the embeddings (the linear probe) predicts; train a classifier head "
            "to use one."
        )

    def _words(self, exc: BaseException) -> str:
        """A failure's message with the commands it suggests as the app's menus."""
        return in_app_words(str(exc), self.project.path)

    def _say(self, text: str) -> None:
        self.in_use.setText(text)

    # -- actions -------------------------------------------------------------------
    def selected(self) -> list[ModelVersion]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.versions[r] for r in rows if r < len(self.versions)]

    def _update_buttons(self) -> None:
        chosen = self.selected()
        heads = [v for v in chosen if v.kind == "head" and v.status == "complete"]
        self.pin_button.setEnabled(len(chosen) == 1 and len(heads) == 1)
        self.compare_button.setEnabled(len(heads) == 2)
        self.unpin_button.setEnabled(self.is_pinned)

    def pin_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self._pin(chosen[0].id)

    def unpin(self) -> None:
        self._pin(None)

    def _pin(self, version_id: int | None) -> None:
        """Pin (None: unpin), or say why not: the project busy with another write past
        the GUI thread's short wait, a read-only disk (the slot's exception went unseen,
        and the button looked as if it had worked)."""
        from labeldesk.ml.model_choice import pin

        try:
            pin(self.project, version_id)
        except Exception as exc:  # refused, or locked, read-only, disk full: said
            self.error.emit(write_failure(exc))
            return
        self._changed()

    def _changed(self) -> None:
        self._score()
        self.pinned.emit()

    def compare_selected(self) -> None:
        heads = [v for v in self.selected() if v.kind == "head"]
        if len(heads) != 2:
            return
        older, newer = sorted(heads, key=lambda v: v.id)
        project = self.project

        def run(**_: Any) -> Any:
            from labeldesk.ml.model_eval import (
                compare,
                frozen_test_set,
                none_in_common,
                score_version,
            )

            test = frozen_test_set(project)
            a, b = score_version(project, older, test), score_version(project, newer, test)
            return compare(a, b, test), test.version, none_in_common(a, b)

        job = Job(run, "Comparing model versions")
        job.connect_while(self, job.finished, self._show_comparison)
        job.connect_while(
            self,
            job.failed,
            lambda exc: self._show_text(f"Could not compare: {escape(self._words(exc))}"),
        )
        self.runner.start(job)

    @Slot(object)
    def _show_comparison(self, result: Any) -> None:
        comparison, test_set, why_none = result
        a, b = comparison.a, comparison.b
        if comparison.n == 0:  # no verdict on nothing: say why instead
            self._show_text(
                f"<b>#{a} vs #{b}</b> on the frozen test set ({escape(test_set)}): "
                f"{escape(why_none)}."
            )
            return
        verdict = (
            f"#{b} makes significantly more mistakes than #{a}."
            if comparison.b_worse
            else f"#{b} is not worse than #{a}."
        )
        html = [
            f"<b>#{a} vs #{b}</b> on {comparison.n} images of the frozen test set "
            f"({escape(test_set)}): accuracy {_pct(comparison.accuracy_a)} vs "
            f"{_pct(comparison.accuracy_b)}; {comparison.p_text()}. {verdict}"
        ]
        for name, paths in ((a, comparison.only_a_right), (b, comparison.only_b_right)):
            html.append(f"<br><b>Only #{name} right</b> ({len(paths)}):")
            shown = "".join(f"<li>{escape(p)}</li>" for p in paths[:SHOWN_PATHS])
            more = len(paths) - SHOWN_PATHS
            html.append(f"<ul>{shown}</ul>" + (f"… and {more} more" if more > 0 else ""))
        self._show_text("".join(html))

    def _show_text(self, html: str) -> None:
        self.comparison.setHtml(html)
        self.comparison.setVisible(True)

    def shutdown(self) -> None:
        self._closed = True
        if self.score_job is not None:
            self.score_job.cancel()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"
