"""Labels changed while Statistics is on screen (an undo there, a duplicate-group action)
are scored again there: the browser held its scoring off while hidden, so Statistics kept
saying "about 40" likely wrong labels, the count from before the change, until the
browser was shown again."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project

from gui.scored_window import likely_wrong, open_scored
from labeldesk.gui.estimate_words import rescoring_text


def open_clustered(qtbot, window, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    return open_scored(qtbot, window, project, short_pause=True)


def flagged_paths(view) -> list[str]:
    catalog = view.catalog
    return [catalog.info(int(p)).path for p in catalog.flagged.nonzero()[0]]


def test_an_undo_on_statistics_is_scored_again_there(qtbot, window, tmp_path):
    view = open_clustered(qtbot, window, tmp_path)
    flagged = flagged_paths(view)
    assert flagged
    view.project.set_labels(dict.fromkeys(flagged, "cow"))  # in the browser
    qtbot.waitUntil(lambda: view.feed.busy)
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    after_label = view.catalog.expected_errors
    window.show_statistics()
    assert likely_wrong(window).startswith(f"about {after_label}")
    view.labeling.undo()  # Ctrl+Z on Statistics: the flagged labels come back
    qtbot.waitUntil(lambda: view.feed.busy, timeout=5000)
    assert likely_wrong(window).startswith(rescoring_text(after_label))
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    now = view.catalog.expected_errors
    assert likely_wrong(window).startswith(f"about {now}")
    assert window.pages.stats.isVisible() and not view.isVisible()  # never left


def test_labels_changed_behind_another_page_are_scored_once_statistics_shows(
    qtbot, window, tmp_path
):
    view = open_clustered(qtbot, window, tmp_path)
    expected = view.catalog.expected_errors
    window.show_training()  # no count of likely wrong labels there: scoring waits
    view.project.set_labels(dict.fromkeys(flagged_paths(view)[:1], "cow"))
    qtbot.waitUntil(lambda: view._detail_stale, timeout=5000)
    assert not view.feed.busy
    window.show_statistics()  # says the count predates the change, then the new one
    assert view.feed.busy
    assert likely_wrong(window).startswith(rescoring_text(expected))
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert likely_wrong(window).startswith(f"about {view.catalog.expected_errors}")


def test_statistics_offers_no_review_while_the_labels_are_scored_again(qtbot, window, tmp_path):
    """The browser's sidebar hid its "Review likely mislabels" link while the model scored
    changed labels again (what is flagged is not known until then), but Statistics went on
    offering "· review them" beside "Scoring the labels again…"."""
    view = open_clustered(qtbot, window, tmp_path)
    view.project.set_labels(dict.fromkeys(flagged_paths(view)[:1], "cow"))  # in the browser
    qtbot.waitUntil(lambda: view.feed.busy)
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    window.show_statistics()
    value = window.pages.stats.summary_labels["likely_wrong"]
    assert likely_wrong(window).endswith(" · review them") and "<a " in value.text()
    view.labeling.undo()  # Ctrl+Z on Statistics: scored again there
    qtbot.waitUntil(lambda: view.feed.busy, timeout=5000)
    assert likely_wrong(window).startswith("Scoring the labels again…")
    assert "review" not in likely_wrong(window) and "<a " not in value.text()
    assert not view.sidebar.review_link.isVisibleTo(view.sidebar)  # the same on both pages
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert likely_wrong(window).endswith(" · review them") and "<a " in value.text()
