"""While the model scores the labels again (after labels changed, e.g. back from a pass
of the review), the sidebar's note says so with the last estimate: it said "The model
expects about 162 wrong labels; 0 are flagged" for seconds, the changed labels already
unflagged beside the old estimate."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project

from gui.scored_window import likely_wrong, open_scored
from labeldesk.gui.estimate_words import expected_errors_text, rescoring_text, unflagged_in


def note_now(view) -> str:
    catalog = view.catalog
    expected, flagged = catalog.expected_errors, int(catalog.flagged.sum())
    unflagged = unflagged_in(catalog, None, expected, flagged)  # (the reasons, counted)
    return expected_errors_text(expected, flagged, unflagged=unflagged)


def relabel_the_flagged_while_hidden(qtbot, view) -> int:
    """As a pass of the review does behind the browser: the flagged images relabeled."""
    catalog = view.catalog
    expected = catalog.expected_errors
    flagged = [catalog.info(int(p)).path for p in catalog.flagged.nonzero()[0]]
    assert flagged and view.sidebar.expected_note.text() == note_now(view)
    view.hide()
    view.project.set_labels(dict.fromkeys(flagged, "cow"))
    qtbot.waitUntil(lambda: int(view.catalog.flagged.sum()) == 0, timeout=10000)
    view.show()  # back in the browser: its scores are computed again
    return expected


def test_the_note_says_the_labels_are_scored_again_until_they_are(qtbot, scored_view):
    view, note = scored_view, scored_view.sidebar.expected_note
    view.feed._timer.setInterval(200)  # (the pause after changes: 3 s)
    expected = relabel_the_flagged_while_hidden(qtbot, view)
    assert view.feed.busy
    assert note.text() == rescoring_text(expected)
    assert note.text().startswith("Scoring the labels again… (the model last expected about")
    assert "flagged" not in note.text()
    assert "scores are computed again" in note.toolTip()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert note.text() == note_now(view)  # the new numbers, once scored


def test_a_failed_rescoring_shows_the_numbers_there_are(qtbot, scored_view, monkeypatch):
    from labeldesk.ml import insights

    def broken(*args, **kwargs):
        raise RuntimeError("no scores today")

    monkeypatch.setattr(insights, "insights_if_embedded", broken)
    view, note = scored_view, scored_view.sidebar.expected_note
    view.feed._timer.setInterval(200)
    relabel_the_flagged_while_hidden(qtbot, view)
    assert note.text().startswith("Scoring the labels again…")
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert note.text() == note_now(view)  # not "Scoring…" for ever
    assert note.text().endswith(" more changed since it last scored them).")  # (no score)


def test_the_rescoring_words():
    assert rescoring_text(0, " in val") == (
        "Scoring the labels again… (the model last expected no wrong labels in val)"
    )
    assert rescoring_text(1).endswith("expected about 1 wrong label)")
    assert rescoring_text(1620).endswith("expected about 1,620 wrong labels)")


def test_statistics_say_the_labels_are_scored_again_as_the_browser_does(qtbot, window, tmp_path):
    """Statistics showed "about 4" while the browser's note said the labels were being
    scored again: now both say so, in the same words, until the new numbers come."""
    project, _ = make_clustered_project(tmp_path)
    view = open_scored(qtbot, window, project)
    catalog = view.catalog
    flagged = [catalog.info(int(p)).path for p in catalog.flagged.nonzero()[0]]
    assert flagged
    expected = catalog.expected_errors
    # the pause after changes outlasts building Statistics on a busy machine: the scoring
    # is still due while the page is read, then started by hand
    view.feed._timer.setInterval(600_000)
    view.project.set_labels(dict.fromkeys(flagged[:1], "cow"))  # in the browser
    qtbot.waitUntil(lambda: view.feed.busy)
    window.show_statistics()  # built while the labels are scored again
    note = view.sidebar.expected_note.text()
    assert note == rescoring_text(expected)
    assert likely_wrong(window).startswith(note)
    tip = window.pages.stats.summary_labels["likely_wrong"].toolTip()
    assert "scores are computed again" in tip
    view.feed.refresh()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    now = view.catalog.expected_errors
    assert likely_wrong(window).startswith(f"about {now}")
    # On screen when the scoring starts (as after training): it says so at once.
    view.feed.refresh()
    assert view.feed.busy
    assert likely_wrong(window).startswith(rescoring_text(now))
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert likely_wrong(window).startswith("about ")


def test_a_refresh_while_the_last_job_winds_down_says_busy_at_once(qtbot, scored_view):
    """A refresh between a computation's result (shown: not busy) and its job's end is
    queued after it; the feed said nothing, so Statistics kept "about N" until then."""
    feed = scored_view.feed
    qtbot.waitUntil(lambda: not feed.busy, timeout=20000)
    said: list[bool] = []
    feed.busyChanged.connect(said.append)

    class WindingDown:  # its result delivered, its thread not yet ended
        running = True

        def cancel(self) -> None:
            self.running = False

    feed.job, real = WindingDown(), feed.job  # type: ignore[assignment]
    try:
        assert feed.refresh() is None  # queued after it
        assert feed.busy and said == [True]
    finally:
        feed.job, feed._again = real, False
