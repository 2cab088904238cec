"""The sidebar's note on wrong labels: "The model expects about N wrong labels; …", and
while the labels are scored (the first time, or again after a change) a note that says
so, with a last line of how far the scoring is ("Step 2 of 3, predicting classes (fold 3
of 5): 41s so far."), a second at a time.

It keeps the room of its longest wording (:class:`~labeldesk.gui.steady_label.SteadyLabel`):
the wordings alternate after each label key, and the class list above it jumped a line
each time."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from labeldesk.gui.estimate_words import (
    FIRST_SCORING_TIP,
    RESCORING_TIP,
    STEP_WORDINGS,
    expected_errors_text,
    first_scoring_text,
    rescoring_text,
)
from labeldesk.gui.steady_label import SteadyLabel


class EstimateNote(SteadyLabel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("expectedErrors")
        self.hide()
        self._rescored: tuple[int, str] | None = None  # (last estimate, where) said so now
        self._first = False  # the first scoring runs (no estimate yet)
        self._step = ""  # how far the scoring is (set_step)

    def keep_room(self, expected: int | None, where: str, kept: bool) -> None:
        """Keep the room of each wording for ``expected`` wrong labels (unknown: three
        digits) ``where`` (" in test"), while ``kept``; else only the one shown."""
        if not kept:
            self.also_fit(())
            return
        # the first: its number unknown, room for three digits (kept once it is known, so a
        # smaller one, "expects no wrong labels", does not give a line back to the list)
        wordings = tuple(
            text
            for n in {999, expected if expected is not None else 999}
            for text in (
                expected_errors_text(n, n + 1, where=where, unflagged=(n, n)),  # (the longest)
                expected_errors_text(n, n + 1, where=where),
                rescoring_text(n, where),
            )
        )
        steps = tuple(
            text
            for step in STEP_WORDINGS
            for n in {999, expected if expected is not None else 999}
            for text in (rescoring_text(n, where, step), first_scoring_text(step))
        )
        self.also_fit((*wordings, first_scoring_text(), *steps))

    def say(
        self,
        expected: int | None,
        flagged: int,
        pixel_share: float = 0.0,
        where: str = "",
        scoring: bool = False,
        first: bool = False,
        unflagged: tuple[int, int] | None = None,
    ) -> str | None:
        """Say the estimate (:meth:`FilterSidebar.set_expected_errors
        <labeldesk.gui.sidebar.FilterSidebar.set_expected_errors>`' arguments; ``first``:
        the first scoring runs, no estimate yet): its tooltip, None when there is no
        estimate to say."""
        self._first = first
        if first:  # the note's room is kept from the start: the class list stays as tall
            self.setText(first_scoring_text(self._step))
            self.setToolTip(FIRST_SCORING_TIP)
        self._rescored = (expected, where) if scoring and expected is not None else None
        if expected is None:
            return None
        text = expected_errors_text(expected, flagged, where=where, unflagged=unflagged)
        tip = expected_errors_text(expected, flagged, pixel_share, where=where, unflagged=unflagged)
        if scoring:
            text = rescoring_text(expected, where, self._step)
            tip = f"{text}\n{RESCORING_TIP}"
            if self.isVisible():  # nor a shorter note for those seconds
                self.setMinimumHeight(self.height())
        else:
            self.setMinimumHeight(0)
        self.setText(text)
        self.setToolTip(tip)
        return tip

    def set_step(self, step: str) -> None:
        """How far the scoring is (estimate_words.scoring_step_text), on the note's last
        line while the labels are scored; each report and each second."""
        self._step = step
        if self._rescored is not None:
            text = rescoring_text(*self._rescored, step)
            self.setText(text)
            self.setToolTip(f"{text}\n{RESCORING_TIP}")
        elif self._first:
            self.setText(first_scoring_text(step))
