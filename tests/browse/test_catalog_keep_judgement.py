"""A catalog that reads the images again (a rescan's fill-in) and takes the same scores
keeps what the old catalog knew of them (``keep_judgement``): the labels the flags
judged, and the values forgotten for edited files. New scores are judged afresh."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.core.image_frame import image_frame
from labeldesk.core.project import ImageState
from tests.browse.test_catalog import fake_insights


def relabel_flagged(project, catalog: ImageCatalog) -> int:
    """A person relabels the first flagged image (written, and re-read into ``catalog``):
    its position."""
    position = int(np.flatnonzero(catalog.flagged)[0])
    label = "dog" if catalog.labels[position] == "cat" else "cat"
    project.set_label(catalog.paths[position], label)
    state = ImageState(
        int(catalog.ids[position]), label, catalog.splits[position], catalog.statuses[position]
    )
    catalog.apply_columns(StateColumns.of([state], catalog.classes))
    assert not catalog.flagged[position]
    return position


def read_again(project, *, one_gone: bool) -> ImageCatalog:
    """The project's images read again (``one_gone``: its first image removed since)."""
    frame = image_frame(project, include_skipped=True)
    return ImageCatalog(frame.iloc[1:] if one_gone else frame, frame.attrs["classes"])


@pytest.mark.parametrize("one_gone", [False, True])
def test_a_catalog_read_again_keeps_the_relabels_and_forgotten_values_of_the_same_scores(
    project, one_gone
):
    older = ImageCatalog.load(project)
    insights = fake_insights(older)
    older.set_insights(insights)
    flags = int(older.flagged.sum())
    relabeled = relabel_flagged(project, older)
    forgotten = int(np.flatnonzero(older.flagged)[0])  # a file a rescan found edited
    older.forget_insights([int(older.ids[forgotten])])

    again = read_again(project, one_gone=one_gone)
    again.set_insights(insights)
    relabeled, forgotten = again.positions_of(older.ids[[relabeled, forgotten]])
    assert again.flagged[relabeled] and again.flagged[forgotten]  # (judged afresh)
    again.keep_judgement(older)
    assert not again.flagged[relabeled] and not again.flagged[forgotten]
    assert int(again.flagged.sum()) == flags - 2
    assert again.insight(forgotten) is None
    assert np.isnan(again.insight(relabeled).issue_score)  # it scored the old label
    assert again.show_counts()["flagged"] == flags - 2


def test_new_scores_are_judged_against_the_labels_read(project):
    older = ImageCatalog.load(project)
    insights = fake_insights(older)
    older.set_insights(insights)
    relabeled = relabel_flagged(project, older)
    fresh = replace(insights, flagged=insights.flagged.copy())  # a rescoring's own flags

    again = ImageCatalog.load(project)
    again.set_insights(fresh)
    again.keep_judgement(older)
    assert again.flagged[relabeled]  # the new scores flag the new label
