"""What the Statistics page shows of the model: :class:`ShowsModel`, the part of
:class:`~labeldesk.gui.stats_view.StatsView` that fills the confusion matrix and its
scopes, opens a cell's images, and says how many labels look wrong (or that the model
is scoring them again). The page's widgets and signals are the view's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from labeldesk.browse.confusion import SCOPES, available_scopes, cell_description, cell_paths
from labeldesk.browse.confusion import confusion as count_confusion
from labeldesk.core.display import format_percent
from labeldesk.gui.estimate_words import (
    RESCORING_TIP,
    expected_errors_text,
    rescoring_text,
    unflagged_in,
)
from labeldesk.gui.history_table import NONE
from labeldesk.gui.summary_column import link

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QComboBox, QLabel

    from labeldesk.browse.catalog import ImageCatalog
    from labeldesk.gui.confusion_table import ConfusionTable

NBSP = "\u00a0"  # a space no line breaks at
CHECK_NOT_TRAINING = (
    "The model here is the one that scores the labels: each image is judged by a model "
    "that did not see its label. It is not the model trained on the Training page, so "
    "this share can differ from that page's Val acc and Test acc."
)


class ShowsModel:
    """The Statistics page's model part (a mixin of :class:`~.stats_view.StatsView`)."""

    if TYPE_CHECKING:  # what it uses of the view
        catalog_source: Callable[[], ImageCatalog | None] | None
        rescoring: Callable[[], bool]
        scoring_step: Callable[[], str]
        _closed: bool
        summary_labels: dict[str, QLabel]
        confusion: ConfusionTable
        confusion_split: QComboBox
        confusion_caption: QLabel
        confusionCellClicked: SignalInstance
        imagesChosen: SignalInstance

    def _catalog(self) -> ImageCatalog | None:
        catalog = self.catalog_source() if self.catalog_source is not None else None
        return catalog if catalog is not None and catalog.insights is not None else None

    def show_model(self) -> None:
        """Redraw what depends on the model's insights (call when they are recomputed)."""
        if self._closed:
            return
        catalog = self._catalog()
        self._show_likely_wrong(catalog)
        self._fill_scopes(catalog)
        scope = self.confusion_split.currentData()
        if catalog is None or not catalog.insights or not catalog.insights.has_model:
            self.confusion.set_matrix([], [])
            self.confusion_caption.setText(
                "No predictions yet: compute embeddings and label a few images of each class."
            )
            return
        counts = count_confusion(catalog, scope)
        self.confusion.set_matrix(counts.classes, counts.matrix.tolist())
        agree = format_percent(counts.agreement)
        self.confusion_caption.setText(
            f"{SCOPES[scope].capitalize()}: {counts.total:,} labeled images, the model agrees "
            f"with {agree} of the labels. Click a cell to see exactly its images."
        )
        self.confusion_caption.setToolTip(CHECK_NOT_TRAINING)

    def _fill_scopes(self, catalog: ImageCatalog | None) -> None:
        scopes: list[str | None] = available_scopes(catalog) if catalog is not None else [None]
        current = self.confusion_split.currentData()
        offered = [self.confusion_split.itemData(i) for i in range(self.confusion_split.count())]
        if offered == scopes:
            return
        chosen = len(offered) > 1 and current in scopes  # a choice was there to make
        self.confusion_split.blockSignals(True)
        self.confusion_split.clear()
        for scope in scopes:
            self.confusion_split.addItem(SCOPES[scope], scope)
        keep: str | None = current if chosen else scopes[0]  # held-out images first
        self.confusion_split.setCurrentIndex(scopes.index(keep))
        self.confusion_split.blockSignals(False)

    def _cell_clicked(self, label: str, guess: str) -> None:
        self.confusionCellClicked.emit(label, guess)
        catalog = self._catalog()
        if catalog is None:
            return
        scope = self.confusion_split.currentData()
        paths = cell_paths(catalog, scope, label, guess)
        if paths:
            self.imagesChosen.emit(paths, cell_description(scope, label, guess, len(paths)))

    def _show_likely_wrong(self, catalog: ImageCatalog | None) -> None:
        label = self.summary_labels["likely_wrong"]
        if catalog is None or catalog.expected_errors is None:
            label.setText(NONE)
            label.setToolTip("Computed once the images are embedded and some are labeled")
            return
        expected, flagged = catalog.expected_errors, int(catalog.flagged.sum())
        # Broken only before "·": the link wrapped inside it ("review" / "them").
        review = f" ·{NBSP}{link('review', f'review{NBSP}them')}" if flagged else ""
        if self.rescoring():  # the browser's note says the same, in the same words
            # and, as there, offers no review until the new scores say what is flagged
            text = rescoring_text(expected, step=self.scoring_step())
            label.setText(text)
            label.setToolTip(f"{text}\n{RESCORING_TIP}")
            return
        label.setText(f"about{NBSP}{expected:,}" + review)
        unflagged = unflagged_in(catalog, None, expected, flagged)
        label.setToolTip(
            expected_errors_text(expected, flagged, catalog.pixel_share, unflagged=unflagged)
        )

    def show_estimate(self) -> None:
        """Say the estimate again: the model started or stopped scoring the labels."""
        if not self._closed:
            self._show_likely_wrong(self._catalog())

    def show_scoring_step(self) -> None:
        """The scoring went a step on, or a second went by: its line, while it says so."""
        if not self._closed and self.rescoring():
            self._show_likely_wrong(self._catalog())
