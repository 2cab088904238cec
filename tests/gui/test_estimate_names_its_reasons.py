"""The note "The model expects about N wrong labels; M are flagged (…)" names only the
reasons that leave labels unflagged, with their counts, as ``labeldesk issues`` says
"(4 more verified by a person)". It always named both ("not labels you verified, nor
those changed since it last scored them"), even right after scoring, when only the
verified labels explained the gap."""

from __future__ import annotations

import numpy as np

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.core.project import ImageState
from labeldesk.core.vocab import VERIFIED
from labeldesk.gui.estimate_words import NOT_FLAGGED, expected_errors_text, unflagged_in

ABOUT = "The model expects about 34 wrong labels; 30 are flagged"


def test_the_words_name_only_the_reasons_that_apply():
    assert expected_errors_text(34, 30, unflagged=(4, 0)) == f"{ABOUT} (4 more you verified)."
    assert expected_errors_text(34, 30, unflagged=(0, 4)) == (
        f"{ABOUT} (4 more changed since it last scored them)."
    )
    assert expected_errors_text(34, 30, unflagged=(3, 1)) == (
        f"{ABOUT} (3 more you verified, 1 changed since it last scored it)."
    )
    assert expected_errors_text(30, 30, unflagged=None) == (
        "The model expects about 30 wrong labels; the 30 most suspicious are flagged."
    )
    assert expected_errors_text(4, 1, unflagged=(3, 0)) == (  # (it said "1 are flagged")
        "The model expects about 4 wrong labels; 1 is flagged (3 more you verified)."
    )
    # not known per image (an estimate of the whole project only): both, uncounted
    assert expected_errors_text(34, 30) == f"{ABOUT} ({NOT_FLAGGED})."


def _scored(project) -> ImageCatalog:
    from labeldesk.ml.insights import image_insights

    catalog = ImageCatalog.load(project)
    catalog.set_insights(image_insights(project))
    assert catalog.expected_errors is not None and catalog.expected_wrong is not None
    return catalog


def _relabel_a_flagged_one(catalog: ImageCatalog) -> None:
    """A person relabels a flagged image (as the browser re-reads it): its flag goes."""
    p = int(np.flatnonzero(catalog.flagged)[0])
    other = next(c for c in catalog.classes if c != catalog.labels[p])
    state = ImageState(int(catalog.ids[p]), other, catalog.splits[p], catalog.statuses[p])
    catalog.apply_columns(StateColumns.of([state], catalog.classes))


def _gap(catalog: ImageCatalog, split: str | None = None) -> tuple[int, int] | None:
    expected = catalog.expected_errors_in(split)
    flagged = catalog.show_counts(split)["flagged"]  # as the Images list counts them
    return unflagged_in(catalog, split, expected, flagged)


def test_the_catalog_counts_each_reason(clustered):
    project, flipped = clustered
    catalog = _scored(project)
    assert catalog.expected_errors == int(catalog.flagged.sum())  # nothing verified yet
    assert _gap(catalog) is None  # neither: "the N most suspicious are flagged"
    _relabel_a_flagged_one(catalog)
    assert _gap(catalog) == (0, 1)  # only changed since the scores

    project.set_status(flipped[0], VERIFIED)  # a person verified a planted error
    catalog = _scored(project)  # right after scoring: only the verified one
    assert catalog.expected_errors == int(catalog.flagged.sum()) + 1
    assert _gap(catalog) == (1, 0)  # before: both reasons named
    _relabel_a_flagged_one(catalog)
    assert _gap(catalog) == (1, 1)  # both


def test_right_after_scoring_the_sidebar_names_only_the_verified_labels(qtbot, clustered):
    from gui.conftest import shown_view

    project, flipped = clustered
    project.set_status(flipped[0], VERIFIED)
    view = shown_view(qtbot, project, 1300, 850, focused=False)
    try:
        qtbot.waitUntil(lambda: view.catalog.expected_errors is not None, timeout=20000)
        qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
        note = view.sidebar.expected_note
        assert view.catalog.expected_errors == 2  # the two planted errors
        assert note.text() == (  # before: "(not labels you verified, nor those changed …)"
            "The model expects about 2 wrong labels; 1 is flagged (1 more you verified)."
        )
        assert note.toolTip().startswith(note.text())
    finally:
        view.shutdown()
