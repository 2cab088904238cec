"""Each key phrase of the review's keys line wraps as one: the line broke inside
"←/→ move", after "←/" with "→ move" on the next line (at 1280 px, after a redo), as
the slash allows a break after it. Nothing visible is added."""

from __future__ import annotations

import pytest

from gui.review_views import open_review
from gui.test_class_names_unbroken import break_points

KEYS = ("Enter accept", "Space keep", "Space skip", "X exclude", "Z undo", "Ctrl+Y redo")
MOVE = "←/→ move"


def assert_phrases_whole(hint: str, phrases: tuple[str, ...]) -> None:
    """Each of ``phrases`` in ``hint`` (as shown: no-break spaces and hyphens, word
    joiners) has no line break inside it, and ``hint`` reads as the plain phrases."""
    kept = [i for i, c in enumerate(hint) if c != "\u2060"]  # shown index of each read one
    plain = "".join(hint[i] for i in kept).replace("\u00a0", " ").replace("\u2011", "-")
    points = break_points(hint)
    for phrase in phrases:
        if phrase in plain:
            at = plain.index(phrase)
            first, last = kept[at], kept[at + len(phrase) - 1]
            inside = [p for p in points if first < p <= last]
            assert not inside, (phrase, hint, inside)
    assert MOVE in plain, hint


@pytest.mark.parametrize("source", ["issues", "queue"])
def test_no_key_phrase_of_the_hint_can_wrap(qtbot, clustered, runner, source):
    project, _ = clustered
    view = open_review(qtbot, project, runner, source)
    try:
        assert_phrases_whole(view.info.hint.text(), (*KEYS, MOVE, "Esc back"))
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)


def test_the_read_only_hint_keeps_its_phrases_whole():
    from labeldesk.gui.review_words import unbroken

    hint = "Read-only: " + " · ".join(unbroken(k) for k in ["Space skip", MOVE, "Esc back"])
    assert_phrases_whole(hint, ("Space skip", MOVE, "Esc back"))
