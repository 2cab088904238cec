"""New scores taken off the GUI thread (``begin_insights`` → its work in a job →
``take_insights``): the browser then shows the same rows, counts, flags and orders as
when :meth:`set_insights` took them on the spot, edits made while the job ran included,
and work superseded or overtaken by a change of the values is refused."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.browse.image_records import ImageFilter
from labeldesk.core.project import ImageState
from labeldesk.ml.insights import ImageInsights
from tests.browse.test_catalog import fake_insights
from tests.browse.test_catalog_sort_order import FILTERS

ARRAYS = ("predicted", "confidence", "issue_scores", "flagged", "suggested", "outlier_scores")


def shown(catalog: ImageCatalog) -> dict[str, object]:
    """What the browser shows from a catalog: each filter's rows in each order, the
    counts, the flags, each image's insight line."""
    out: dict[str, object] = {}
    for sort in ("path", "issue", "confidence", "outlier"):
        for n, wanted in enumerate(FILTERS):
            out[f"{sort} {n}"] = catalog.filter(replace(wanted, sort=sort)).tolist()
        out[f"{sort} flagged"] = catalog.filter(ImageFilter(show="flagged", sort=sort)).tolist()
    out["counts"] = catalog.show_counts()
    out["train counts"] = catalog.show_counts("train")
    out["errors"] = (catalog.expected_errors_in(None), catalog.expected_errors_in("train"))
    out["opinions"] = [catalog.opinion(p) for p in range(len(catalog))]
    out["insights"] = [repr(catalog.insight(p)) for p in range(len(catalog))]
    for name in ARRAYS:
        out[name] = repr(getattr(catalog, name).tolist())
    return out


def flagged_edit(catalog: ImageCatalog) -> StateColumns:
    """A flagged image relabeled by a person (its flag goes) and an unflagged one."""
    flagged = int(np.flatnonzero(catalog.flagged)[0])
    other = int(np.flatnonzero(~catalog.flagged & (catalog.labels != None))[0])  # noqa: E711
    states = [
        ImageState(int(catalog.ids[p]), "dog" if catalog.labels[p] == "cat" else "cat", s, st)
        for p, s, st in ((q, catalog.splits[q], catalog.statuses[q]) for q in (flagged, other))
    ]
    return StateColumns.of(states, catalog.classes)


class Relabeled(NamedTuple):
    """Two catalogs with the same old scores: ``on_the_spot`` took ``flipped`` (the flags
    reversed) at once, then ``edit``; ``ahead`` has taken neither yet."""

    on_the_spot: ImageCatalog
    ahead: ImageCatalog
    insights: ImageInsights
    flipped: ImageInsights
    edit: StateColumns


def relabeled_on_the_spot(project) -> Relabeled:
    on_the_spot, ahead = ImageCatalog.load(project), ImageCatalog.load(project)
    insights = fake_insights(on_the_spot)
    flipped = replace(insights, flagged=insights.flagged[::-1].copy())
    for catalog in (on_the_spot, ahead):
        catalog.set_insights(insights)  # (the old scores, flags among them)
    on_the_spot.set_insights(flipped)
    edit = flagged_edit(on_the_spot)
    on_the_spot.apply_columns(edit)
    return Relabeled(on_the_spot, ahead, insights, flipped, edit)


def test_scores_taken_from_a_job_show_what_set_insights_shows(project):
    on_the_spot, ahead = ImageCatalog.load(project), ImageCatalog.load(project)
    insights = fake_insights(on_the_spot)
    on_the_spot.set_insights(insights)
    assert ahead.take_insights(ahead.begin_insights(insights)())
    assert not ahead.insights_pending
    assert shown(ahead) == shown(on_the_spot)
    # a rescoring: new values over the old ones, the same either way
    flipped = replace(insights, issue_score=insights.issue_score[::-1].copy(), expected_errors=3)
    on_the_spot.set_insights(flipped)
    assert ahead.take_insights(ahead.begin_insights(flipped)())
    assert shown(ahead) == shown(on_the_spot)


def test_edits_made_while_the_job_ran_count_as_made_after_the_scores(project):
    on_the_spot, ahead, _, flipped, edit = relabeled_on_the_spot(project)
    make = ahead.begin_insights(flipped)
    ahead.apply_columns(edit)  # a person relabels while the job runs
    assert ahead.take_insights(make())
    assert shown(ahead) == shown(on_the_spot)
    assert not ahead.flagged[ahead.positions_of(edit.ids[:1])].any()  # looked at


def test_work_superseded_or_overtaken_is_refused(project):
    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    older = catalog.begin_insights(insights)
    newer = catalog.begin_insights(replace(insights, expected_errors=5))
    assert not catalog.take_insights(older())  # newer scores are on their way
    assert catalog.insights is None and catalog.insights_pending
    made = newer()
    catalog.set_classes([*catalog.classes, "bird"])  # the names it joined changed
    assert not catalog.take_insights(made) and catalog.insights_pending
    assert catalog.insights is None and catalog.begin_again(older()) is None
    again = catalog.begin_again(made)  # begun again for the classes as now
    assert again is not None and catalog.take_insights(again())
    assert catalog.insights is not None and not catalog.insights_pending
    catalog.set_insights(None)
    made = catalog.begin_insights(insights)()
    catalog.set_insights(insights)  # values taken on the spot meanwhile
    assert not catalog.take_insights(made) and not catalog.insights_pending


def renamed(catalog: ImageCatalog, old: str, new: str) -> None:
    """A class renamed, as the browser follows it: the names first, then the class list,
    then the rows of the class re-read under the new name."""
    catalog.follow_class_names([(old, new)])
    catalog.set_classes([new if c == old else c for c in catalog.classes])
    rows = np.flatnonzero(catalog.labels == old)
    states = [
        ImageState(int(catalog.ids[p]), new, catalog.splits[p], catalog.statuses[p]) for p in rows
    ]
    catalog.apply_columns(StateColumns.of(states, catalog.classes))


def test_edits_made_while_the_job_ran_survive_a_rename_that_refuses_its_work(project):
    """A rename while the job runs: its work named the classes as before and is refused;
    begun again, it keeps the edits noted since it was first begun (the image relabeled
    then stays unflagged) and the flags the rename keeps."""
    on_the_spot, ahead, _, flipped, edit = relabeled_on_the_spot(project)
    renamed(on_the_spot, "cat", "kitty")

    make = ahead.begin_insights(flipped)
    ahead.apply_columns(edit)  # a person relabels while the job runs, then renames
    renamed(ahead, "cat", "kitty")
    refused = make()
    assert not ahead.take_insights(refused) and ahead.insights_pending  # (the old names)
    again = ahead.begin_again(refused)
    assert again is not None and ahead.begin_again(refused) is None  # (begun once)
    assert ahead.take_insights(again()) and not ahead.insights_pending
    assert shown(ahead) == shown(on_the_spot)
    assert not ahead.flagged[ahead.positions_of(edit.ids[:1])].any()  # looked at
    kitties = ahead.labels == "kitty"
    assert (ahead.flagged & kitties).any()  # the rename kept the flags of its images


def test_edits_made_while_the_job_ran_survive_files_forgotten_meanwhile(project):
    """A rescan finds files edited while the job runs: the job's values judged their old
    pictures, so they are forgotten at the swap too, and the edits noted stay (the work
    was dropped and the feed's scores taken on the spot: the relabeled image flagged)."""
    on_the_spot, ahead, _, flipped, edit = relabeled_on_the_spot(project)
    flagged_ids = on_the_spot.ids[on_the_spot.flagged]
    edited = [int(flagged_ids[~np.isin(flagged_ids, edit.ids)][0]), int(on_the_spot.ids[-1])]
    on_the_spot.forget_insights(edited)

    make = ahead.begin_insights(flipped)
    ahead.apply_columns(edit)  # a person relabels while the job runs, then a rescan
    ahead.forget_insights(edited)
    assert ahead.insights_pending
    assert ahead.take_insights(make()) and not ahead.insights_pending
    assert shown(ahead) == shown(on_the_spot)
    assert not ahead.flagged[ahead.positions_of(edit.ids[:1])].any()  # looked at
    assert all(ahead.insight(int(p)) is None for p in ahead.positions_of(edited))


def test_work_whose_job_failed_is_begun_again_with_the_edits_made_meanwhile(project):
    """The job failed: the same work is begun again (for another job) with the edits
    noted since it was first begun (the feed's scores taken on the spot judged today's
    labels: the image a person relabeled meanwhile flagged again). Only the work awaited
    is begun again; a second failure gives it up, and nothing is awaited then."""
    on_the_spot, ahead, insights, flipped, edit = relabeled_on_the_spot(project)

    assert ahead.pending_mark is None
    ahead.begin_insights(insights)
    older = ahead.pending_mark
    ahead.begin_insights(flipped)  # (newer scores: the older work's failure is moot)
    mark = ahead.pending_mark
    ahead.apply_columns(edit)  # a person relabels while the job runs; it fails
    assert older is not None and ahead.retry_join(older) is None and ahead.insights_pending
    assert not ahead.give_up_join(older) and ahead.insights_pending
    again = ahead.retry_join(mark)
    assert again is not None and ahead.insights_pending
    retried = ahead.pending_mark
    assert retried is not mark and ahead.retry_join(mark) is None  # (begun again once)
    made = again()
    assert ahead.take_insights(made) and not ahead.insights_pending
    assert ahead.retry_join(retried) is None and not ahead.give_up_join(retried)  # (taken)
    assert shown(ahead) == shown(on_the_spot)
    assert not ahead.flagged[ahead.positions_of(edit.ids[:1])].any()  # looked at
    # begun again and failed again: given up, the values shown as they were
    ahead.begin_insights(insights)
    assert ahead.retry_join(ahead.pending_mark) is not None
    assert ahead.give_up_join(ahead.pending_mark) and not ahead.insights_pending
    assert shown(ahead) == shown(on_the_spot)
