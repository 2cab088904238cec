"""A catalog that reads the images again (a rescan's fill-in) and takes the same scores
keeps what the old catalog knew of them (``keep_judgement``): the labels the flags
judged, and the values forgotten for edited files. New scores are judged afresh."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from labeldesk.browse.catalog import ImageCatalog, StateColumns
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


def test_a_catalog_read_again_keeps_the_relabels_and_forgotten_values_of_the_same_scores(project):
    older = ImageCatalog.load(project)
    insights = fake_insights(older)
    older.set_insights(insights)
    flags = int(older.flagged.sum())
    relabeled = relabel_flagged(project, older)
    forgotten = int(np.flatnonzero(older.flagged)[0])  # a file a rescan found edited
    older.forget_insights([int(older.ids[forgotten])])

    again = ImageCatalog.load(project)
    again.set_insights(insights)
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
