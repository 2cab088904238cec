"""A label a person reviewed and kept (verified, not flagged) sat among the likely
mislabels at the top of "Likely mislabeled first": it sorted by its score alone. The
model sorts put the images a person has settled after the others now, each part in
score order, without sorting again when a review marks one."""

from __future__ import annotations

import numpy as np

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.browse.image_records import ImageFilter
from labeldesk.core.project import ImageState
from labeldesk.core.vocab import VERIFIED
from tests.browse.test_catalog import fake_insights


def _keep(catalog: ImageCatalog, positions: list[int]) -> None:
    """A person reviews these images and keeps their labels (marked verified)."""
    catalog.apply_columns(
        StateColumns.of(
            [
                ImageState(int(catalog.ids[p]), catalog.labels[p], catalog.splits[p], VERIFIED)
                for p in positions
            ]
        )
    )


def test_a_kept_label_sorts_after_the_images_still_to_look_at(project, counted_sorts):
    catalog = ImageCatalog.load(project)
    catalog.set_insights(fake_insights(catalog))
    before = {s: list(catalog.filter(ImageFilter(sort=s))) for s in ("issue", "confidence")}
    top = before["issue"][0]
    assert catalog.flagged[top]  # the likeliest mislabel, flagged
    second = before["issue"][5]
    counted_sorts.clear()
    _keep(catalog, [second, top])
    assert not catalog.flagged[top]
    for sort, order in before.items():
        got = list(catalog.filter(ImageFilter(sort=sort)))
        # the rest as before, then the two kept in their own order (score order)
        assert got == [p for p in order if p not in (top, second)] + [top, second], sort
    assert counted_sorts == []  # the orders kept: a review's mark sorts nothing again


def test_a_filtered_sort_puts_the_kept_last_too(project):
    catalog = ImageCatalog.load(project)
    catalog.set_insights(fake_insights(catalog))
    wanted = ImageFilter(sort="outlier", label="cat")
    before = list(catalog.filter(wanted))
    kept = before[0]
    _keep(catalog, [kept])
    assert list(catalog.filter(wanted)) == [*before[1:], kept]
    # a path sort is left as it was
    by_path = catalog.filter(ImageFilter(label="cat"))
    assert list(by_path) == sorted(by_path)


def test_no_verified_image_leaves_the_order_as_the_scores_give_it(project):
    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    catalog.set_insights(insights)
    by_issue = catalog.filter(ImageFilter(sort="issue"))
    assert list(catalog.ids[by_issue[: len(insights.ids)]]) == list(insights.ids[::-1])
    assert not np.any(catalog.status_codes >= 0)
