"""The detail panel's "Label fit" is the model's score of the label it judged: after a
label change, until the insights are computed again, it said the old label's fit beside
a Model line about the new label ("Model: probably ankle_boot (75%) — the label agrees"
above "Label fit: 3%", just after undoing a label of bag). Not computed then; back when
the label is back (an undo)."""

from __future__ import annotations

import math

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.core.project import ImageState

from .test_catalog import fake_insights


def test_the_fit_of_a_changed_label_is_not_shown_until_scored_again(project):
    catalog = ImageCatalog.load(project)
    catalog.set_insights(fake_insights(catalog))
    path = "train/cat/cat0.jpg"
    image_id = project.ids_for([path])[path]
    position = int(catalog.positions_of([image_id])[0])
    judged = catalog.insight(position)
    assert judged is not None and not math.isnan(judged.issue_score)

    catalog.apply_columns(StateColumns.of([ImageState(image_id, "dog", "train", None)]))
    relabeled = catalog.insight(position)
    assert relabeled is not None and math.isnan(relabeled.issue_score)

    catalog.apply_columns(StateColumns.of([ImageState(image_id, "cat", "train", None)]))
    back = catalog.insight(position)
    assert back is not None and back.issue_score == judged.issue_score
