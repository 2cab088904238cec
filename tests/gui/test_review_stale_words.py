"""Words of the review that went stale during a pass: a class renamed meanwhile was still
named by its old name in the label fit ("12% for ant — scored before the label changed",
the label unchanged, its class called something else), and an image relabeled to the
model's suggestion was told "— the label agrees", a verdict from scores made before the
decision."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt


def plain(text: str) -> str:
    """``text`` as read (no-break spaces and hyphens, word joiners taken out)."""
    return text.replace("\u00a0", " ").replace("\u2011", "-").replace("\u2060", "")


def test_a_class_renamed_during_the_pass_is_no_label_change(qtbot, issues_view):
    session, fit = issues_view.session, issues_view.info.score_label
    item = session.current
    figure = plain(fit.text())
    assert re.fullmatch(r"(<1|>99|100|\d{1,2})%", figure)
    issues_view.project.rename_class(item.label, "renamed")
    qtbot.waitUntil(lambda: session.current.label == "renamed")
    assert session.current.scored_label == "renamed"
    assert plain(fit.text()) == figure  # not "… for ant — scored before the label changed"
    issues_view.project.undo()  # the rename undone: the old name again, still no change
    qtbot.waitUntil(lambda: session.current.label == item.label)
    assert plain(fit.text()) == figure


def test_a_decided_images_fit_names_its_scored_class_as_it_is_called_now(qtbot, issues_view):
    session, fit = issues_view.session, issues_view.info.score_label
    item = session.current
    figure = plain(fit.text())
    qtbot.keyClick(issues_view, Qt.Key.Key_Return)  # relabeled with the suggestion
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)  # back to the decided image
    assert plain(fit.text()) == f"{figure} for {item.label} — scored before your decision"
    issues_view.project.rename_class(item.label, "renamed")
    said = f"{figure} for renamed — scored before your decision"
    qtbot.waitUntil(lambda: plain(fit.text()) == said)
    assert session.current.path == item.path


def test_a_merged_class_is_still_named_as_scored(qtbot, issues_view):
    """A merge changes the image's label (the fit is of the class merged away)."""
    session, fit = issues_view.session, issues_view.info.score_label
    item = session.current
    figure = plain(fit.text())
    other = next(c for c in issues_view.project.classes() if c != item.label)
    issues_view.project.merge_classes(item.label, other)
    qtbot.waitUntil(lambda: session.current.label == other)
    said = f"{figure} for {item.label} — scored before the label changed"
    qtbot.waitUntil(lambda: plain(fit.text()) == said)


def test_an_image_relabeled_to_the_suggestion_is_not_told_the_label_agrees(qtbot, issues_view):
    session, line = issues_view.session, issues_view.info.suggested_label
    item = session.current
    qtbot.keyClick(issues_view, Qt.Key.Key_Return)  # accepted: the label is the suggestion
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)
    assert session.current.path == item.path and session.current.label == item.suggested
    text = plain(line.text())
    assert "agrees" not in text
    assert item.suggested in text and text.endswith("— scored before your decision")
