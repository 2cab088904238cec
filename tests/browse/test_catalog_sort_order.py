"""The browser's sort by the model's values: the whole catalog is sorted once per set of
values, and each filter change takes its images from that order (at a million images a
sort of the shown ones at every filter change stalled the window 0.6-1.4 s)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from tests.browse.test_catalog import fake_insights

FILTERS = (
    ImageFilter(),
    ImageFilter(label="cat"),
    ImageFilter(split="train"),
    ImageFilter(search="dog"),
    ImageFilter(unlabeled=True),
    ImageFilter(show="labeled", split="val"),
)


def sorted_afresh(catalog: ImageCatalog, wanted: ImageFilter, values: np.ndarray) -> list[int]:
    """What a sort of just the shown images gives: by value, ties in path order, the
    images without one last."""
    shown = np.flatnonzero(catalog.matches(wanted))
    key = values[shown]
    return list(shown[np.argsort(np.where(np.isnan(key), np.inf, key), kind="stable")])


def test_each_sort_is_made_once_across_filter_changes(project, counted_sorts):
    catalog = ImageCatalog.load(project)
    catalog.set_insights(fake_insights(catalog))
    values = {
        "issue": catalog.issue_scores.copy(),
        "confidence": catalog.confidence.copy(),
        "outlier": -catalog.outlier_scores,
    }
    counted_sorts.clear()
    for sort, key in values.items():
        for wanted in FILTERS:
            wanted = replace(wanted, sort=sort)
            got = list(catalog.filter(wanted))
            assert got == sorted_afresh(catalog, wanted, key), (sort, wanted)
    # sorted afresh above, for the comparison: 6 filters x 3 sorts; the catalog sorted
    # each order once, all its images
    assert len(counted_sorts) == 3 * len(FILTERS) + 3
    assert counted_sorts.count(len(catalog)) >= 3


def test_new_values_are_sorted_again(project):
    """New insights, or the values of some images forgotten (a rescan found them
    edited): the next sort follows them, not the order kept."""
    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    catalog.set_insights(insights)
    by_issue = list(catalog.filter(ImageFilter(sort="issue")))
    first = int(catalog.ids[by_issue[0]])
    catalog.forget_insights([first])
    again = list(catalog.filter(ImageFilter(sort="issue")))
    assert catalog.ids[again[0]] != first
    assert first in catalog.ids[again[16:]]  # with the unscored images, last
    catalog.set_insights(replace(insights, issue_score=insights.issue_score[::-1].copy()))
    flipped = list(catalog.filter(ImageFilter(sort="issue")))
    assert list(catalog.ids[flipped[:16]]) == list(insights.ids)
