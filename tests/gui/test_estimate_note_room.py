"""The sidebar's estimate note keeps the room of its longest wording, so the class list
above it does not jump a line while the labels are scored again and the steps go by.
The room was kept for one step's wording (the predictions' last fold), picked by
length; another step ("finding each image's neighbours") wraps to one more line at
some widths (found by review: 49 of 380 widths between 120 and 500 px)."""

from __future__ import annotations

from labeldesk.core.display import duration
from labeldesk.gui.estimate_note import EstimateNote
from labeldesk.gui.estimate_words import SCORING_PARTS, SCORING_STEPS, scoring_step_text

HOUR_LESS_A_SECOND = 59 * 60 + 59


def every_step_said() -> list[str]:
    """Each step the note can say, with each part and fold of the predictions (the only
    step whose reports have parts: the probes' folds)."""
    steps = len(SCORING_STEPS) - 1
    said = [scoring_step_text(None, HOUR_LESS_A_SECOND)]
    for done, name in enumerate(SCORING_STEPS):
        said.append(scoring_step_text((done, steps, name), HOUR_LESS_A_SECOND))
        for part in SCORING_PARTS if name == "predictions" else ():
            for fold in range(5):
                step = scoring_step_text((done, steps, name), HOUR_LESS_A_SECOND, (fold, 5, part))
                said.append(step)
    return said


def test_the_note_keeps_room_for_every_step_at_every_width(qtbot):
    note = EstimateNote()
    qtbot.addWidget(note)
    note.keep_room(37, " in val", kept=True)
    note.say(37, 37, where=" in val", scoring=True)
    assert duration(HOUR_LESS_A_SECOND) in every_step_said()[0]
    short = []
    for width in range(120, 501, 3):
        room = note.heightForWidth(width)
        for step in every_step_said():
            note.set_step(step)
            if note.heightForWidth(width) > room:
                short.append((width, step))
        note.set_step("")
    assert short == []
