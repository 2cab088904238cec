"""The lists a review pass starts from, computed without Qt."""

from __future__ import annotations

import math

import pytest

from labeldesk.browse.review_lists import (
    NO_EMBEDDINGS,
    compute_items,
    issue_items,
    refresh_queue_items,
)
from labeldesk.browse.review_session import ReviewSession
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.issues import label_issues
from labeldesk.ml.predictions import project_predictions


def test_issues_are_the_flagged_labels_in_the_cli_order_with_a_confidence(clustered):
    project, flipped = clustered
    listed = compute_items(project, "issues")
    expected = [i for i in label_issues(project) if i.flagged]
    assert [it.path for it in listed.items] == [i.path for i in expected]
    assert set(flipped) <= {it.path for it in listed.items}
    for item, issue in zip(listed.items, expected, strict=True):
        assert (item.label, item.suggested) == (issue.label, issue.suggested)
        assert item.score == issue.score
        assert 0.0 < item.confidence <= 1.0
    assert listed.expected_errors is not None and listed.expected_errors >= len(flipped)
    assert issue_items(project_predictions(project)).items == listed.items


def test_the_issues_list_carries_the_pixels_share(clustered):
    """Review mode's header tooltip says how the predictions were made, as `issues` does."""
    from dataclasses import replace

    project, _ = clustered
    preds = project_predictions(project)
    assert issue_items(preds).pixel_share == preds.pixel_share
    assert issue_items(replace(preds, pixel_share=0.4)).pixel_share == 0.4


def test_the_queue_leaves_out_what_was_skipped_and_holds_only_unlabeled_images(clustered):
    project, _ = clustered
    first = compute_items(project, "queue").items
    unlabeled = set(project.images().query("label.isna()").path)
    assert first and {it.path for it in first} <= unlabeled
    assert all(it.label is None and it.suggested is not None for it in first)
    assert all(not math.isnan(it.confidence) for it in first)
    skipped = {first[0].path}
    again = compute_items(project, "queue", skipped).items
    assert first[0].path not in {it.path for it in again}
    refreshed = refresh_queue_items(project, skipped)
    assert refreshed.fitted_on == 3 * 30  # the clustered project's train labels
    assert [it.path for it in refreshed.items] == [it.path for it in again]


def test_a_queue_label_written_in_the_session_leaves_the_next_list(clustered):
    project, _ = clustered
    items = compute_items(project, "queue").items
    session = ReviewSession(project, "queue", items)
    session.accept()
    assert project.images().set_index("path").label[items[0].path] == items[0].suggested
    assert items[0].path not in {it.path for it in compute_items(project, "queue").items}


def test_without_embeddings_the_message_says_what_to_do(project):
    with pytest.raises(NoEmbeddings, match="Compute embeddings") as err:
        compute_items(project, "issues")
    assert str(err.value) == NO_EMBEDDINGS


def test_without_embeddings_a_read_only_project_is_not_told_to_compute_them(
    project, make_read_only
):
    """On a read-only project Tools → Compute embeddings is greyed out, yet the message
    said to run it: it says why they cannot be computed there and what to do."""
    from labeldesk.core.project import open_project

    path = project.path
    project.close()
    make_read_only(path)
    with open_project(path) as again:
        assert again.read_only is not None
        with pytest.raises(NoEmbeddings) as err:
            compute_items(again, "issues")
    said = str(err.value)
    assert "Compute embeddings" not in said
    assert said.startswith("This project has no embeddings yet, so there is nothing to review")
    assert said.endswith(
        "read-only, so they cannot be computed here: to change the project, copy the "
        "project folder somewhere writable and open the copy."
    )
