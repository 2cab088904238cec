"""The sidebar's note "The model expects about N wrong labels; M are flagged" follows
the split picked, as the class list and the Images list above it do. It counted the
whole project with *train* picked: the numbers under a split's counts were not its own."""

from __future__ import annotations

import numpy as np

from labeldesk.browse.image_records import SHOW_CHOICES
from labeldesk.gui.estimate_words import expected_errors_text


def expected_by_split(view) -> dict[str, int]:
    """The labels the model counts as likely wrong, by split, from the insights and the
    project's own splits (a labeled image without a split is train)."""
    insights = view.catalog.insights
    splits = view.project.images().split  # indexed by image id
    wrong = insights.ids[insights.expected_wrong]
    return {s: int(sum(splits[i] == s for i in wrong)) for s in ("train", "val", "test")}


def flagged_listed(sidebar) -> int:
    text = sidebar.show_box.itemText(SHOW_CHOICES.index("flagged"))
    return int(text.rsplit("(", 1)[1].rstrip(")").replace(",", ""))


def test_the_note_counts_the_split_picked(qtbot, scored_view, clustered):
    view, sidebar = scored_view, scored_view.sidebar
    note = sidebar.expected_note
    total, flagged = view.catalog.expected_errors, int(view.catalog.flagged.sum())
    assert total >= 2  # the two planted errors, in train
    assert note.text() == expected_errors_text(total, flagged)  # All: as before
    assert "in " not in note.text()
    sidebar.select_split("val")  # (it still said the whole project's numbers)
    assert note.text() != expected_errors_text(total, flagged) and " in val" in note.text()
    by_split = expected_by_split(view)
    assert sum(by_split.values()) == total  # the estimate is the sum of its images
    assert by_split["train"] >= 2 and by_split["test"] == 0
    for split in ("train", "val", "test"):
        sidebar.select_split(split)
        in_split = flagged_listed(sidebar)  # the Images list's "Likely mislabeled (M)"
        assert note.text() == expected_errors_text(by_split[split], in_split, where=f" in {split}")
        assert note.isVisible()
    assert note.text() == "The model expects no wrong labels in test."
    sidebar.select_split("train")
    n = by_split["train"]
    assert note.text().startswith(f"The model expects about {n} wrong labels in train; ")
    assert note.toolTip().startswith(note.text())
    sidebar.select_split(None)
    assert note.text() == expected_errors_text(total, flagged)


def test_without_the_per_image_estimate_the_note_says_it_is_the_whole_projects(qtbot, scored_view):
    view, sidebar = scored_view, scored_view.sidebar
    total, flagged = view.catalog.expected_errors, int(view.catalog.flagged.sum())
    view.catalog.expected_wrong = None  # known for the whole project only
    sidebar.select_split("val")
    assert sidebar.expected_note.text() == expected_errors_text(
        total, flagged, where=" in the whole project"
    )
    assert " in the whole project;" in sidebar.expected_note.text()


def test_the_insights_say_which_labels_the_estimate_counts(clustered):
    from labeldesk.ml.insights import image_insights

    project, flipped = clustered
    insights = image_insights(project)
    assert insights.expected_wrong is not None
    assert int(np.sum(insights.expected_wrong)) == insights.expected_errors
    assert not np.any(insights.flagged & ~insights.expected_wrong)  # flags are among them
    planted = list(project.ids_for(flipped).values())
    assert insights.expected_wrong[np.isin(insights.ids, planted)].all()


def test_a_refresh_with_a_split_picked_counts_the_images_list_once(qtbot, scored_view, monkeypatch):
    """The note's flagged count is the Images list's, counted once per refresh: counting
    the split's choices a second time for it cost a few ms a key press at a million
    images (refresh_counts runs after every label key)."""
    view, sidebar = scored_view, scored_view.sidebar
    sidebar.select_split("train")
    calls: list[str | None] = []
    count = view.catalog.show_counts

    def counted(split=None):
        calls.append(split)
        return count(split)

    monkeypatch.setattr(view.catalog, "show_counts", counted)
    view.refresh_counts()
    assert calls == ["train"]  # (it was ["train", "train"])
    wrong, flagged = expected_by_split(view)["train"], flagged_listed(sidebar)
    assert sidebar.expected_note.text() == expected_errors_text(wrong, flagged, where=" in train")
