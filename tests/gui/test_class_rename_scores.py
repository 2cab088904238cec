"""A class renamed or merged in the browser: the model's flags follow the class's name.

A rename changes no label's meaning: the flags, the status bar's "N likely mislabeled"
and the sidebar's "Likely mislabeled (N)" stay as they were, and nothing is scored again
(they dropped the renamed class's flags until a rescoring put them back). A merge drops
only the flags of images whose label the model now agrees with.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from labeldesk.browse.image_records import SHOW_CHOICES
from labeldesk.gui.project_view import ProjectView


@pytest.fixture
def view(qtbot, scored_view):
    """conftest's scored view, focused, its insights in; a rescoring, if one is started,
    stays pending: what shows is what the view keeps."""
    scored_view.activateWindow()
    scored_view.grid.setFocus()
    qtbot.waitUntil(lambda: scored_view.catalog.insights is not None, timeout=20000)
    scored_view.feed._timer.setInterval(600_000)
    return scored_view


def _flagged(view: ProjectView) -> set[str]:
    return {str(p) for p in view.catalog.paths[view.catalog.flagged]}


def _flagged_count_shown(view: ProjectView) -> str:
    return view.sidebar.show_box.itemText(SHOW_CHOICES.index("flagged"))


def test_renaming_a_class_keeps_its_flags_and_counts(qtbot, view, clustered):
    _, flipped = clustered
    before = _flagged(view)
    assert set(flipped) <= before  # labeled ant, the model says bee
    count = f"{len(before):,} likely mislabeled"
    assert count in view.status_text
    shown = _flagged_count_shown(view)
    assert shown == f"Likely mislabeled ({len(before)})"

    assert view.class_actions.rename("ant", "formica")
    qtbot.waitUntil(lambda: view.catalog.labels[view.catalog.paths == flipped[0]][0] == "formica")
    qtbot.wait(50)  # (the counts that follow a write)

    assert _flagged(view) == before
    assert count in view.status_text
    assert _flagged_count_shown(view) == shown
    assert not view.sidebar.new_matches.pending  # no "3 more flagged since (30 no longer)"
    assert not view.feed.busy  # nothing to score again: no "Likely mislabeled (…)"
    # The model's values call the class by its new name (the detail panel, the sorts).
    assert "ant" not in set(view.catalog.predicted) | set(view.catalog.guess)
    assert "ant" not in view.catalog.insights.classes
    assert "ant" not in view.feed.latest.classes


def test_merging_drops_only_the_flags_the_model_now_agrees_with(qtbot, view, clustered):
    _, flipped = clustered
    before = _flagged(view)
    assert view.class_actions.merge("ant", "bee")
    qtbot.waitUntil(lambda: view.catalog.labels[view.catalog.paths == flipped[0]][0] == "bee")

    # Labeled ant and taken for a bee: bees now, as the model thought.
    assert not set(flipped) & _flagged(view)
    catalog = view.catalog
    kept = {p for p in before - set(flipped) if catalog.predicted[catalog.paths == p][0] != "bee"}
    assert kept <= _flagged(view)
    assert view.feed.busy  # a merge changes what labels mean: scored again


def test_merging_keeps_the_flags_the_model_still_disagrees_with(qtbot, view, clustered):
    _, flipped = clustered
    before = _flagged(view)
    assert view.class_actions.merge("ant", "cow")
    qtbot.waitUntil(lambda: view.catalog.labels[view.catalog.paths == flipped[0]][0] == "cow")

    # Labeled ant, now cow, and the model still takes them for bees: still flagged while
    # the labels are scored again.
    assert _flagged(view) == before
    assert set(view.catalog.suggested[view.catalog.flagged]) <= {"bee", "cow"}


def test_the_status_bar_says_the_flags_are_scored_again_as_the_sidebar_does(qtbot, view, clustered):
    """After a label key the sidebar says "Likely mislabeled (…)" until the new scores
    come; the status bar said the old count less the image relabeled meanwhile."""
    project, flipped = clustered
    view.grid.select_row(view.model.row_of_id(project.ids_for([flipped[0]])[flipped[0]]))
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # bee, the true class
    qtbot.waitUntil(lambda: view.feed.busy)
    assert _flagged_count_shown(view) == "Likely mislabeled (…)"
    assert "likely mislabeled: scoring again…" in view.status_text
    assert "1 likely mislabeled" not in view.status_text
    view.feed.refresh()  # the new scores: a count again, in both
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    count = len(_flagged(view))
    assert f"{count:,} likely mislabeled ·" in view.status_text
    assert _flagged_count_shown(view) == f"Likely mislabeled ({count})"


def test_undoing_and_redoing_a_rename_keep_the_flags(qtbot, view, clustered):
    _, flipped = clustered
    before = _flagged(view)

    def label_is(name: str) -> bool:
        return view.catalog.labels[view.catalog.paths == flipped[0]][0] == name

    assert view.class_actions.rename("ant", "formica")
    qtbot.waitUntil(lambda: label_is("formica"))
    view.labeling.undo()  # Ctrl+Z
    qtbot.waitUntil(lambda: label_is("ant"))
    assert _flagged(view) == before and not view.feed.busy
    view.labeling.redo()
    qtbot.waitUntil(lambda: label_is("formica"))
    assert _flagged(view) == before and not view.feed.busy
    assert f"{len(before):,} likely mislabeled ·" in view.status_text


def test_undoing_a_rename_whose_old_name_was_made_again_changes_nothing(
    qtbot, view, clustered, monkeypatch
):
    """Someone made a new class ant after ant was renamed formica: Ctrl+Z gave the
    formicas back the label ant (joining that class, formica left empty) and scored
    every label again (the flags gone meanwhile). Now it leaves both and says why."""
    project, flipped = clustered
    monkeypatch.setenv("LABELDESK_USER", "alice")
    assert view.class_actions.rename("ant", "formica")
    qtbot.waitUntil(lambda: view.catalog.labels[view.catalog.paths == flipped[0]][0] == "formica")
    monkeypatch.setenv("LABELDESK_USER", "bob")  # (in a terminal, or their own app)
    project.set_labels({"_unlabeled/u0.png": "ant"}, create_classes=True)
    qtbot.waitUntil(lambda: "ant" in view.catalog.classes)
    view.feed.refresh()  # bob's label scored
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    before = _flagged(view)
    assert set(flipped) <= before
    said: list[str] = []
    view.labeling.message.connect(said.append)
    monkeypatch.setenv("LABELDESK_USER", "alice")
    view.labeling.undo()  # Ctrl+Z
    qtbot.waitUntil(lambda: bool(said))
    assert "'formica' not renamed back: a class 'ant' was made since" in said[-1]
    qtbot.wait(50)
    assert set(view.catalog.labels[np.isin(view.catalog.paths, flipped)]) == {"formica"}
    assert _flagged(view) == before and not view.feed.busy
    assert f"{len(before):,} likely mislabeled ·" in view.status_text


def test_after_a_merge_is_undone_the_merged_model_does_not_judge_the_class_back(
    qtbot, view, clustered
):
    """Merge bee into ant, scored, Ctrl+Z: until scored again the detail panel said
    "Model: almost surely ant (98%) — label bee is doubtful" of every bee, from a model
    that had no class bee."""
    catalog = view.catalog
    bee = int(np.flatnonzero(catalog.labels == "bee")[0])
    assert view.class_actions.merge("bee", "ant")
    qtbot.waitUntil(lambda: view.catalog.labels[bee] == "ant")
    view.feed.refresh()  # the merged labels scored: the model knows ant and cow
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert view.catalog.guess[bee] == "ant"
    view.labeling.undo()  # Ctrl+Z: bee is back, the new scores still to come
    qtbot.waitUntil(lambda: view.catalog.labels[bee] == "bee")
    assert view.feed.busy
    opinion = view.catalog.opinion(bee)
    assert opinion == "Model: updating (it has not learned the class 'bee' yet)"
    view.grid.select_row(view.model.row_of_id(int(view.catalog.ids[bee])))
    qtbot.waitUntil(lambda: "has not learned the class 'bee'" in view.detail.fields["Model"].text())
    view.feed.refresh()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert "updating" not in view.catalog.opinion(bee)  # scored: the model knows bee again


def test_a_merge_redone_names_the_classes_as_the_merge_did(qtbot, view, clustered):
    """Merge bee into ant, Ctrl+Z, Ctrl+Shift+Z, each scored: after the redo the model's
    values still named bee, no class any more ("Model: updating (the classes changed
    since it named 'bee')" on every former bee, suggestions of bee) until scored again;
    the merge itself had them follow."""
    catalog = view.catalog
    bee = int(np.flatnonzero(catalog.labels == "bee")[0])

    def scored() -> None:
        view.feed.refresh()
        qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)

    assert view.class_actions.merge("bee", "ant")
    qtbot.waitUntil(lambda: view.catalog.labels[bee] == "ant")
    scored()
    view.labeling.undo()
    qtbot.waitUntil(lambda: view.catalog.labels[bee] == "bee")
    scored()
    assert view.catalog.guess[bee] == "bee"
    view.labeling.redo()
    qtbot.waitUntil(lambda: view.catalog.labels[bee] == "ant")
    catalog = view.catalog
    assert "bee" not in set(catalog.guess) | set(catalog.suggested) | set(catalog.predicted)
    assert catalog.opinion(bee).endswith("the label agrees")
    assert view.feed.busy  # a merge made again: scored again, as the merge was


def test_undoing_a_rename_whose_new_name_was_used_since_keeps_the_flags(
    qtbot, view, clustered, monkeypatch
):
    """Bob labeled an image formica after ant was renamed formica; Alice's Ctrl+Z gives
    the formicas the label ant again (formica stays, for Bob's image): the model's values
    still said formica, so every flag of them dropped until the labels were scored again
    (2 likely mislabeled → 0 → 2)."""
    project, flipped = clustered
    monkeypatch.setenv("LABELDESK_USER", "alice")
    assert view.class_actions.rename("ant", "formica")
    qtbot.waitUntil(lambda: view.catalog.labels[view.catalog.paths == flipped[0]][0] == "formica")
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_labels({"_unlabeled/u0.png": "formica"})
    view.feed.refresh()  # bob's label scored
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    before = _flagged(view)
    assert set(flipped) <= before
    monkeypatch.setenv("LABELDESK_USER", "alice")
    view.labeling.undo()  # Ctrl+Z
    qtbot.waitUntil(lambda: view.catalog.labels[view.catalog.paths == flipped[0]][0] == "ant")
    assert _flagged(view) == before
    assert "ant" in set(view.catalog.suggested) | set(view.catalog.guess)
    assert view.feed.busy  # the classes changed (formica holds Bob's image): scored again
