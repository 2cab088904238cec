"""The model's values in the catalog kept or forgotten image by image: kept by a catalog
that reads the images again (:meth:`InsightKeep.keep_judgement`,
:meth:`InsightKeep.forget_as_in`), forgotten for files a rescan found edited
(:meth:`InsightKeep.forget_insights`). A base of
:class:`~labeldesk.browse.insight_swap.InsightSwap`, which takes the values; Qt-free."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labeldesk.browse.insight_join import put_back, same_values

if TYPE_CHECKING:
    from labeldesk.browse.insight_join import Join
    from labeldesk.ml.insights import ImageInsights


class InsightKeep:
    """What an :class:`~labeldesk.browse.catalog.ImageCatalog` keeps of the model's values
    over a re-read, and forgets of them for an edited file."""

    if TYPE_CHECKING:  # the catalog's, as ImageCatalog and InsightSwap set and define them
        ids: np.ndarray
        _index: pd.Index
        labels: np.ndarray
        statuses: np.ndarray
        generation: int
        insights: ImageInsights | None
        _pending: Join | None
        _judged: tuple[np.ndarray, np.ndarray, np.ndarray] | None
        _insight_row: np.ndarray
        _guess_codes: tuple[np.ndarray, tuple[str, ...], np.ndarray] | None
        predicted: np.ndarray
        suggested: np.ndarray
        guess: np.ndarray
        confidence: np.ndarray
        issue_scores: np.ndarray
        outlier_scores: np.ndarray
        guess_confidence: np.ndarray
        flagged: np.ndarray
        expected_wrong: np.ndarray | None

        def positions_of(self, image_ids: Iterable[int]) -> np.ndarray: ...
        def _no_orders(self) -> None: ...

    def keep_judgement(self, older: InsightKeep, before: np.ndarray | None = None) -> None:
        """This catalog read ``older``'s images again (a rescan's fill-in) and took the
        same values of the model (:attr:`insights`, or renamed since): what ``older`` knew
        of the images both hold is kept. The flags judged the labels and statuses of when
        the values came (or were begun to be joined, the edits noted since put back), not
        those read now: an image a person relabeled since stays unflagged (it was flagged
        again until a rescoring), a flag a merge dropped stays dropped, and values
        forgotten for files a rescan found edited stay forgotten. Nothing when ``older``
        knew other values. ``before``: each image's position in ``older`` (-1: not
        there), made off the GUI thread (else looked up here when the ids differ)."""
        known = older._judgement_of(self.insights)
        if known is None or self._judged is None:
            return
        flags, labels, statuses, forgotten = known
        shared: np.ndarray | slice = slice(None)  # the same images (a rescan's usual)
        was: np.ndarray | slice = shared
        if not np.array_equal(older.ids, self.ids):  # images added or removed
            if before is None:
                before = older._index.get_indexer(self.ids)
            shared = np.flatnonzero(before >= 0)
            was = before[shared]
        judged_flags, judged_labels, judged_statuses = self._judged
        if flags is not None:
            judged_flags[shared] = flags[was]
        judged_labels[shared], judged_statuses[shared] = labels[was], statuses[was]
        self.generation += 1
        # (compared where flagged only: every label cost ~0.07 s of the GUI thread at 1M)
        flagged = np.flatnonzero(judged_flags)
        self.flagged = np.zeros(len(self.ids), dtype=bool)
        self.flagged[flagged] = (self.labels[flagged] == judged_labels[flagged]) & (
            self.statuses[flagged] == judged_statuses[flagged]
        )
        lost = np.zeros(len(self.ids), dtype=bool)
        lost[shared] = forgotten[was]
        gone = np.flatnonzero(lost & (self._insight_row >= 0))
        if len(gone):
            self._forget(gone)

    def _judgement_of(
        self, insights: ImageInsights | None
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray] | None:
        """What this catalog knows of ``insights``' values over its images, if they are
        those it holds or is joining: their flags (None: as the values have them), the
        labels and statuses they judged, and where they are forgotten."""
        join = self._pending
        if join is not None and same_values(join.insights, insights):
            labels, statuses = self.labels.copy(), self.statuses.copy()
            put_back(labels, statuses, join.edits)
            forgotten = np.zeros(len(self.ids), dtype=bool)
            for positions in join.forgotten:
                forgotten[positions] = True
            return None, labels, statuses, forgotten
        if self._judged is not None and same_values(self.insights, insights):
            return (*self._judged, self._insight_row < 0)
        return None

    def forget_insights(self, image_ids: Iterable[int]) -> None:
        """These images' files hold other pictures now (a rescan found them edited or
        replaced, keeping their ids): the model's values judged the old ones, so they
        read as not computed until the insights are computed again."""
        positions = self.positions_of(image_ids)
        positions = positions[positions >= 0]
        if not len(positions):
            return
        self.generation += 1
        if self._pending is not None:  # values begun before would bring them back: they
            self._pending.forgotten.append(positions)  # are forgotten again at the swap
        self._forget(positions)

    def forget_as_in(self, older: InsightKeep, before: np.ndarray) -> None:
        """Forget the values ``older`` had forgotten (files a rescan found edited, not
        scored since), where this catalog read its images again and took the same values:
        what :meth:`keep_judgement` forgets, done by the job that read this catalog,
        before it makes the orders (forgotten on the GUI thread, they dropped them).
        ``before``: each image's position in ``older`` (-1: not there). It only reads
        ``older``; what ``older`` forgets later, :meth:`keep_judgement` still forgets."""
        known = older._judgement_of(self.insights)
        if known is None:
            return
        shared = np.flatnonzero(before >= 0)
        lost = known[3][before[shared]] & (self._insight_row[shared] >= 0)
        if lost.any():
            self._forget(shared[lost])

    def _forget(self, positions: np.ndarray) -> None:
        # the orders sort by these values: kept when they had none to lose (forgotten
        # already), as a rescan's re-read finds them (its job forgot them)
        had_values = ~(
            np.isnan(self.confidence[positions])
            & np.isnan(self.issue_scores[positions])
            & np.isnan(self.outlier_scores[positions])
        )
        self._insight_row[positions] = -1
        self.predicted[positions] = self.suggested[positions] = self.guess[positions] = None
        for values in (self.confidence, self.issue_scores, self.outlier_scores):
            values[positions] = np.nan
        self.guess_confidence[positions] = np.nan
        if had_values.any():
            self._no_orders()  # (their values went last)
        self.flagged[positions] = False
        if self._judged is not None:
            self._judged[0][positions] = False
        if self.expected_wrong is not None:
            self.expected_wrong[positions] = False
        self._guess_codes = None  # the guesses changed in place
