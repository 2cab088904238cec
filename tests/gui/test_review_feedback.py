"""What the review of likely mislabels tells the person as they go: which image of the
pass this is, what a key just did (it moves on at once), what was decided on an image
they come back to, what most of the similar images are labeled, and at the end what
was done and how to score the corrected labels again."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from labeldesk.gui.review_words import end_of_issues_notice, neighbour_summary


def test_the_header_says_which_image_of_the_pass_is_shown(qtbot, issues_view):
    total = len(issues_view.session.items)
    assert f"image 1 of {total} · reviewed 0 / remaining {total}" in issues_view.counter.text()
    qtbot.keyClick(issues_view, Qt.Key.Key_Right)
    assert f"image 2 of {total} · reviewed 0 /" in issues_view.counter.text()


def test_a_decision_is_said_under_the_next_image_and_over_the_decided_one(qtbot, issues_view):
    session = issues_view.session
    path = session.current.path
    assert (
        issues_view.info.last_label.text() == ""
    )  # nothing to say before a first decision (its room kept)
    assert issues_view.info.decision_label.isHidden()
    qtbot.keyClick(issues_view, Qt.Key.Key_3)  # the third class
    third = issues_view.project.classes()[2]
    assert session.current.path != path
    said = issues_view.info.last_label.text().replace("\u00a0", " ")  # "(Z undoes it)" unbroken
    assert said == f"Last: {path} → {third} (Z undoes it)"
    assert issues_view.info.last_label.isVisible()
    assert issues_view.info.decision_label.isHidden()  # the next image is undecided
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)  # back to the decided image
    assert session.current.path == path
    assert not issues_view.info.decision_label.isHidden()
    assert issues_view.info.decision_label.text() == f"✓ Decided: relabeled, now {third}"
    assert "Decided" not in issues_view.info.hint.text()  # said once, not in the grey key line
    assert issues_view.info.last_label.text() == ""
    qtbot.keyClick(issues_view, Qt.Key.Key_Z)  # undone: undecided again, nothing to say
    assert session.current.path == path
    assert issues_view.info.decision_label.isHidden()
    assert issues_view.info.last_label.text() == ""


def test_a_kept_label_says_it_was_verified(qtbot, issues_view):
    session = issues_view.session
    label = session.current.label
    qtbot.keyClick(issues_view, Qt.Key.Key_Space)
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)
    assert issues_view.info.decision_label.text() == f"✓ Decided: kept {label} (verified)"


def test_the_end_of_the_pass_says_what_was_done_and_scores_again(qtbot, issues_view):
    session = issues_view.session
    total = len(session.items)
    assert total >= 2
    qtbot.keyClick(issues_view, Qt.Key.Key_Return)  # accept
    while session.current is not None:
        qtbot.keyClick(issues_view, Qt.Key.Key_Space)  # keep the rest
    text = issues_view.notice.text()
    assert text.startswith(f"All reviewed: 1 accepted, {total - 1} kept.")
    assert "Find likely mislabels again (below, or Ctrl+I)" in text
    assert "Esc goes back to the browser" in text
    assert not issues_view.rescore_button.isHidden()
    with qtbot.waitSignal(issues_view.loaded, timeout=20000):
        issues_view.rescore_button.click()
    assert issues_view.session is not session and issues_view.session.reviewed == 0
    assert issues_view.rescore_button.isHidden()
    # the kept labels are verified: not flagged again
    kept = {path for path, action in session.decisions.items() if action == "keep"}
    assert not kept & {item.path for item in issues_view.session.items}


def test_the_neighbours_caption_says_what_most_of_them_are_labeled(qtbot, issues_view):
    caption = issues_view.neighbours_caption
    assert caption.text() == "Most similar images:"
    qtbot.waitUntil(lambda: " of " in caption.text(), timeout=10000)
    assert re.fullmatch(
        r"Most similar images: \d+ of \d+ labeled (ant|bee|cow)"
        r"(, the suggestion|, the given label)?",
        caption.text(),
    )
    labels = issues_view.neighbours.labels()
    top = max(set(labels), key=labels.count)
    assert f"{labels.count(top)} of {len(labels)} labeled {top}" in caption.text()


def test_the_end_tally_counts_each_kind_of_decision():
    decisions = {"a": "relabel", "b": "relabel", "c": "exclude", "d": "keep", "e": "accept"}
    text = end_of_issues_notice(decisions)
    assert text.startswith("All reviewed: 1 accepted, 2 relabeled, 1 kept, 1 excluded. ")
    assert end_of_issues_notice({}).startswith("All reviewed. No label was changed")


def test_a_long_neighbour_caption_never_widens_the_page(issues_view):
    """The review fits a 600-px window; a long class name in the caption must not ask
    for more (a plain label's minimum width is its whole text)."""
    long = "a_class_with_a_very_long_name_indeed_" * 4
    issues_view.neighbours_caption.setText(f"Most similar images: 7 of 8 labeled {long}")
    assert issues_view.neighbours_caption.minimumSizeHint().width() < 300
    assert issues_view.minimumSizeHint().width() <= 600


def test_each_neighbour_says_how_similar_it_is_and_the_page_stays_narrow(qtbot, issues_view):
    """Under each neighbour's label, its similarity to the image under review ("93%
    similar"): the page still fits a 600-px window."""
    qtbot.waitUntil(lambda: bool(issues_view.neighbours.paths()), timeout=10000)
    shown = [label.text() for label in issues_view.neighbours.similarity_labels]
    shown = shown[: len(issues_view.neighbours.paths())]
    assert shown and all(re.fullmatch(r"(>99|100|\d{1,2})% similar", text) for text in shown)
    assert issues_view.minimumSizeHint().width() <= 600


@pytest.mark.parametrize(
    ("labels", "said"),
    [
        (["coat", "coat", "shirt"], "2 of 3 labeled coat, the suggestion"),
        (["shirt", "shirt", "coat"], "2 of 3 labeled shirt, the given label"),
        (["bag", "bag", "coat"], "2 of 3 labeled bag"),
        ([None, None], "none of 2 labeled"),
        # a tie names every label that ties ("2 of 4 labeled bag" hid as many coats)
        (
            ["bag", "coat", "bag", "coat"],
            "as many labeled coat (the suggestion) as bag, 2 of 4 each",
        ),
        (
            ["bag", "shirt", "shirt", "bag", None],
            "as many labeled shirt (the given label) as bag, 2 of 5 each",
        ),
        (
            ["bag", "dress", "coat", "shirt"],
            "no label leads (4 labels, 1 of 4 each)",
        ),
        (
            ["bag", "dress", "coat", None],
            "as many labeled coat (the suggestion) as bag and dress, 1 of 4 each",
        ),
        (["dress", "bag", "bag", "dress", "coat"], "as many labeled dress as bag, 2 of 5 each"),
    ],
)
def test_the_neighbour_summary_names_the_label_it_backs(labels, said):
    assert neighbour_summary(labels, "shirt", "coat") == f"Most similar images: {said}"


@pytest.mark.parametrize("key", [Qt.Key.Key_3, Qt.Key.Key_Space])  # relabel, keep
def test_a_decided_image_is_not_told_its_new_label_looks_wrong(qtbot, issues_view, key):
    """The model line over an image decided in this pass says what the model suggested
    when it scored it, not a verdict on the person's decision from those old scores."""
    session = issues_view.session
    path, suggested = session.current.path, session.current.suggested
    line = issues_view.info.suggested_label
    assert "looks wrong" in line.text()  # undecided: the verdict stands
    qtbot.keyClick(issues_view, key)
    assert session.current.path != path
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)  # back to the decided image
    assert session.current.path == path and session.current.label != suggested
    text = line.text().replace("\u00a0", " ").replace("\u2011", "-")
    assert "looks wrong" not in text
    assert suggested in text and text.endswith("scored before your decision")
    qtbot.keyClick(issues_view, Qt.Key.Key_Z)  # undone: undecided, the verdict again
    assert "looks wrong" in line.text()


def plain(text: str) -> str:
    """``text`` as read (no-break spaces and hyphens, word joiners taken out)."""
    return text.replace("\u00a0", " ").replace("\u2011", "-").replace("\u2060", "")


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Space])  # accept, keep
def test_a_decided_images_label_fit_says_which_label_it_scored_and_when(qtbot, issues_view, key):
    """The label fit beside an image decided in this pass is the old label's figure,
    scored before the decision: it says so, and names that label once the label changed
    (it showed "3%" beside the label just chosen, as if that label fitted so badly)."""
    session = issues_view.session
    item = session.current
    fit = issues_view.info.score_label
    figure = plain(fit.text())
    assert re.fullmatch(r"(<1|>99|100|\d{1,2})%", figure)  # undecided: the figure alone
    qtbot.keyClick(issues_view, key)
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)  # back to the decided image
    assert session.current.path == item.path
    if key == Qt.Key.Key_Return:  # relabeled with the suggestion
        assert session.current.label == item.suggested != item.label
        said = f"{figure} for {item.label} — scored before your decision"
    else:  # kept: the figure is still its label's
        said = f"{figure} — scored before your decision"
    assert plain(fit.text()) == said
    qtbot.keyClick(issues_view, Qt.Key.Key_Z)  # undone: undecided, its label back
    assert plain(fit.text()) == figure


def test_a_label_changed_elsewhere_during_the_pass_says_its_fit_predates_it(qtbot, issues_view):
    session = issues_view.session
    item = session.current
    figure = plain(issues_view.info.score_label.text())
    other = next(c for c in issues_view.project.classes() if c != item.label)
    issues_view.project.set_labels({item.path: other}, description="elsewhere")
    qtbot.waitUntil(lambda: session.current.label == other)
    said = f"{figure} for {item.label} — scored before the label changed"
    qtbot.waitUntil(lambda: plain(issues_view.info.score_label.text()) == said)
