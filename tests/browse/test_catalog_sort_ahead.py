"""The orders by the model's values made ahead, off the GUI thread (``sort_keys`` →
``sort_orders`` → ``take_orders``): the browser shows the same images in the same order
as when it sorted on the spot, ties in path order, and orders made from values that
changed meanwhile are not taken."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.browse.sort_orders import MODEL_SORTS, sort_orders
from tests.browse.test_catalog import fake_insights
from tests.browse.test_catalog_sort_order import FILTERS, sorted_afresh


def tied(insights):
    """Scores with many ties (copies of one picture score alike): the order among equal
    values is the path order, whichever way the order was made."""
    n = len(insights)
    return replace(
        insights,
        issue_score=np.round(np.linspace(0.0, 1.0, n)[::-1], 1),
        confidence=np.where(np.arange(n) % 3 == 0, np.nan, 0.5),
        outlier_score=np.arange(n) % 2 * 0.3,
    )


def values_of(catalog: ImageCatalog) -> dict[str, np.ndarray]:
    return {
        "issue": catalog.issue_scores.copy(),
        "confidence": catalog.confidence.copy(),
        "outlier": -catalog.outlier_scores,
    }


@pytest.mark.parametrize("ties", [False, True])
def test_orders_made_ahead_show_what_a_sort_on_the_spot_shows(project, counted_sorts, ties):
    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    catalog.set_insights(tied(insights) if ties else insights)
    keys = catalog.sort_keys()
    assert keys is not None and set(keys.keys) == set(MODEL_SORTS)
    assert catalog.take_orders(keys, sort_orders(keys))
    assert catalog.sort_keys() is None  # every order is kept now
    values = values_of(catalog)
    counted_sorts.clear()
    for sort, key in values.items():
        for wanted in FILTERS:
            wanted = replace(wanted, sort=sort)
            got = list(catalog.filter(wanted))
            assert got == sorted_afresh(catalog, wanted, key), (sort, wanted)
    # only the comparison's sorts of the shown images: the catalog sorted nothing itself
    assert len(counted_sorts) == len(values) * len(FILTERS)


def test_the_same_order_as_sorted_when_chosen(project):
    catalog = ImageCatalog.load(project)
    catalog.set_insights(tied(fake_insights(catalog)))
    on_the_spot = {s: catalog.filter(ImageFilter(sort=s)) for s in MODEL_SORTS}
    ahead = ImageCatalog.load(project)
    ahead.set_insights(tied(fake_insights(ahead)))
    keys = ahead.sort_keys()
    assert keys is not None
    ahead.take_orders(keys, sort_orders(keys))
    for sort, rows in on_the_spot.items():
        assert np.array_equal(ahead.filter(ImageFilter(sort=sort)), rows), sort


def test_only_the_orders_not_made_are_asked_for(project):
    catalog = ImageCatalog.load(project)
    assert catalog.sort_keys() is None  # no model values yet: nothing to sort by
    catalog.set_insights(fake_insights(catalog))
    catalog.filter(ImageFilter(sort="confidence"))  # chosen before the job ended
    keys = catalog.sort_keys()
    assert keys is not None and set(keys.keys) == {"issue", "outlier"}


def test_orders_of_values_changed_meanwhile_are_not_taken(project):
    """New scores, or some forgotten (a rescan found their files edited), while the
    orders were made: the browser sorts the values it holds, not the older ones."""
    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    catalog.set_insights(insights)
    keys = catalog.sort_keys()
    assert keys is not None
    orders = sort_orders(keys)
    flipped = replace(insights, issue_score=insights.issue_score[::-1].copy())
    catalog.set_insights(flipped)
    assert not catalog.take_orders(keys, orders)
    by_issue = catalog.filter(ImageFilter(sort="issue"))
    assert list(catalog.ids[by_issue[:16]]) == list(insights.ids)  # the new values' order

    keys = catalog.sort_keys()
    assert keys is not None
    orders = sort_orders(keys)
    first = int(catalog.ids[catalog.filter(ImageFilter(sort="confidence"))[0]])
    catalog.forget_insights([first])
    assert not catalog.take_orders(keys, orders)
    again = catalog.filter(ImageFilter(sort="confidence"))
    assert catalog.ids[again[0]] != first
    assert first in catalog.ids[again[15:]]  # unscored now: with the others, last
